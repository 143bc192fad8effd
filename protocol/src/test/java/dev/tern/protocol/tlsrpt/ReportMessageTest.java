package dev.tern.protocol.tlsrpt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Properties;

import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.Session;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.MimeMessage;

import org.junit.jupiter.api.Test;

import dev.tern.protocol.TlsRequiredField;

class ReportMessageTest {

    private static final byte[] REPORT = new byte[300];

    static {
        for (int i = 0; i < REPORT.length; i++) {
            REPORT[i] = (byte) (i * 7);
        }
    }

    private static ReportMessage message() {
        return new ReportMessage("mx.tern.test", "postmaster@mx.tern.test", "tls@example.com", "example.com",
                "2026-11-29.1a2b@mx.tern.test", ZonedDateTime.of(2026, 11, 30, 1, 2, 3, 0, ZoneOffset.UTC),
                Instant.parse("2026-11-29T00:00:00Z"), Instant.parse("2026-11-30T00:00:00Z"), REPORT);
    }

    @Test
    void aMultipartReportOfTypeTlsrptWithTheGzipAttached() throws Exception {
        byte[] bytes = message().toBytes();
        MimeMessage parsed = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(bytes));
        assertEquals("Report Domain: example.com Submitter: mx.tern.test Report-ID: <2026-11-29.1a2b@mx.tern.test>",
                parsed.getSubject());
        assertEquals("example.com", parsed.getHeader("TLS-Report-Domain", null));
        assertEquals("mx.tern.test", parsed.getHeader("TLS-Report-Submitter", null));
        assertEquals("<2026-11-29.1a2b@mx.tern.test>", parsed.getMessageID());
        // RFC 8460 §5.3: a report goes out despite the TLS failure it may be about (RFC 8689 §5)
        assertEquals("No", parsed.getHeader("TLS-Required", null));
        assertTrue(TlsRequiredField.waivesTlsPolicy(bytes));
        ContentType type = new ContentType(parsed.getContentType());
        assertEquals("multipart/report", type.getBaseType());
        assertEquals("tlsrpt", type.getParameter("report-type"));
        Multipart parts = (Multipart) parsed.getContent();
        assertEquals(2, parts.getCount());
        assertTrue(parts.getBodyPart(0).isMimeType("text/plain"));
        Part report = parts.getBodyPart(1);
        assertTrue(report.isMimeType("application/tlsrpt+gzip"));
        assertEquals(Part.ATTACHMENT, report.getDisposition());
        assertEquals("mx.tern.test!example.com!1795910400!1795996800.json.gz", report.getFileName());
        try (InputStream in = report.getInputStream()) {
            assertArrayEquals(REPORT, in.readAllBytes());
        }
    }

    @Test
    void sevenBitLinesOfAtMost78WithCrlf() {
        String text = new String(message().toBytes(), StandardCharsets.US_ASCII);
        assertTrue(text.chars().allMatch(c -> c < 0x80));
        for (String line : text.split("\r\n", -1)) {
            assertTrue(line.length() <= 78, line);
            assertTrue(line.indexOf('\n') < 0 && line.indexOf('\r') < 0, line);
        }
    }

    @Test
    void nothingCanStartANewHeaderLine() {
        assertThrows(IllegalArgumentException.class, () -> new ReportMessage("mx.tern.test", "p@mx.tern.test",
                "a@example.com\r\nBcc: x@evil.test", "example.com", "id@x", ZonedDateTime.now(ZoneOffset.UTC),
                Instant.EPOCH, Instant.EPOCH, REPORT));
    }
}
