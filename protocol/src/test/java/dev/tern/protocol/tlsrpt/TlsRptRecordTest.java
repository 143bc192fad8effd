package dev.tern.protocol.tlsrpt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.net.URI;
import java.util.List;

import org.junit.jupiter.api.Test;

class TlsRptRecordTest {

    private static List<ReportUri> published(String... texts) {
        return assertInstanceOf(TlsRptRecord.Published.class, TlsRptRecord.discover(List.of(texts))).record().rua();
    }

    private static String notPublished(String... texts) {
        return assertInstanceOf(TlsRptRecord.NotPublished.class, TlsRptRecord.discover(List.of(texts))).why();
    }

    @Test
    void theRfcExamples() {
        // RFC 8460 §3.1
        assertEquals(List.of(new ReportUri.Mailto("reports@example.com")),
                published("v=TLSRPTv1;rua=mailto:reports@example.com"));
        assertEquals(List.of(new ReportUri.Https(URI.create("https://reporting.example.com/v1/tlsrpt"))),
                published("v=TLSRPTv1; rua=https://reporting.example.com/v1/tlsrpt"));
    }

    @Test
    void severalUrisInOrderWithWhiteSpaceAndATrailingDelimiter() {
        assertEquals(List.of(new ReportUri.Mailto("tls@example.com"),
                        new ReportUri.Https(URI.create("https://r.example.net/tls"))),
                published("v=TLSRPTv1 ; rua=mailto:tls@example.com , https://r.example.net/tls ;"));
    }

    @Test
    void otherSchemesAreSkippedAndExtensionsIgnored() {
        assertEquals(List.of(new ReportUri.Mailto("a@example.com")),
                published("v=TLSRPTv1; ext_1=x; rua=ftp://example.com/x,mailto:a@example.com"));
        assertEquals("no mailto: or https: rua", notPublished("v=TLSRPTv1; rua=http://example.com/x"));
    }

    @Test
    void atMostTheFirstFourDistinctUrisAreUsed() {
        StringBuilder record = new StringBuilder("v=TLSRPTv1; rua=mailto:r0@example.com,mailto:r0@example.com");
        for (int i = 1; i < 300; i++) {
            record.append(i % 2 == 0 ? ",mailto:r" + i + "@third" + i + ".example" : ",https://third" + i
                    + ".example/tlsrpt");
        }
        assertEquals(List.of(new ReportUri.Mailto("r0@example.com"),
                        new ReportUri.Https(URI.create("https://third1.example/tlsrpt")),
                        new ReportUri.Mailto("r2@third2.example"),
                        new ReportUri.Https(URI.create("https://third3.example/tlsrpt"))),
                published(record.toString()));
        assertEquals(TlsRptRecord.MAX_RUA, published(record.toString()).size());
        // skipped schemes take no place
        assertEquals(List.of(new ReportUri.Mailto("a@example.com")),
                published("v=TLSRPTv1; rua=ftp://a.example/,ftp://b.example/,ftp://c.example/,ftp://d.example/,"
                        + "mailto:a@example.com"));
    }

    @Test
    void mailtoIsDecodedAndItsQueryDropped() {
        assertEquals(List.of(new ReportUri.Mailto("tls+rpt@example.com")),
                published("v=TLSRPTv1;rua=mailto:tls%2Brpt@example.com?subject=x"));
    }

    @Test
    void otherTxtRecordsAreDiscardedFirst() {
        assertEquals(List.of(new ReportUri.Mailto("a@example.com")),
                published("v=spf1 -all", "v=TLSRPTv1;rua=mailto:a@example.com", "hello"));
    }

    @Test
    void severalRecordsMeanNone() {
        // RFC 8460 §3: "If the number of resulting records is not one, senders MUST assume the recipient
        // domain does not implement TLSRPT"
        notPublished("v=TLSRPTv1;rua=mailto:a@example.com", "v=TLSRPTv1;rua=mailto:b@example.com");
        notPublished();
        notPublished("v=spf1 -all");
    }

    @Test
    void malformedRecordsMeanNone() {
        notPublished("v=TLSRPTv1");
        notPublished("v=TLSRPTv1;");
        notPublished("v=TLSRPTv10;rua=mailto:a@example.com");
        notPublished("v=tlsrptv1;rua=mailto:a@example.com"); // %s: case-sensitive
        notPublished(" v=TLSRPTv1;rua=mailto:a@example.com");
        notPublished("v=TLSRPTv1;rua=mailto:a@example.com;rua=mailto:b@example.com");
        notPublished("v=TLSRPTv1;rua=mailto:nobody");
        notPublished("v=TLSRPTv1;rua=mailto:a@example.com,b@example.com");
        notPublished("v=TLSRPTv1;rua=mailto:a@example.com;bad field");
        notPublished("v=TLSRPTv1;rua=https:///nohost");
        notPublished("v=TLSRPTv1;rua=mailto:a@example.com;;");
    }

    @Test
    void theRecordName() {
        assertEquals("_smtp._tls.example.com", TlsRptRecord.name("example.com"));
    }
}
