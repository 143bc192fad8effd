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
        HostPort split = HostPort.split(option, text, usage, 0);
        String host = split.host();
        int port = split.port();
        if (!split.bracketed() && !host.matches("[0-9.]+")) {
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
