package dev.tern.relay;

import java.net.InetAddress;
import java.util.List;
import java.util.Objects;

/**
 * One host to deliver to, with the addresses to try in order.
 *
 * @param name       the MX target (lower case, no trailing dot); for an implicit MX the domain
 *                   itself; for an address literal the address text, e.g. {@code 127.0.0.1}
 * @param preference the MX preference (0 for implicit MX and address literals)
 * @param addresses  never empty: IPv6 addresses first, then IPv4
 */
public record MxHost(String name, int preference, List<InetAddress> addresses) {

    public MxHost {
        Objects.requireNonNull(name, "name");
        addresses = List.copyOf(addresses);
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("an MX host needs at least one address: " + name);
        }
    }
}
