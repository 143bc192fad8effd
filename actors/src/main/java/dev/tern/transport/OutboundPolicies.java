package dev.tern.transport;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Decides what TLS each MX host of a destination requires. Implementations look up
 * published policies (DANE TLSA records, MTA-STS) and fall back on the local
 * {@code --outbound-tls}, with RFC 8461 §2's precedence: DANE for a host with secure TLSA
 * records, else the domain's MTA-STS policy, else the local setting.
 */
public interface OutboundPolicies {

    /**
     * @param domain the destination domain, lower case
     * @param hosts  its MX host names in the order to try them
     * @return one {@link HostSecurity} per host, in the same order; never fails (a lookup that
     *         fails is a decision too: defer, or fall back, as the policy's RFC says)
     */
    CompletionStage<DestinationSecurity> forDestination(String domain, List<String> hosts);
}
