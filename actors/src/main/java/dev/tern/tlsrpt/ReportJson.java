package dev.tern.tlsrpt;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.tern.transport.PolicyRef;

/**
 * The JSON of TLS-RPT: the aggregate report of RFC 8460 §4.4 for one policy domain and day, and
 * the file the day's counts are kept in between restarts (the same "policies" entries, plus the
 * day and domain).
 */
final class ReportJson {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter DATE_TIME = DateTimeFormatter.ISO_INSTANT;

    private ReportJson() {
    }

    /**
     * RFC 8460 §4.4: organization-name, date-range (the UTC day, RFC 3339 date-times), contact-info,
     * report-id, and one "policies" entry per policy with its summary and failure-details.
     */
    static byte[] report(DomainPeriod period, String organization, String contact, String reportId) {
        ObjectNode report = JSON.createObjectNode();
        report.put("organization-name", organization);
        ObjectNode range = report.putObject("date-range");
        range.put("start-datetime", DATE_TIME.format(period.day().atStartOfDay(ZoneOffset.UTC)));
        range.put("end-datetime", DATE_TIME.format(period.day().plusDays(1).atStartOfDay(ZoneOffset.UTC)
                .minusSeconds(1)));
        report.put("contact-info", contact);
        report.put("report-id", reportId);
        ArrayNode policies = report.putArray("policies");
        for (PolicyTally tally : period.policies()) {
            policies.add(policy(tally));
        }
        try {
            return JSON.writeValueAsBytes(report);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ObjectNode policy(PolicyTally tally) {
        ObjectNode entry = JSON.createObjectNode();
        ObjectNode policy = entry.putObject("policy");
        PolicyRef ref = tally.policy();
        policy.put("policy-type", ref.type());
        if (!ref.policyStrings().isEmpty()) {
            ref.policyStrings().forEach(policy.putArray("policy-string")::add);
        }
        policy.put("policy-domain", ref.policyDomain());
        if (!ref.mxHosts().isEmpty()) {
            ref.mxHosts().forEach(policy.putArray("mx-host")::add);
        }
        ObjectNode summary = entry.putObject("summary");
        summary.put("total-successful-session-count", tally.successes());
        summary.put("total-failure-session-count", tally.failures());
        if (!tally.details().isEmpty()) {
            ArrayNode details = entry.putArray("failure-details");
            tally.details().forEach((detail, sessions) -> {
                ObjectNode row = details.addObject();
                row.put("result-type", detail.resultType());
                if (detail.receivingIp() != null) {
                    row.put("receiving-ip", detail.receivingIp());
                }
                row.put("receiving-mx-hostname", detail.receivingMxHostname());
                row.put("failed-session-count", sessions);
                if (detail.failureReasonCode() != null) {
                    row.put("failure-reason-code", detail.failureReasonCode());
                }
            });
        }
        return entry;
    }

    static byte[] gzip(byte[] json) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(json.length / 4 + 64);
        try (GZIPOutputStream zip = new GZIPOutputStream(out)) {
            zip.write(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The saved counts: {@code {"periods": [{"day", "policy-domain", "policies": [...]}]}}. */
    static String counts(List<DomainPeriod> periods) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode all = root.putArray("periods");
        for (DomainPeriod period : periods) {
            ObjectNode node = all.addObject();
            node.put("day", period.day().toString());
            node.put("policy-domain", period.policyDomain());
            ArrayNode policies = node.putArray("policies");
            period.policies().forEach(tally -> policies.add(policy(tally)));
        }
        try {
            return JSON.writeValueAsString(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads what {@link #counts(List)} wrote. */
    static List<DomainPeriod> readCounts(String text) throws IOException {
        JsonNode root = JSON.readTree(text);
        List<DomainPeriod> periods = new ArrayList<>();
        for (JsonNode node : required(root, "periods")) {
            List<PolicyTally> tallies = new ArrayList<>();
            for (JsonNode entry : required(node, "policies")) {
                JsonNode policy = required(entry, "policy");
                PolicyRef ref = new PolicyRef(required(policy, "policy-type").asText(),
                        required(policy, "policy-domain").asText(), strings(policy.path("policy-string")),
                        strings(policy.path("mx-host")));
                JsonNode summary = required(entry, "summary");
                Map<FailureDetail, Long> details = new LinkedHashMap<>();
                for (JsonNode row : entry.path("failure-details")) {
                    details.merge(new FailureDetail(required(row, "result-type").asText(),
                            required(row, "receiving-mx-hostname").asText(), text(row, "receiving-ip"),
                            text(row, "failure-reason-code")), required(row, "failed-session-count").asLong(),
                            Long::sum);
                }
                tallies.add(new PolicyTally(ref, required(summary, "total-successful-session-count").asLong(),
                        required(summary, "total-failure-session-count").asLong(), details));
            }
            periods.add(new DomainPeriod(LocalDate.parse(required(node, "day").asText()),
                    required(node, "policy-domain").asText(), tallies));
        }
        return periods;
    }

    private static JsonNode required(JsonNode node, String field) throws IOException {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw new IOException("no \"" + field + "\"");
        }
        return value;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static List<String> strings(JsonNode array) {
        List<String> strings = new ArrayList<>();
        array.forEach(value -> strings.add(value.asText()));
        return strings;
    }
}
