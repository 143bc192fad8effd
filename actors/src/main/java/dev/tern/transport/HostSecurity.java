package dev.tern.transport;

import java.util.Objects;
import java.util.Optional;

import dev.tern.streams.client.ConnectionSecurity;

/**
 * One MX host of a destination: what its connections require, which policy says so, and
 * whether a policy rules it out altogether.
 *
 * @param host            the MX host name, lower case, no trailing dot
 * @param security        what each connection to it requires
 * @param policy          the published policy behind that, for TLS reports
 * @param excludedBecause present when no connection may be made to it (an MTA-STS policy in
 *                        enforce mode that does not list it, or bogus DNSSEC for its TLSA)
 */
public record HostSecurity(String host, ConnectionSecurity security, PolicyRef policy, Optional<String> excludedBecause) {

    public HostSecurity {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(security, "security");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(excludedBecause, "excludedBecause");
    }

    public HostSecurity(String host, ConnectionSecurity security, PolicyRef policy) {
        this(host, security, policy, Optional.empty());
    }

    public boolean allowed() {
        return excludedBecause.isEmpty();
    }
}
