package dev.tern.transport;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What one delivery attempt to a destination requires, host by host, decided after its MX
 * lookup.
 *
 * @param domain the destination domain
 * @param hosts  one entry for each MX host, in the MX order
 */
public record DestinationSecurity(String domain, List<HostSecurity> hosts) {

    public DestinationSecurity {
        Objects.requireNonNull(domain, "domain");
        hosts = List.copyOf(hosts);
    }

    /** The entry for {@code host}; every host given to {@link OutboundPolicies} has one. */
    public HostSecurity host(String host) {
        return hosts.stream().filter(each -> each.host().equals(host)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no security decided for " + host));
    }

    /**
     * Why no host may be tried, when every one is ruled out: the reasons joined, for the
     * queue entry and the log. Empty when at least one host is allowed.
     */
    public Optional<String> refusal() {
        if (hosts.isEmpty() || hosts.stream().anyMatch(HostSecurity::allowed)) {
            return Optional.empty();
        }
        return Optional.of(hosts.stream().map(host -> host.excludedBecause().orElseThrow())
                .distinct().collect(Collectors.joining("; ")));
    }
}
