package dev.tern.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tern.protocol.dkim.BodyHash;
import dev.tern.protocol.dkim.DkimKeyRecord;
import dev.tern.protocol.dkim.DkimSignature;
import dev.tern.protocol.dkim.DkimSigner;
import dev.tern.protocol.dkim.DkimVerifier;
import dev.tern.protocol.dkim.HeaderField;
import dev.tern.store.StagedMessage;

class StagedSigningTest {

    private static final Instant NOW = Instant.parse("2026-11-30T12:00:00Z");
    private static final String RETURN_PATH = "Return-Path: <alice@example.org>\r\n";
    private static final String HEADERS = "Received: from client by tern.test; Mon, 30 Nov 2026 12:00:00 +0000\r\n"
            + "From: Alice <alice@example.org>\r\nTo: bob@example.net\r\nSubject: hi\r\n";

    @TempDir
    Path dir;

    private final KeyPair keys = pair();

    private static KeyPair pair() {
        try {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private DkimKeys keysFor(String domain) throws Exception {
        Path file = dir.resolve(domain + ".key");
        Files.writeString(file, "-----BEGIN PRIVATE KEY-----\n"
                + java.util.Base64.getMimeEncoder().encodeToString(keys.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
        return DkimKeys.load(List.of(domain + ":sel:" + file));
    }

    private StagedMessage stage(String text) throws Exception {
        Path file = Files.writeString(dir.resolve("staged"), text, StandardCharsets.ISO_8859_1);
        return new StagedMessage(file, Files.size(file), RETURN_PATH.length());
    }

    @Test
    void theFieldGoesIntoTheStagedFileAfterReturnPath() throws Exception {
        String body = "line one  \r\n" + "x".repeat(200_000) + "\r\n\r\n";
        StagedMessage staged = stage(RETURN_PATH + HEADERS + "\r\n" + body);
        StagedSigning.Result result = StagedSigning.sign(staged, keysFor("example.org"), NOW);

        StagedSigning.Signed signed = (StagedSigning.Signed) result;
        assertThat(signed.message().file()).isEqualTo(staged.file());
        try (var files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactlyInAnyOrder("staged",
                    "example.org.key"); // no second file
        }
        byte[] octets = Files.readAllBytes(signed.message().file());
        String text = new String(octets, StandardCharsets.ISO_8859_1);
        assertThat(signed.message().size()).isEqualTo(octets.length);
        assertThat(signed.message().relayOffset()).isEqualTo(RETURN_PATH.length());
        assertThat(text).startsWith(RETURN_PATH + "DKIM-Signature: v=1; a=ed25519-sha256;").endsWith(HEADERS + "\r\n" + body);

        // what a next hop gets (from the relay offset on) verifies with the public key
        byte[] relayed = Arrays.copyOfRange(octets, (int) signed.message().relayOffset(), octets.length);
        String relayedText = new String(relayed, StandardCharsets.ISO_8859_1);
        int end = relayedText.indexOf("\r\n\r\n");
        List<HeaderField> headers = HeaderField.parse(relayed, end);
        DkimSignature signature = DkimSignature.parse(headers.get(0));
        BodyHash hash = DkimVerifier.bodyHash(signature);
        hash.update(relayed, end + 4, relayed.length - end - 4);
        assertThat(DkimVerifier.verify(headers, signature, hash.digest(),
                DkimKeyRecord.parse(DkimKeyRecord.textFor(keys.getPublic())), NOW)).isEqualTo(new DkimVerifier.Pass());
    }

    @Test
    void otherDomainsAndHugeHeadersAreLeftUnsigned() throws Exception {
        DkimKeys example = keysFor("example.org");
        String otherDomain = RETURN_PATH + HEADERS.replace("example.org", "other.example") + "\r\nbody\r\n";
        assertThat(StagedSigning.sign(stage(otherDomain), example, NOW))
                .isEqualTo(new StagedSigning.Unsigned("no key for other.example"));
        assertThat(Files.readString(dir.resolve("staged"), StandardCharsets.ISO_8859_1)).isEqualTo(otherDomain);
        String huge = RETURN_PATH + HEADERS + "X-Big: " + "y".repeat(70_000) + "\r\n" + "\r\nbody\r\n";
        assertThat(StagedSigning.sign(stage(huge), example, NOW))
                .isEqualTo(new StagedSigning.Unsigned("header section over 64 KiB"));
        assertThat(Files.readString(dir.resolve("staged"), StandardCharsets.ISO_8859_1)).isEqualTo(huge);
        assertThat(StagedSigning.sign(stage(RETURN_PATH + "Subject: no from\r\n\r\nbody\r\n"), example, NOW))
                .isEqualTo(new StagedSigning.Unsigned("no single From: domain"));
    }

    @Test
    void aMessageOfHeadersAloneIsSigned() throws Exception {
        StagedSigning.Result result = StagedSigning.sign(stage(RETURN_PATH + HEADERS), keysFor("example.org"), NOW);
        assertThat(result).isInstanceOf(StagedSigning.Signed.class);
    }

    @Test
    void badKeyFilesAreNamed() throws Exception {
        Path empty = Files.writeString(dir.resolve("empty.pem"), "");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DkimKeys.load(List.of("example.org:s:" + empty)))
                .hasMessageContaining(empty.toString());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DkimKeys.load(List.of("example.org:" + empty)))
                .hasMessage("'example.org:" + empty + "' is not DOMAIN:SELECTOR:FILE");
        Path missing = dir.resolve("missing.pem");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DkimKeys.load(List.of("example.org:s:" + missing)))
                .hasMessageContaining(missing + " does not exist");
        DkimSigner signer = keysFor("Example.ORG").forDomain("example.org").orElseThrow();
        assertThat(signer.selector()).isEqualTo("sel");
    }
}
