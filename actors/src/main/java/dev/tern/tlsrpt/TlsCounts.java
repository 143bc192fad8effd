package dev.tern.tlsrpt;

import java.net.InetAddress;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.tern.streams.client.TlsFailure;
import dev.tern.transport.PolicyRef;

/**
 * The sessions counted for TLS-RPT, by UTC day, policy domain and policy, in bounded memory: at
 * most {@code maxDomains} (day, domain) pairs and {@code maxDetails} failure-detail rows are held.
 * A session of a domain beyond the limit is not counted at all (and counted as overflow); a
 * failure whose detail row would pass the limit still counts in its policy's failure total. Owned
 * by one actor: not thread-safe.
 */
final class TlsCounts {

    /** Mutable counts of one policy. */
    private static final class Counts {
        long successes;
        long failures;
        final Map<FailureDetail, Long> details = new LinkedHashMap<>();
    }

    private final int maxDomains;
    private final int maxDetails;
    private final TreeMap<LocalDate, Map<String, Map<PolicyRef, Counts>>> days = new TreeMap<>();
    private int domains;
    private int detailRows;
    private long overflowSessions;
    private long overflowDetails;

    TlsCounts(int maxDomains, int maxDetails) {
        this.maxDomains = maxDomains;
        this.maxDetails = maxDetails;
    }

    void success(LocalDate day, PolicyRef policy) {
        Counts counts = counts(day, policy);
        if (counts != null) {
            counts.successes++;
        }
    }

    void failure(LocalDate day, PolicyRef policy, String mxHost, InetAddress receivingIp, TlsFailure failure,
                 String reason) {
        Counts counts = counts(day, policy);
        if (counts == null) {
            return;
        }
        counts.failures++;
        addDetail(counts, new FailureDetail(failure.resultType(), mxHost,
                receivingIp == null ? null : receivingIp.getHostAddress(), FailureDetail.reasonCode(reason)), 1);
    }

    private void addDetail(Counts counts, FailureDetail detail, long sessions) {
        Long held = counts.details.get(detail);
        if (held != null) {
            counts.details.put(detail, held + sessions);
        } else if (detailRows < maxDetails) {
            counts.details.put(detail, sessions);
            detailRows++;
        } else {
            overflowDetails += sessions;
        }
    }

    private Counts counts(LocalDate day, PolicyRef policy) {
        Map<String, Map<PolicyRef, Counts>> byDomain = days.computeIfAbsent(day, d -> new HashMap<>());
        Map<PolicyRef, Counts> byPolicy = byDomain.get(policy.policyDomain());
        if (byPolicy == null) {
            if (domains >= maxDomains) {
                overflowSessions++;
                if (byDomain.isEmpty()) {
                    days.remove(day);
                }
                return null;
            }
            byPolicy = new LinkedHashMap<>();
            byDomain.put(policy.policyDomain(), byPolicy);
            domains++;
        }
        return byPolicy.computeIfAbsent(policy, p -> new Counts());
    }

    /** Puts back counts read from disk (or a period whose report could not be made), within the limits. */
    void add(DomainPeriod period) {
        for (PolicyTally tally : period.policies()) {
            Counts counts = counts(period.day(), tally.policy());
            if (counts == null) {
                continue;
            }
            counts.successes += tally.successes();
            counts.failures += tally.failures();
            tally.details().forEach((detail, sessions) -> addDetail(counts, detail, sessions));
        }
    }

    /** Removes and returns the periods of the days before {@code day}, oldest first. */
    List<DomainPeriod> takeBefore(LocalDate day) {
        List<DomainPeriod> taken = new ArrayList<>();
        while (!days.isEmpty() && days.firstKey().isBefore(day)) {
            Map.Entry<LocalDate, Map<String, Map<PolicyRef, Counts>>> first = days.pollFirstEntry();
            first.getValue().forEach((domain, policies) -> {
                taken.add(period(first.getKey(), domain, policies));
                domains--;
                policies.values().forEach(counts -> detailRows -= counts.details.size());
            });
        }
        return taken;
    }

    /** Every period held, oldest first, without removing them (what is saved to disk). */
    List<DomainPeriod> snapshot() {
        List<DomainPeriod> all = new ArrayList<>();
        days.forEach((day, byDomain) -> byDomain.forEach((domain, policies) ->
                all.add(period(day, domain, policies))));
        return all;
    }

    private static DomainPeriod period(LocalDate day, String domain, Map<PolicyRef, Counts> policies) {
        List<PolicyTally> tallies = new ArrayList<>(policies.size());
        policies.forEach((policy, counts) -> tallies.add(new PolicyTally(policy, counts.successes, counts.failures,
                counts.details)));
        return new DomainPeriod(day, domain, tallies);
    }

    /** Sessions not counted because {@code maxDomains} domains were held. */
    long overflowSessions() {
        return overflowSessions;
    }

    /** Failed sessions counted in their totals only, because {@code maxDetails} rows were held. */
    long overflowDetails() {
        return overflowDetails;
    }

    boolean isEmpty() {
        return days.isEmpty();
    }
}
