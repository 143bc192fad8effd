package dev.tern.tlsrpt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;

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
