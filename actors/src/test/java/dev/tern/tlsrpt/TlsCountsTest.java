package dev.tern.tlsrpt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.LocalDate;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import dev.tern.streams.client.TlsFailure;
import dev.tern.transport.PolicyRef;

class TlsCountsTest {

    private static final LocalDate DAY = LocalDate.of(2026, 11, 29);
    private static final PolicyRef STS = new PolicyRef("sts", "example.com",
            List.of("version: STSv1", "mode: enforce", "mx: mx.example.com", "max_age: 86400"),
            List.of("mx.example.com"));
    private static final PolicyRef NONE = new PolicyRef("no-policy-found", "example.com", List.of(), List.of());

    private static PolicyRef none(String domain) {
        return new PolicyRef("no-policy-found", domain, List.of(), List.of());
    }

    @Test
    void countsPerDayDomainAndPolicyWithFailureRows() throws Exception {
        TlsCounts counts = new TlsCounts(10, 10);
        InetAddress ip = InetAddress.getByName("127.0.0.7");
        counts.success(DAY, STS);
        counts.success(DAY, STS);
        counts.success(DAY, NONE);
        counts.failure(DAY, STS, "mx.example.com", ip, TlsFailure.CERTIFICATE_EXPIRED, "expired\r\nline");
        counts.failure(DAY, STS, "mx.example.com", ip, TlsFailure.CERTIFICATE_EXPIRED, "expired\r\nline");
        counts.failure(DAY, STS, "mx.example.com", null, TlsFailure.STARTTLS_NOT_SUPPORTED, null);
        counts.success(DAY.plusDays(1), STS);

        List<DomainPeriod> first = counts.takeBefore(DAY.plusDays(1));
        assertEquals(1, first.size());
        DomainPeriod period = first.get(0);
        assertEquals(DAY, period.day());
        assertEquals("example.com", period.policyDomain());
        PolicyTally sts = period.policies().get(0);
        assertEquals(STS, sts.policy());
        assertEquals(2, sts.successes());
        assertEquals(3, sts.failures());
        assertEquals(Map.of(
                new FailureDetail("certificate-expired", "mx.example.com", "127.0.0.7", "expired  line"), 2L,
                new FailureDetail("starttls-not-supported", "mx.example.com", null, null), 1L), sts.details());
        assertEquals(new PolicyTally(NONE, 1, 0, Map.of()), period.policies().get(1));

        List<DomainPeriod> rest = counts.takeBefore(LocalDate.MAX);
        assertEquals(DAY.plusDays(1), rest.get(0).day());
        assertTrue(counts.isEmpty());
    }

    @Test
    void domainsBeyondTheLimitAreNotCountedButCountedAsOverflow() {
        TlsCounts counts = new TlsCounts(2, 10);
        counts.success(DAY, none("a.example"));
        counts.success(DAY, none("b.example"));
        counts.success(DAY, none("c.example"));
        counts.success(DAY, none("a.example"));
        assertEquals(1, counts.overflowSessions());
        assertEquals(List.of("a.example", "b.example"), counts.snapshot().stream()
                .map(DomainPeriod::policyDomain).sorted().toList());
        // taking a day's reports frees its room
        counts.takeBefore(LocalDate.MAX);
        counts.success(DAY, none("c.example"));
        assertEquals(1, counts.snapshot().size());
    }

    @Test
    void failureRowsBeyondTheLimitCountInTheTotalsOnly() {
        TlsCounts counts = new TlsCounts(10, 2);
        for (int i = 0; i < 5; i++) {
            counts.failure(DAY, STS, "mx" + i + ".example.com", null, TlsFailure.VALIDATION_FAILURE, "x");
        }
        counts.failure(DAY, STS, "mx0.example.com", null, TlsFailure.VALIDATION_FAILURE, "x");
        PolicyTally tally = counts.snapshot().get(0).policies().get(0);
        assertEquals(6, tally.failures());
        assertEquals(2, tally.details().size());
        assertEquals(2L, tally.details().get(new FailureDetail("validation-failure", "mx0.example.com", null, "x")));
        assertEquals(3, counts.overflowDetails());
    }

    private static PolicyRef sts(String id) {
        return new PolicyRef("sts", "hostile.example", List.of("version: STSv1", "mode: enforce",
                "mx: mx.hostile.example", "max_age: 86400", "x-id: " + id), List.of("mx.hostile.example"));
    }

    @Test
    void aDomainWithANewPolicyEveryLookupHoldsOnlyTheFirstFew() {
        TlsCounts counts = new TlsCounts(10, 10);
        for (int i = 0; i < 100; i++) {
            counts.success(DAY, sts("id" + i));
        }
        counts.success(DAY, sts("id0"));
        counts.success(DAY, none("other.example"));
        List<DomainPeriod> periods = counts.snapshot();
        DomainPeriod hostile = periods.stream().filter(p -> p.policyDomain().equals("hostile.example")).findFirst()
                .orElseThrow();
        assertEquals(TlsCounts.MAX_POLICIES, hostile.policies().size());
        assertEquals(sts("id0"), hostile.policies().get(0).policy());
        assertEquals(2, hostile.policies().get(0).successes());
        assertEquals(100 - TlsCounts.MAX_POLICIES, counts.overflowPolicies());
        assertEquals(2, periods.size(), "other domains are counted as before");
        // the next day starts afresh
        counts.success(DAY.plusDays(1), sts("id99"));
        assertEquals(1, counts.takeBefore(LocalDate.MAX).get(2).policies().size());
    }

    @Test
    void policyStringsPastTheOctetLimitAreDropped() {
        String line = "x-pad: " + "a".repeat(4000);
        List<String> lines = Collections.nCopies(16, line); // 64 KiB, an MTA-STS policy's most
        List<String> patterns = IntStream.range(0, 2000)
                .mapToObj(i -> "mx" + i + ".big.example.with.a.long.name").toList();
        PolicyRef big = new PolicyRef("sts", "big.example", lines, patterns);
        TlsCounts counts = new TlsCounts(10, 10);
        counts.success(DAY, big);
        counts.failure(DAY, big, "mx0.big.example", null, TlsFailure.VALIDATION_FAILURE, "x");
        PolicyTally tally = counts.snapshot().get(0).policies().get(0);
        assertEquals(1, tally.successes());
        assertEquals(1, tally.failures(), "the same policy, cut the same way: one key");
        int keptLines = TlsCounts.MAX_POLICY_OCTETS / line.length();
        assertEquals(lines.subList(0, keptLines), tally.policy().policyStrings());
        int octets = tally.policy().mxHosts().stream().mapToInt(String::length).sum();
        assertTrue(octets <= TlsCounts.MAX_POLICY_OCTETS && octets > TlsCounts.MAX_POLICY_OCTETS - 40, "" + octets);
        assertEquals(patterns.subList(0, tally.policy().mxHosts().size()), tally.policy().mxHosts());
        assertEquals(1, counts.cutPolicies());
        // a policy within the limit is held as it is
        assertSame(STS, TlsCounts.bounded(STS));
    }

    @Test
    void whatIsSavedReadsBackTheSame() throws Exception {
        TlsCounts counts = new TlsCounts(10, 10);
        counts.success(DAY, STS);
        counts.failure(DAY, STS, "mx.example.com", InetAddress.getByName("::1"), TlsFailure.TLSA_INVALID, "no match");
        counts.success(DAY.plusDays(1), NONE);
        List<DomainPeriod> saved = counts.snapshot();
        List<DomainPeriod> read = ReportJson.readCounts(ReportJson.counts(saved));
        assertEquals(saved, read);
        TlsCounts again = new TlsCounts(10, 10);
        read.forEach(again::add);
        assertEquals(saved, again.snapshot());
    }
}
