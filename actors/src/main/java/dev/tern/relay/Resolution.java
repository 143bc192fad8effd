package dev.tern.relay;

import java.util.List;
import java.util.Objects;

/** Where mail for a domain goes, or why it cannot go anywhere (now or ever). */
public sealed interface Resolution {

    /**
     * @param domain the domain resolved (lower case, no trailing dot; an address literal as given)
     * @param hosts  never empty, in the order to try them (RFC 5321 §5.1)
     */
    record Hosts(String domain, List<MxHost> hosts) implements Resolution {
        public Hosts {
            Objects.requireNonNull(domain, "domain");
            hosts = List.copyOf(hosts);
            if (hosts.isEmpty()) {
                throw new IllegalArgumentException("no hosts for " + domain);
            }
        }
    }

    /**
     * Permanent: mail for the domain can never be delivered (NXDOMAIN, null MX, no address
     * for an implicit MX, an invalid domain or address literal).
     *
     * @param status     RFC 3463 code, e.g. {@code 5.1.2} or {@code 5.1.10}
     * @param diagnostic Postfix-style text for logs and DSNs
     */
    record Unroutable(String status, String diagnostic) implements Resolution {
    }

    /**
     * Transient: DNS could not answer now (SERVFAIL, timeout, I/O error, MX hosts without
     * addresses); try again later.
     *
     * @param status     RFC 3463 code, {@code 4.4.3}
     * @param diagnostic Postfix-style text naming the failure
     */
    record TryLater(String status, String diagnostic) implements Resolution {
    }
}
