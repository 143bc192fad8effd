package dev.tern.mailauth;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tern.protocol.MailAddress;
import dev.tern.protocol.ReversePath;
import dev.tern.protocol.dkim.BodyHash;
import dev.tern.protocol.dkim.DkimKeyRecord;
import dev.tern.protocol.dkim.DkimSigner;
import dev.tern.protocol.dkim.HeaderField;
import dev.tern.store.StagedMessage;

class InboundAuthenticatorTest {

    private static final String RETURN_PATH = "Return-Path: <alice@example.org>\r\n";
    private static final String RECEIVED = "Received: from client.test ([127.0.0.1]) by mx.tern.test; Mon, 30 Nov 2026\r\n";

    @TempDir
    Path dir;

    private final ZoneDns dns = new ZoneDns();

    private InboundAuthenticator.Outcome check(InboundAuthMode mode, String message) throws IOException {
        Path file = dir.resolve("m1");
        Files.writeString(file, RETURN_PATH + RECEIVED + message, StandardCharsets.ISO_8859_1);
        StagedMessage staged = new StagedMessage(file, Files.size(file), RETURN_PATH.length());
        InboundAuthenticator authenticator = new InboundAuthenticator(true, dns, "MX.tern.test", mode, Runnable::run,
                Duration.ofSeconds(5), Clock.systemUTC());
        return authenticator.check(new InboundAuthenticator.Inbound("m1", InetAddress.getLoopbackAddress(),
                        "client.test", new ReversePath.Sender(MailAddress.parse("alice@example.org").orElseThrow()),
                        staged)).toCompletableFuture().join();
    }

    @Test
    void loopbackClientsAreSkippedUnlessAskedFor() throws IOException {
        InetAddress remote = InetAddress.getByName("192.0.2.7");
        InboundAuthenticator byDefault = new InboundAuthenticator(false, dns, "mx.tern.test", InboundAuthMode.RECORD,
                Runnable::run, Duration.ofSeconds(5), Clock.systemUTC());
        InboundAuthenticator withLoopback = new InboundAuthenticator(true, dns, "mx.tern.test", InboundAuthMode.RECORD,
                Runnable::run, Duration.ofSeconds(5), Clock.systemUTC());
        assertThat(byDefault.appliesTo(InetAddress.getByName("127.0.0.1"))).isFalse();
        assertThat(byDefault.appliesTo(InetAddress.getByName("127.9.9.9"))).isFalse();
        assertThat(byDefault.appliesTo(InetAddress.getByName("::1"))).isFalse();
        assertThat(byDefault.appliesTo(remote)).isTrue();
        assertThat(withLoopback.appliesTo(InetAddress.getByName("127.0.0.1"))).isTrue();
        assertThat(withLoopback.appliesTo(remote)).isTrue();
    }

    private static String delivered(InboundAuthenticator.Outcome outcome) throws IOException {
        assertThat(outcome).isInstanceOf(InboundAuthenticator.Deliver.class);
        StagedMessage staged = ((InboundAuthenticator.Deliver) outcome).staged();
        assertThat(Files.getPosixFilePermissions(staged.file())).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        byte[] octets = Files.readAllBytes(staged.file());
        assertThat(octets).hasSize((int) staged.size());
        return new String(octets, StandardCharsets.ISO_8859_1);
    }

    @Test
    void spfAndDmarcPassGoIntoTheFieldAfterReturnPath() throws IOException {
        dns.txt("example.org", "v=spf1 ip4:127.0.0.0/8 -all").txt("_dmarc.example.org", "v=DMARC1; p=reject");
        String stored = delivered(check(InboundAuthMode.ENFORCE, "From: Alice <alice@example.org>\r\n\r\nHi\r\n"));
        assertThat(stored).isEqualTo(RETURN_PATH + "Authentication-Results: mx.tern.test;\r\n"
                + "\tspf=pass smtp.mailfrom=alice@example.org;\r\n"
                + "\tspf=none smtp.helo=client.test;\r\n"
                + "\tdkim=none;\r\n"
                + "\tdmarc=pass (p=reject dis=none) header.from=example.org\r\n"
                + RECEIVED + "From: Alice <alice@example.org>\r\n\r\nHi\r\n");
    }

    @Test
    void forgedFieldsWithOurIdAreRemovedOthersKept() throws IOException {
        String message = "Authentication-Results: mx.tern.test; spf=pass\r\n\tsmtp.mailfrom=x@example.org\r\n"
                + "Authentication-Results: other.test; dkim=pass\r\n"
                + "From: a@example.org\r\n"
                + "authentication-results: (c) MX.TERN.TEST; dmarc=pass\r\n"
                + "\r\nAuthentication-Results: mx.tern.test; in the body stays\r\n";
        String stored = delivered(check(InboundAuthMode.RECORD, message));
        assertThat(stored).endsWith(RECEIVED + "Authentication-Results: other.test; dkim=pass\r\n"
                + "From: a@example.org\r\n"
                + "\r\nAuthentication-Results: mx.tern.test; in the body stays\r\n");
        assertThat(stored).contains("\tspf=none smtp.mailfrom=alice@example.org;\r\n", "\tdmarc=none header.from=example.org\r\n");
    }

    @Test
    void enforceRefusesAMessageWithoutExactlyOneAuthorRecordKeepsIt() throws IOException {
        dns.txt("_dmarc.bank.example", "v=DMARC1; p=reject");
        String twoFroms = "From: ceo@bank.example\r\nFrom: ceo@bank.example\r\n\r\nx\r\n";
        InboundAuthenticator.Outcome refused = check(InboundAuthMode.ENFORCE, twoFroms);
        assertThat(refused).isInstanceOf(InboundAuthenticator.Refuse.class);
        assertThat(((InboundAuthenticator.Refuse) refused).reply().toString()).startsWith("550 5.7.1 ");
        assertThat(check(InboundAuthMode.ENFORCE, "Subject: no author\r\n\r\nx\r\n"))
                .isInstanceOf(InboundAuthenticator.Refuse.class);
        assertThat(delivered(check(InboundAuthMode.RECORD, twoFroms))).contains("\tdmarc=permerror");
    }

    @Test
    void enforceRefusesRejectAndMarksQuarantineRecordOnlyRecords() throws IOException {
        dns.txt("example.org", "v=spf1 -all").txt("_dmarc.example.org", "v=DMARC1; p=reject");
        InboundAuthenticator.Outcome refused = check(InboundAuthMode.ENFORCE, "From: alice@example.org\r\n\r\nx\r\n");
        assertThat(refused).isInstanceOf(InboundAuthenticator.Refuse.class);
        assertThat(((InboundAuthenticator.Refuse) refused).reply().toString())
                .startsWith("550 5.7.1 Email rejected per DMARC policy for example.org");
        assertThat(delivered(check(InboundAuthMode.RECORD, "From: alice@example.org\r\n\r\nx\r\n")))
                .contains("\tspf=fail smtp.mailfrom=alice@example.org;\r\n",
                        "\tdmarc=fail (p=reject dis=reject) header.from=example.org\r\n")
                .doesNotContain("X-Tern-Quarantine");

        dns.txt("_dmarc.q.example", "v=DMARC1; p=quarantine");
        assertThat(delivered(check(InboundAuthMode.ENFORCE, "From: bob@q.example\r\n\r\nx\r\n")))
                .contains("dmarc=fail (p=quarantine dis=quarantine) header.from=q.example\r\n"
                        + InboundAuthenticator.QUARANTINE_FIELD + "\r\n" + RECEIVED);
    }

    @Test
    void dnsFailureIsTemperrorNeverARefusal() throws IOException {
        dns.fail("example.org").fail("_dmarc.example.org");
        String stored = delivered(check(InboundAuthMode.ENFORCE, "From: alice@example.org\r\n\r\nx\r\n"));
        assertThat(stored).contains("\tspf=temperror smtp.mailfrom=alice@example.org;\r\n",
                "\tdmarc=temperror header.from=example.org\r\n");
    }

    @Test
    void dkimSignaturesPassAndATamperedBodyFails() throws IOException, GeneralSecurityException {
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        dns.txt("sel._domainkey.signer.example", DkimKeyRecord.textFor(pair.getPublic()))
                .txt("_dmarc.signer.example", "v=DMARC1; p=reject");
        String header = "From: Carol <carol@signer.example>\r\nTo: x@tern.test\r\nSubject: signed\r\n";
        String body = "Signed body\r\n";
        DkimSigner signer = new DkimSigner("signer.example", "sel", pair.getPrivate());
        BodyHash hash = signer.bodyHash();
        hash.update(body.getBytes(StandardCharsets.ISO_8859_1));
        List<HeaderField> fields = HeaderField.parse(header.getBytes(StandardCharsets.ISO_8859_1), header.length() - 2);
        String signature = signer.sign(fields, hash.digest(), Instant.now());

        String good = delivered(check(InboundAuthMode.ENFORCE, signature + header + "\r\n" + body));
        assertThat(good).contains("\tdkim=pass header.d=signer.example header.s=sel;\r\n",
                "\tdmarc=pass (p=reject dis=none) header.from=signer.example\r\n");

        InboundAuthenticator.Outcome tampered = check(InboundAuthMode.RECORD, signature + header + "\r\nSigned body!\r\n");
        assertThat(delivered(tampered)).contains("\tdkim=fail (body hash did not verify) header.d=signer.example",
                "dmarc=fail (p=reject dis=reject)");
    }

    @Test
    void aHugeHeaderSectionIsReadPastInBoundsAndStillCleaned() throws IOException {
        StringBuilder big = new StringBuilder("X-Big: start\r\n");
        for (int i = 0; i < 16 * 1024; i++) {
            big.append("\t").append("y".repeat(60)).append("\r\n"); // one field of about 1 MiB
        }
        String message = big + "Authentication-Results: mx.tern.test; dmarc=pass\r\nFrom: a@example.org\r\n\r\nbody\r\n";
        String stored = delivered(check(InboundAuthMode.RECORD, message));
        assertThat(stored).doesNotContain("Authentication-Results: mx.tern.test; dmarc=pass")
                .endsWith(big + "From: a@example.org\r\n\r\nbody\r\n")
                .contains("\tdmarc=none header.from=example.org\r\n");
    }

    @Test
    void dnsThatNeverAnswersEndsInTemperrorsWithinTheDeadline() throws IOException {
        Path file = Files.writeString(dir.resolve("m2"), RETURN_PATH + "From: a@example.org\r\n\r\nx\r\n",
                StandardCharsets.ISO_8859_1);
        StagedMessage staged = new StagedMessage(file, Files.size(file), RETURN_PATH.length());
        dns.silent("example.org").silent("client.test").silent("_dmarc.example.org");
        long start = System.nanoTime();
        InboundAuthenticator.Outcome outcome = new InboundAuthenticator(true, dns, "mx.tern.test", InboundAuthMode.ENFORCE,
                Runnable::run, Duration.ofMillis(300), Clock.systemUTC()).check(new InboundAuthenticator.Inbound("m2",
                InetAddress.getLoopbackAddress(), "client.test",
                new ReversePath.Sender(MailAddress.parse("a@example.org").orElseThrow()), staged))
                .toCompletableFuture().join();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        assertThat(delivered(outcome)).contains("\tspf=temperror smtp.mailfrom=a@example.org;\r\n",
                "\tdmarc=temperror header.from=example.org\r\n");
    }
}
