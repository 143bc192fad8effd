package dev.tern.tlsrpt;

import java.time.LocalDate;
import java.util.List;

/**
 * The counts of one policy domain for one UTC day: what one report is made of (RFC 8460 §4.4
 * has one report per policy domain and period, with a "policies" entry per policy applied).
 */
record DomainPeriod(LocalDate day, String policyDomain, List<PolicyTally> policies) {

    DomainPeriod {
        policies = List.copyOf(policies);
    }
}
