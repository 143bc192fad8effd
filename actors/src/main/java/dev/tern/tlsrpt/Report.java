package dev.tern.tlsrpt;

import java.time.Instant;
import java.time.ZoneOffset;

/**
 * One finished report: the counts it was made from, its id and its gzipped RFC 8460 §4.4 JSON.
 */
record Report(DomainPeriod period, String reportId, byte[] gzippedJson) {

    Instant start() {
        return period.day().atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    Instant end() {
        return period.day().plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant().minusSeconds(1);
    }
}
