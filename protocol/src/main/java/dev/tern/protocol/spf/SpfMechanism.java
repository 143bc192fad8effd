package dev.tern.protocol.spf;

import java.net.InetAddress;
import java.util.Locale;

/**
 * One directive of an SPF record (RFC 7208 §4.6.1, §5): a qualifier and a mechanism with its
 * arguments.
 *
 * @param qualifier  '+', '-', '~' or '?'
 * @param kind       which mechanism
 * @param domainSpec the unexpanded domain-spec (§7.1), or null for the current domain
 * @param network    the address of ip4/ip6, else null
 * @param cidr4      the IPv4 prefix length (a, mx, ip4), 32 when absent
 * @param cidr6      the IPv6 prefix length (a, mx, ip6), 128 when absent
 */
record SpfMechanism(char qualifier, Kind kind, String domainSpec, InetAddress network, int cidr4, int cidr6) {

    enum Kind {
        ALL, INCLUDE, A, MX, PTR, IP4, IP6, EXISTS;

        /** §4.6.4: the mechanisms that query DNS and count toward the limit of 10. */
        boolean queriesDns() {
            return this == INCLUDE || this == A || this == MX || this == PTR || this == EXISTS;
        }

        String text() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The directive as written back, for reasons in logs. */
    String describe() {
        StringBuilder text = new StringBuilder(kind.text());
        if (network != null) {
            text.append(':').append(network.getHostAddress()).append('/').append(kind == Kind.IP4 ? cidr4 : cidr6);
        } else if (domainSpec != null) {
            text.append(':').append(domainSpec);
        }
        return text.toString();
    }
}
