package dev.tern.protocol.dkim;

import static dev.tern.protocol.dkim.Rfc8463Vectors.octets;
import static org.assertj.core.api.Assertions.assertThat;

import java.security.PrivateKey;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.Test;

/** RFC 8463 Appendix A: Tern's code against the RFC's own keys, message and signatures. */
class Rfc8463Test {

    private static final Instant NOW = Instant.parse("2026-11-30T12:00:00Z");

    private static List<HeaderField> headers() {
        String message = Rfc8463Vectors.message();
        int end = message.indexOf("\r\n\r\n") + 2;
        return HeaderField.parse(octets(message), end - 2);
    }

    private static byte[] bodyHash(DkimSignature signature, String body) {
        BodyHash hash = DkimVerifier.bodyHash(signature);
        hash.update(octets(body));
        return hash.digest();
    }

    private static DkimSignature signature(int index) {
        return DkimSignature.parse(headers().get(index));
    }

    @Test
    void theBodyHashIsTheRfcs() {
        assertThat(Base64.getEncoder().encodeToString(bodyHash(signature(0), Rfc8463Vectors.BODY)))
                .isEqualTo(Rfc8463Vectors.BODY_HASH);
    }

    @Test
    void bothSignaturesVerifyWithTheRfcsKeyRecords() {
        List<HeaderField> headers = headers();
        DkimSignature ed = signature(0);
        DkimSignature rsa = signature(1);
        assertThat(ed.algorithm()).isEqualTo(DkimAlgorithm.ED25519_SHA256);
        assertThat(rsa.algorithm()).isEqualTo(DkimAlgorithm.RSA_SHA256);
        assertThat(DkimVerifier.verify(headers, ed, bodyHash(ed, Rfc8463Vectors.BODY),
                DkimKeyRecord.parse(Rfc8463Vectors.BRISBANE_RECORD), NOW)).isEqualTo(new DkimVerifier.Pass());
        assertThat(DkimVerifier.verify(headers, rsa, bodyHash(rsa, Rfc8463Vectors.BODY),
                DkimKeyRecord.parse(Rfc8463Vectors.TEST_RECORD), NOW)).isEqualTo(new DkimVerifier.Pass());
    }

    @Test
    void ed25519SigningReproducesTheRfcsSignatureExactly() throws Exception {
        assertThat(signOver(Rfc8463Vectors.ED25519_SIGNATURE, Rfc8463Vectors.ed25519Key()))
                .isEqualTo(Rfc8463Vectors.ED25519_B);
    }

    @Test
    void rsaSigningReproducesTheRfcsSignatureExactly() throws Exception {
        // RSASSA-PKCS1-v1_5 is deterministic too
        assertThat(signOver(Rfc8463Vectors.RSA_SIGNATURE, Rfc8463Vectors.rsaKey())).isEqualTo(Rfc8463Vectors.RSA_B);
    }

    private static String signOver(String field, PrivateKey key) throws Exception {
        DkimSignature parsed = DkimSignature.parse(HeaderField.of(field));
        List<HeaderField> headers = HeaderField.parse(octets(Rfc8463Vectors.HEADERS), Rfc8463Vectors.HEADERS.length() - 2);
        byte[] data = SignedData.of(headers, parsed.signedHeaders(), parsed.headerCanonicalization(),
                SignedData.withoutSignature(parsed.field()));
        return Base64.getEncoder().encodeToString(parsed.algorithm().sign(key, data));
    }

    @Test
    void aChangedBodyOctetFailsBoth() {
        String changed = Rfc8463Vectors.BODY.replace("hungry", "hungrY");
        for (int i = 0; i < 2; i++) {
            DkimSignature signature = signature(i);
            DkimKeyRecord record = DkimKeyRecord.parse(i == 0 ? Rfc8463Vectors.BRISBANE_RECORD : Rfc8463Vectors.TEST_RECORD);
            assertThat(DkimVerifier.verify(headers(), signature, bodyHash(signature, changed), record, NOW))
                    .isEqualTo(new DkimVerifier.Fail("body hash did not verify"));
        }
    }

    @Test
    void aChangedSignedHeaderFailsAndAnAddedSubjectTooSinceItIsOverSigned() {
        List<HeaderField> changed = headers().stream()
                .map(f -> f.named("subject") ? HeaderField.of("Subject: Is dinner burnt?") : f).toList();
        List<HeaderField> added = new java.util.ArrayList<>(headers());
        added.add(HeaderField.of("Subject: second subject"));
        for (List<HeaderField> headers : List.of(changed, added)) {
            DkimSignature ed = signature(0);
            assertThat(DkimVerifier.verify(headers, ed, bodyHash(ed, Rfc8463Vectors.BODY),
                    DkimKeyRecord.parse(Rfc8463Vectors.BRISBANE_RECORD), NOW))
                    .isEqualTo(new DkimVerifier.Fail("signature did not verify"));
        }
    }

    @Test
    void refoldingAndWhitespaceChangesStillPassUnderRelaxed() {
        List<HeaderField> refolded = headers().stream()
                .map(f -> f.named("to") ? HeaderField.of("TO:   Suzie Q\r\n\t <suzie@shopping.example.net>  ") : f).toList();
        DkimSignature ed = signature(0);
        String body = "Hi.  \r\n\r\nWe  lost\tthe game. Are you hungry yet?\r\n\r\nJoe.\r\n\r\n\r\n";
        assertThat(DkimVerifier.verify(refolded, ed, bodyHash(ed, body),
                DkimKeyRecord.parse(Rfc8463Vectors.BRISBANE_RECORD), NOW)).isEqualTo(new DkimVerifier.Pass());
    }

    @Test
    void theWrongKeyFails() {
        DkimSignature ed = signature(0);
        assertThat(DkimVerifier.verify(headers(), ed, bodyHash(ed, Rfc8463Vectors.BODY),
                DkimKeyRecord.parse(Rfc8463Vectors.TEST_RECORD), NOW))
                .isEqualTo(new DkimVerifier.Fail("key type rsa does not match a=ed25519-sha256"));
    }
}
