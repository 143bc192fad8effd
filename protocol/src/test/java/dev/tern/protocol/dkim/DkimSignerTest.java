package dev.tern.protocol.dkim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class DkimSignerTest {

    private static final Instant NOW = Instant.parse("2026-11-30T12:00:00Z");
    private static final String HEADERS = "Received: from a by b; Mon, 30 Nov 2026 12:00:00 +0000\r\n"
            + "From: Alice <alice@example.org>\r\nTo: bob@example.net,\r\n carol@example.net\r\n"
            + "Subject: lunch\r\nDate: Mon, 30 Nov 2026 12:00:00 +0000\r\nMessage-ID: <1@example.org>\r\n"
            + "X-Mailer: test\r\n";
    private static final String BODY = "Hello  Bob,\r\n\r\nlunch?\r\n\r\n";

    private static List<HeaderField> headers() {
        return HeaderField.parse(HEADERS.getBytes(StandardCharsets.ISO_8859_1), HEADERS.length() - 2);
    }

    private static KeyPair pair(String algorithm) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
        if (algorithm.equals("RSA")) {
            generator.initialize(2048);
        }
        return generator.generateKeyPair();
    }

    private static String sign(DkimSigner signer, List<HeaderField> headers, String body) throws Exception {
        BodyHash hash = signer.bodyHash();
        hash.update(body.getBytes(StandardCharsets.ISO_8859_1));
        return signer.sign(headers, hash.digest(), NOW);
    }

    private static DkimVerifier.Result verify(String field, List<HeaderField> headers, String body, KeyPair keys) {
        DkimSignature signature = DkimSignature.parse(HeaderField.of(field.substring(0, field.length() - 2)));
        List<HeaderField> all = new ArrayList<>();
        all.add(signature.field());
        all.addAll(headers);
        BodyHash hash = DkimVerifier.bodyHash(signature);
        hash.update(body.getBytes(StandardCharsets.ISO_8859_1));
        DkimKeyRecord record = DkimKeyRecord.parse(DkimKeyRecord.textFor(keys.getPublic()));
        return DkimVerifier.verify(all, signature, hash.digest(), record, NOW);
    }

    @Test
    void rsaAndEd25519SignaturesVerify() throws Exception {
        for (String algorithm : List.of("RSA", "Ed25519")) {
            KeyPair keys = pair(algorithm);
            String field = sign(new DkimSigner("Example.ORG", "tern", keys.getPrivate()), headers(), BODY);
            assertThat(verify(field, headers(), BODY, keys)).as(algorithm).isEqualTo(new DkimVerifier.Pass());
            assertThat(verify(field, headers(), BODY.replace("Bob", "Bub"), keys)).as(algorithm)
                    .isEqualTo(new DkimVerifier.Fail("body hash did not verify"));
        }
    }

    @Test
    void theFieldNamesTheRecommendedHeadersAndOverSigns() throws Exception {
        String field = sign(new DkimSigner("example.org", "tern", pair("Ed25519").getPrivate()), headers(), BODY);
        DkimSignature signature = DkimSignature.parse(HeaderField.of(field.substring(0, field.length() - 2)));
        assertThat(signature.signedHeaders()).containsExactly("from", "from", "subject", "subject", "date", "date",
                "to", "to", "message-id");
        assertThat(signature.domain()).isEqualTo("example.org");
        assertThat(signature.selector()).isEqualTo("tern");
        assertThat(signature.headerCanonicalization()).isEqualTo(Canonicalization.RELAXED);
        assertThat(signature.bodyCanonicalization()).isEqualTo(Canonicalization.RELAXED);
        assertThat(signature.timestamp()).hasValue(NOW.getEpochSecond());
        assertThat(signature.length()).isEmpty(); // no l=: appended text would pass
        assertThat(field).startsWith("DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed; d=example.org;")
                .endsWith("\r\n");
        for (String line : field.split("\r\n")) {
            assertThat(line.length()).as(line).isLessThanOrEqualTo(78);
        }
    }

    @Test
    void anAddedFromOrToBreaksTheSignature() throws Exception {
        KeyPair keys = pair("RSA");
        String field = sign(new DkimSigner("example.org", "tern", keys.getPrivate()), headers(), BODY);
        for (String added : List.of("From: mallory@evil.example", "To: someone@else.example")) {
            List<HeaderField> more = new ArrayList<>(headers());
            more.add(HeaderField.of(added));
            assertThat(verify(field, more, BODY, keys)).as(added).isEqualTo(new DkimVerifier.Fail("signature did not verify"));
        }
        List<HeaderField> unsignedAdded = new ArrayList<>(headers());
        unsignedAdded.add(HeaderField.of("X-Spam: no"));
        assertThat(verify(field, unsignedAdded, BODY, keys)).isEqualTo(new DkimVerifier.Pass());
    }

    @Test
    void parsingRefusesWhatSection611Refuses() {
        String base = "DKIM-Signature: v=1; a=rsa-sha256; d=example.org; s=s; bh=AAAA; b=AAAA; ";
        assertThatThrownBy(() -> DkimSignature.parse(HeaderField.of(base + "h=to:subject")))
                .hasMessage("From field not signed");
        assertThatThrownBy(() -> DkimSignature.parse(HeaderField.of(base.replace("rsa-sha256", "rsa-sha1") + "h=from")))
                .hasMessage("unsupported algorithm rsa-sha1");
        assertThatThrownBy(() -> DkimSignature.parse(HeaderField.of(base + "h=from; i=a@example.com")))
                .hasMessage("i= not within d=example.org");
        assertThatThrownBy(() -> DkimSignature.parse(HeaderField.of(base.replace("v=1", "v=2") + "h=from")))
                .hasMessage("unsupported version v=2");
        assertThatThrownBy(() -> DkimSignature.parse(HeaderField.of(base.replace("d=example.org; ", "") + "h=from")))
                .hasMessage("missing tag d=");
        DkimSignature ok = DkimSignature.parse(HeaderField.of(base + "h=From : To; i=@mail.example.org; l=10"));
        assertThat(ok.signedHeaders()).containsExactly("from", "to");
        assertThat(ok.headerCanonicalization()).isEqualTo(Canonicalization.SIMPLE); // §3.5: c= defaults to simple/simple
        assertThat(ok.length()).hasValue(10);
    }

    @Test
    void anExpiredSignatureFails() throws Exception {
        KeyPair keys = pair("Ed25519");
        String field = sign(new DkimSigner("example.org", "tern", keys.getPrivate()), headers(), BODY);
        String expiring = field.replace("t=" + NOW.getEpochSecond() + ";", "t=" + NOW.getEpochSecond() + "; x=1;");
        assertThatThrownBy(() -> verify(expiring, headers(), BODY, keys)).hasMessage("x= before t=");
    }

    @Test
    void withoutSignatureEmptiesOnlyB() {
        HeaderField field = HeaderField.of("DKIM-Signature: a=x; bh=abc;\r\n\tb=12\r\n 34 ; z=1");
        assertThat(SignedData.withoutSignature(field).raw()).isEqualTo("DKIM-Signature: a=x; bh=abc;\r\n\tb=; z=1");
    }

    @Test
    void aSignatureListingMoreFieldsThanALimitIsRefusedBeforeAnyWork() {
        String names = String.join(":", java.util.Collections.nCopies(DkimSignature.MAX_SIGNED_FIELDS + 1, "from"));
        HeaderField field = HeaderField.of("DKIM-Signature: v=1; a=rsa-sha256; d=example.org; s=s; h=" + names
                + "; bh=AAAA; b=AAAA\r\n");
        assertThatThrownBy(() -> DkimSignature.parse(field)).isInstanceOf(DkimSyntaxException.class)
                .hasMessageContaining("h=");
    }

    @Test
    void errorsQuoteAttackerValuesShortAndPrintable() {
        HeaderField field = HeaderField.of("DKIM-Signature: v=" + "9".repeat(5000) + "; a=rsa-sha256; d=example.org; s=s; "
                + "h=from; bh=AAAA; b=AAAA\r\n");
        assertThatThrownBy(() -> DkimSignature.parse(field)).isInstanceOf(DkimSyntaxException.class)
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(80));
    }
}
