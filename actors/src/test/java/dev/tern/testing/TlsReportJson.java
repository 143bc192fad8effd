package dev.tern.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.OffsetDateTime;
import java.util.Set;
import java.util.zip.GZIPInputStream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Reads a gzipped TLS-RPT report back and checks the fields RFC 8460 §4.4 requires, with their types: a test
 * that the report a domain receives is one its tools can read.
 */
public final class TlsReportJson {

    private static final Set<String> POLICY_TYPES = Set.of("tlsa", "sts", "no-policy-found");
    private static final Set<String> RESULT_TYPES = Set.of("starttls-not-supported", "certificate-host-mismatch",
            "certificate-expired", "certificate-not-trusted", "validation-failure", "tlsa-invalid",
            "dnssec-invalid", "dane-required", "sts-policy-fetch-error", "sts-policy-invalid", "sts-webpki-invalid");

    private TlsReportJson() {
    }

    /** Gunzips, parses and checks the report; returns it for the counts. */
    public static JsonNode read(byte[] gzipped) throws IOException {
        byte[] json;
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gzipped))) {
            json = in.readAllBytes();
        }
        JsonNode report = new ObjectMapper().readTree(json);
        check(report);
        return report;
    }

    /** RFC 8460 §4.4 and its JSON example: the required fields, each of the right type. */
    public static void check(JsonNode report) {
        text(report, "organization-name");
        JsonNode range = report.get("date-range");
        assertNotNull(range, "date-range");
        OffsetDateTime start = OffsetDateTime.parse(text(range, "start-datetime")); // RFC 3339 date-time
        OffsetDateTime end = OffsetDateTime.parse(text(range, "end-datetime"));
        assertTrue(start.isBefore(end), "start-datetime before end-datetime");
        text(report, "contact-info");
        text(report, "report-id");
        JsonNode policies = report.get("policies");
        assertTrue(policies != null && policies.isArray() && !policies.isEmpty(), "policies: a non-empty array");
        for (JsonNode entry : policies) {
            JsonNode policy = entry.get("policy");
            assertNotNull(policy, "policy");
            assertTrue(POLICY_TYPES.contains(text(policy, "policy-type")), "policy-type");
            text(policy, "policy-domain");
            for (String list : new String[] {"policy-string", "mx-host"}) {
                if (policy.has(list)) {
                    assertTrue(policy.get(list).isArray(), list + ": an array");
                    policy.get(list).forEach(value -> assertTrue(value.isTextual(), list + ": strings"));
                }
            }
            JsonNode summary = entry.get("summary");
            assertNotNull(summary, "summary");
            assertTrue(summary.get("total-successful-session-count").isIntegralNumber());
            assertTrue(summary.get("total-failure-session-count").isIntegralNumber());
            if (entry.has("failure-details")) {
                long detailed = 0;
                for (JsonNode row : entry.get("failure-details")) {
                    assertTrue(RESULT_TYPES.contains(text(row, "result-type")), "result-type");
                    assertTrue(row.get("failed-session-count").isIntegralNumber(), "failed-session-count");
                    detailed += row.get("failed-session-count").asLong();
                }
                assertTrue(detailed <= summary.get("total-failure-session-count").asLong(),
                        "failure-details within the failure total");
            }
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        assertNotNull(value, field);
        assertTrue(value.isTextual(), field + ": a string");
        assertFalse(value.asText().isBlank(), field + ": not empty");
        return value.asText();
    }

    /** The policies entry of this type, for its counts. */
    public static JsonNode policy(JsonNode report, String type) {
        for (JsonNode entry : report.get("policies")) {
            if (entry.get("policy").get("policy-type").asText().equals(type)) {
                return entry;
            }
        }
        throw new AssertionError("no " + type + " policy in " + report);
    }

    public static long successes(JsonNode policy) {
        return policy.get("summary").get("total-successful-session-count").asLong();
    }

    public static long failures(JsonNode policy) {
        return policy.get("summary").get("total-failure-session-count").asLong();
    }

    public static void assertCounts(JsonNode policy, long successes, long failures) {
        assertEquals(successes, successes(policy), "total-successful-session-count");
        assertEquals(failures, failures(policy), "total-failure-session-count");
    }
}
