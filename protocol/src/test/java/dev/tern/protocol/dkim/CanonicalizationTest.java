package dev.tern.protocol.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

import org.junit.jupiter.api.Test;

/** RFC 6376 §3.4: header and body canonicalization, with the example of §3.4.6. */
class CanonicalizationTest {

    /** §3.4.6's message: {@code <SP>}, {@code <HTAB>} and {@code <CRLF>} spelled out there. */
    private static final String HEADERS = "A: X\r\nB : Y\t\r\n\tZ  \r\n";
    private static final String BODY = " C \r\nD \t E\r\n\r\n\r\n";

    private static List<HeaderField> headers() {
        return HeaderField.parse(HEADERS.getBytes(StandardCharsets.ISO_8859_1), HEADERS.length() - 2);
    }

    private static String canonical(Canonicalization c) {
        StringBuilder out = new StringBuilder();
        headers().forEach(field -> out.append(c.header(field)));
        return out.toString();
    }

    @Test
    void relaxedHeadersAsInSection346() {
        assertThat(canonical(Canonicalization.RELAXED)).isEqualTo("a:X\r\nb:Y Z\r\n");
    }

    @Test
    void simpleHeadersAreUnchanged() {
        assertThat(canonical(Canonicalization.SIMPLE)).isEqualTo(HEADERS);
    }

    @Test
    void relaxedBodyAsInSection346() {
        assertThat(hashed(Canonicalization.RELAXED, BODY, BODY.length())).isEqualTo(sha256(" C\r\nD E\r\n"));
    }

    @Test
    void simpleBodyAsInSection346() {
        assertThat(hashed(Canonicalization.SIMPLE, BODY, BODY.length())).isEqualTo(sha256(" C \r\nD \t E\r\n"));
    }

    @Test
    void everyBlockSizeGivesTheSameHash() {
        String body = "line one \t \r\n\r\n  indented\r\nbare\rcr and bare\nlf\r\n \r\n\t\r\n\r\n";
        for (Canonicalization c : Canonicalization.values()) {
            byte[] whole = hashed(c, body, body.length());
            for (int block = 1; block < body.length(); block++) {
                assertThat(hashed(c, body, block)).as("%s in blocks of %d", c, block).isEqualTo(whole);
            }
        }
        assertThat(hashed(Canonicalization.RELAXED, body, 1))
                .isEqualTo(sha256("line one\r\n\r\n indented\r\nbare\rcr and bare\nlf\r\n"));
        assertThat(hashed(Canonicalization.SIMPLE, body, 1))
                .isEqualTo(sha256("line one \t \r\n\r\n  indented\r\nbare\rcr and bare\nlf\r\n \r\n\t\r\n"));
    }

    @Test
    void emptyBodies() {
        // §3.4.3: simple turns an empty body into one CRLF; §3.4.4: relaxed leaves it empty
        assertThat(hashed(Canonicalization.SIMPLE, "", 1)).isEqualTo(sha256("\r\n"));
        assertThat(hashed(Canonicalization.SIMPLE, "\r\n\r\n", 1)).isEqualTo(sha256("\r\n"));
        assertThat(hashed(Canonicalization.RELAXED, "", 1)).isEqualTo(sha256(""));
        assertThat(hashed(Canonicalization.RELAXED, " \r\n\r\n", 1)).isEqualTo(sha256(""));
    }

    @Test
    void aMissingFinalCrlfIsAdded() {
        assertThat(hashed(Canonicalization.SIMPLE, "end", 2)).isEqualTo(sha256("end\r\n"));
        assertThat(hashed(Canonicalization.RELAXED, "end  ", 2)).isEqualTo(sha256("end\r\n"));
        assertThat(hashed(Canonicalization.RELAXED, "end\r", 2)).isEqualTo(sha256("end\r\r\n"));
    }

    @Test
    void aLengthLimitCountsCanonicalOctets() {
        BodyHash limited = BodyHash.sha256(Canonicalization.RELAXED, 5);
        limited.update("ab   cd\r\nrest\r\n".getBytes(StandardCharsets.ISO_8859_1));
        assertThat(limited.digest()).isEqualTo(sha256("ab cd"));
        assertThat(limited.canonicalLength()).isEqualTo(13); // "ab cd\r\nrest\r\n"
    }

    @Test
    void relaxedHeaderKeepsEightBitOctets() {
        byte[] utf8 = "Subject:  caf\u00e9 \r\n".getBytes(StandardCharsets.UTF_8);
        HeaderField field = HeaderField.parse(utf8, utf8.length - 2).get(0);
        assertThat(Canonicalization.RELAXED.header(field).getBytes(StandardCharsets.ISO_8859_1))
                .isEqualTo("subject:caf\u00e9\r\n".getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] hashed(Canonicalization c, String body, int block) {
        byte[] octets = body.getBytes(StandardCharsets.ISO_8859_1);
        BodyHash hash = BodyHash.sha256(c);
        for (int at = 0; at < octets.length; at += block) {
            hash.update(octets, at, Math.min(block, octets.length - at));
        }
        return hash.digest();
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.ISO_8859_1));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
