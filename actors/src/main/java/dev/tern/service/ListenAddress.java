package dev.tern.service;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/** {@code ADDR:PORT} with a numeric address: {@code 127.0.0.1:2525}, {@code [::1]:2587}, {@code [::]:2525}. */
final class ListenAddress {
    private ListenAddress() {
    }

    static InetSocketAddress parse(String option, String text) throws UsageException {
        String usage = option + ": '" + text + "' is not ADDR:PORT with a numeric address "
                + "(e.g. 127.0.0.1:2525 or [::1]:2525)";
        int colon = text.lastIndexOf(':');
        if (colon <= 0) {
            throw new UsageException(usage);
        }
        String host = text.substring(0, colon);
        int port = Ports.parse(option, text.substring(colon + 1), 0);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
            if (!host.contains(":")) {
                throw new UsageException(usage);
            }
        } else if (host.contains(":") || !host.matches("[0-9.]+")) {
            throw new UsageException(usage);
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port); // a literal: no DNS lookup
        } catch (UnknownHostException | IllegalArgumentException e) {
            throw new UsageException(usage);
        }
    }

    static String format(InetSocketAddress address) {
        String host = address.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }
}
