package dev.tern.transport.dane;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import dev.tern.protocol.dane.TlsaRecord;
import dev.tern.streams.client.ConnectionSecurity;
import dev.tern.streams.client.TlsFailure;
import dev.tern.streams.client.TlsPolicy;
import dev.tern.streams.client.TlsVerdict;
import dev.tern.transport.DestinationSecurity;
import dev.tern.transport.HostSecurity;
import dev.tern.transport.OutboundPolicies;
import dev.tern.transport.PolicyRef;

/**
 * DANE first (RFC 8461 §2: DANE wins over MTA-STS for a host with secure TLSA records), the
 * {@code fallback} policies for every other host.
 * <ul>
 *   <li>Secure TLSA records: STARTTLS required and the chain checked against them
 *       ({@link DaneCheck}), enforced: a mismatch ends the session before EHLO. Policy type
 *       {@code tlsa}, the records as its policy strings (RFC 8460 §4.4). When none of the
 *       records is usable, TLS is still required but a failed check does not end the session
 *       (RFC 7672 §2.2: "encrypt without authentication"); it is reported as {@code tlsa-invalid}.</li>
 *   <li>Bogus or failed TLSA lookup in a signed zone: the host is ruled out (RFC 7672 §2.2),
 *       and the attempt waits if no other host is allowed.</li>
 *   <li>Anything else (insecure, no TLSA, no validation available): the fallback decides.</li>
 * </ul>
 */
public final class DanePolicy implements OutboundPolicies {

    /** What {@link ConnectionSecurity#policy()} says for hosts DANE governs. */
    public static final String POLICY = "dane";

    private final TlsaLookup lookup;
    private final OutboundPolicies fallback;
    private final Clock clock;

    public DanePolicy(TlsaLookup lookup, OutboundPolicies fallback, Clock clock) {
        this.lookup = lookup;
        this.fallback = fallback;
        this.clock = clock;
    }

    @Override
    public CompletionStage<DestinationSecurity> forDestination(String domain, List<String> hosts) {
        List<CompletableFuture<DaneStatus>> lookups = new ArrayList<>(hosts.size());
        for (String host : hosts) {
            lookups.add(lookup.forHost(host).toCompletableFuture());
        }
        return CompletableFuture.allOf(lookups.toArray(CompletableFuture[]::new)).thenCompose(done -> {
            List<String> others = new ArrayList<>();
            for (int i = 0; i < hosts.size(); i++) {
                if (lookups.get(i).join() instanceof DaneStatus.NotApplicable) {
                    others.add(hosts.get(i));
                }
            }
            CompletionStage<DestinationSecurity> rest = others.isEmpty()
                    ? CompletableFuture.completedFuture(new DestinationSecurity(domain, List.of()))
                    : fallback.forDestination(domain, others);
            return rest.thenApply(fallen -> {
                List<HostSecurity> decided = new ArrayList<>(hosts.size());
                for (int i = 0; i < hosts.size(); i++) {
                    String host = hosts.get(i);
                    DaneStatus status = lookups.get(i).join();
                    if (status instanceof DaneStatus.Tlsa tlsa) {
                        decided.add(governed(domain, host, tlsa.records()));
                    } else if (status instanceof DaneStatus.Invalid invalid) {
                        decided.add(ruledOut(domain, host, invalid.reason()));
                    } else {
                        decided.add(fallen.host(host));
                    }
                }
                return new DestinationSecurity(domain, decided);
            });
        });
    }

    private HostSecurity governed(String domain, String host, List<TlsaRecord> records) {
        boolean usable = records.stream().anyMatch(r -> r.unusable().isEmpty());
        // secure TLSA records for the host authenticate it for REQUIRETLS (RFC 8689 §4.2.1)
        return new HostSecurity(host,
                new ConnectionSecurity(TlsPolicy.REQUIRED, new DaneCheck(records, clock), usable, POLICY, true),
                tlsaPolicy(domain, records));
    }

    private static HostSecurity ruledOut(String domain, String host, String reason) {
        String because = "DANE: " + reason + " (" + TlsFailure.DNSSEC_INVALID.resultType() + ")";
        return new HostSecurity(host,
                new ConnectionSecurity(TlsPolicy.REQUIRED,
                        (chain, name) -> new TlsVerdict.Failed(TlsFailure.DNSSEC_INVALID, because), true, POLICY),
                tlsaPolicy(domain, List.of()), Optional.of(because));
    }

    /** RFC 8460 §4.4: policy-type "tlsa", the TLSA records in presentation format. */
    private static PolicyRef tlsaPolicy(String domain, List<TlsaRecord> records) {
        return new PolicyRef(PolicyRef.TLSA, domain, records.stream().map(TlsaRecord::presentation).toList(),
                List.of());
    }
}
