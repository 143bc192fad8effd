package dev.tern.tlsrpt;

import java.util.Map;

import dev.tern.transport.PolicyRef;

/**
 * What one policy of one domain saw in a reporting period: RFC 8460 §4.4's "summary" and
 * "failure-details" for it.
 *
 * @param details sessions per kind of failure; failures beyond the row limit count in {@code failures} only
 */
record PolicyTally(PolicyRef policy, long successes, long failures, Map<FailureDetail, Long> details) {

    PolicyTally {
        details = Map.copyOf(details);
    }
}
