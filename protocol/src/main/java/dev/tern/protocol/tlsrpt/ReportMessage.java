package dev.tern.protocol.tlsrpt;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.Locale;

/**
 * A TLS-RPT report as a message (RFC 8460 §5.3): a multipart/report (RFC 6522) with
 * {@code report-type="tlsrpt"}, a short text/plain part for people, and the gzipped JSON
 * report as an {@code application/tlsrpt+gzip} attachment named as §5.1 says. The subject
 * and the TLS-Report-Domain and TLS-Report-Submitter fields are those of §5.3, so that a
 * receiving system can sort reports without opening them.
 *
 * <p>The message says {@code TLS-Required: No} (RFC 8689 §5): a report is often about the very TLS failure that
 * would hold it back (an expired certificate, STARTTLS stripped), and RFC 8460 §5.3 has reports delivered despite
 * TLS failures. Tern's relay, like any RFC 8689 MTA, then sends it with opportunistic TLS where the destination's
 * policy would defer it; the gzipped JSON holds no more than the policy domain may learn anyway.
 *
 * <p>Every value put into a header field comes from this host's settings or from a record that
 * {@link TlsRptRecord} accepted (printable ASCII only), so nothing can start a new line. The
 * output is 7-bit with CRLF line endings.
 *
 * @param submitter    this host's name: organization and TLS-Report-Submitter (RFC 8460 §4.4, §5.3)
 * @param from         the From: address
 * @param to           the rua address the report goes to
 * @param policyDomain the domain the report is about (TLS-Report-Domain)
 * @param reportId     the report's unique id, as in the JSON, in the form of a msg-id without brackets
 * @param date         the Date: field
 * @param start        the start of the reported range (the file name's begin-timestamp)
 * @param end          its end
 * @param gzippedJson  the report: the JSON of RFC 8460 §4.4, gzipped
 */
public record ReportMessage(String submitter, String from, String to, String policyDomain, String reportId,
                            ZonedDateTime date, Instant start, Instant end, byte[] gzippedJson) {

    /** RFC 8460 §6.4: the media type of a gzipped report. */
    public static final String MEDIA_TYPE = "application/tlsrpt+gzip";

    private static final String CRLF = "\r\n";

    public ReportMessage {
        for (String value : new String[] {submitter, from, to, policyDomain, reportId}) {
            if (!value.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
                throw new IllegalArgumentException("not printable ASCII without spaces: " + value);
            }
        }
    }

    /**
     * RFC 8460 §5.1: {@code sender "!" policy-domain "!" begin-timestamp "!" end-timestamp "." extension},
     * the timestamps in seconds since the epoch, the extension {@code json.gz}.
     */
    public String fileName() {
        return submitter + "!" + policyDomain + "!" + start.getEpochSecond() + "!" + end.getEpochSecond()
                + ".json.gz";
    }

    /** RFC 8460 §5.3 tlsrpt-subject. */
    public String subject() {
        return "Report Domain: " + policyDomain + " Submitter: " + submitter + " Report-ID: <" + reportId + ">";
    }

    /** The whole message, header and body, CRLF line endings. */
    public byte[] toBytes() {
        String boundary = "=_tlsrpt_" + Integer.toHexString(reportId.hashCode()) + "_" + start.getEpochSecond();
        StringBuilder out = new StringBuilder(gzippedJson.length * 4 / 3 + 2048);
        header(out, "From", from);
        header(out, "To", to);
        header(out, "Date", DateTimeFormatter.RFC_1123_DATE_TIME.withLocale(Locale.ROOT).format(date));
        // folded where the ABNF has FWS, to keep lines short (RFC 5322 §2.2.3)
        header(out, "Subject", subject().replace(" Submitter:", CRLF + " Submitter:")
                .replace(" Report-ID:", CRLF + " Report-ID:"));
        header(out, "Message-ID", "<" + reportId + ">");
        header(out, "TLS-Report-Domain", policyDomain);
        header(out, "TLS-Report-Submitter", submitter);
        header(out, "Auto-Submitted", "auto-generated"); // RFC 3834: no vacation replies to reports
        header(out, "TLS-Required", "No"); // RFC 8689 §5, RFC 8460 §5.3: delivered despite TLS failures
        header(out, "MIME-Version", "1.0");
        header(out, "Content-Type", "multipart/report; report-type=\"tlsrpt\";" + CRLF
                + "\tboundary=\"" + boundary + "\"");
        out.append(CRLF);
        out.append("This is a TLS report (RFC 8460) in MIME format.").append(CRLF).append(CRLF);
        out.append("--").append(boundary).append(CRLF);
        header(out, "Content-Type", "text/plain; charset=us-ascii");
        header(out, "Content-Transfer-Encoding", "7bit");
        out.append(CRLF);
        out.append("This is an aggregate TLS report from ").append(submitter).append(" on the SMTP").append(CRLF)
                .append("connections it made to the mail servers of ").append(policyDomain).append(CRLF)
                .append("from ").append(start).append(" to ").append(end).append(" (RFC 8460).").append(CRLF)
                .append(CRLF);
        out.append("--").append(boundary).append(CRLF);
        header(out, "Content-Type", MEDIA_TYPE);
        header(out, "Content-Transfer-Encoding", "base64");
        header(out, "Content-Disposition", "attachment;" + CRLF + "\tfilename=\"" + fileName() + "\"");
        out.append(CRLF);
        // RFC 2045 §6.8: lines of at most 76 characters
        out.append(Base64.getMimeEncoder(76, CRLF.getBytes(StandardCharsets.US_ASCII)).encodeToString(gzippedJson))
                .append(CRLF);
        out.append("--").append(boundary).append("--").append(CRLF);
        return out.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static void header(StringBuilder out, String name, String value) {
        out.append(name).append(": ").append(value).append(CRLF);
    }
}
