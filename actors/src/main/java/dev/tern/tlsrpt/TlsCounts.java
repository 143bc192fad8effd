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
 * failure whose detail row would pass the limit still counts in its policy's failure total.
 *
 * <p>The policies are bounded too, because the destination chooses them: a domain that changes its
 * MTA-STS policy id on every lookup would otherwise add a new key of up to 64 KiB of policy text per
 * attempt, held all day and rewritten to the state file every few seconds. So at most
 * {@link #MAX_POLICIES} policies are held per (day, domain), sessions under further ones are not
 * counted (overflow); and a policy keeps at most {@link #MAX_POLICY_OCTETS} octets of policy strings
 * and as many of mx patterns, the strings past that dropped (counted). A real domain has one or two
 * policies a day, whose text is a few hundred octets. Owned by one actor: not thread-safe.
 */
final class TlsCounts {

    /** Mutable counts of one policy. */
    private static final class Counts {
        long successes;
        long failures;
        final Map<FailureDetail, Long> details = new LinkedHashMap<>();
    }

    /** Policies held per (day, domain) at most: a policy change or two a day, and room to spare. */
    static final int MAX_POLICIES = 8;

    /**
     * Octets (UTF-8) of policy strings kept per policy, and as many of mx patterns: RFC 8460 §4.4 reports
     * them for the reader's information; an MTA-STS policy of real use is well under 1 KiB.
     */
    static final int MAX_POLICY_OCTETS = 16 * 1024;

    private final int maxDomains;
    private final int maxDetails;
    private final TreeMap<LocalDate, Map<String, Map<PolicyRef, Counts>>> days = new TreeMap<>();
    private int domains;
    private int detailRows;
    private long overflowSessions;
    private long overflowDetails;
    private long overflowPolicies;
    private long cutPolicies;

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
        PolicyRef held = bounded(policy);
        Counts counts = byPolicy.get(held);
        if (counts == null) {
            if (byPolicy.size() >= MAX_POLICIES) {
                overflowPolicies++;
                return null; // the domain's first policies are held: byDomain is not empty
            }
            if (held != policy) {
                cutPolicies++;
            }
            counts = new Counts();
            byPolicy.put(held, counts);
        }
        return counts;
    }

    /**
     * The policy as held: itself, or with its strings and mx patterns cut to {@link #MAX_POLICY_OCTETS}
     * octets each (the whole strings that fit, in order). Policies that differ only past that are counted
     * as one.
     */
    static PolicyRef bounded(PolicyRef policy) {
        List<String> strings = within(policy.policyStrings());
        List<String> mxHosts = within(policy.mxHosts());
        if (strings == policy.policyStrings() && mxHosts == policy.mxHosts()) {
            return policy;
        }
        return new PolicyRef(policy.type(), policy.policyDomain(), strings, mxHosts);
    }

    /** The list itself if it fits, else its first strings that do. */
    private static List<String> within(List<String> strings) {
        long octets = 0;
        for (int i = 0; i < strings.size(); i++) {
            octets += utf8Length(strings.get(i));
            if (octets > MAX_POLICY_OCTETS) {
                return strings.subList(0, i);
            }
        }
        return strings;
    }

    private static long utf8Length(String text) {
        long octets = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            octets += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isSurrogate(c) ? 2 : 3; // a pair: 4 in all
        }
        return octets;
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

    /** Sessions not counted because their domain already had {@link #MAX_POLICIES} policies that day. */
    long overflowPolicies() {
        return overflowPolicies;
    }

    /** Policies held with their strings or mx patterns cut to {@link #MAX_POLICY_OCTETS} octets. */
    long cutPolicies() {
        return cutPolicies;
    }

    boolean isEmpty() {
        return days.isEmpty();
    }
}
