package dev.tern.it;

import static dev.tern.it.Relaying.awaitOnlyTransaction;
import static dev.tern.it.Relaying.message;
import static dev.tern.it.Relaying.send;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Type;

import dev.tern.testing.ScriptedSmtpServer;
import dev.tern.testing.SignedZone;
import dev.tern.testing.TestCa;

/**
 * DANE (RFC 7672) end to end: a zone signed in the test (dnsjava), served by the fake DNS on
 * loopback, its DS record as Tern's trust anchor ({@code tern.dns-trust-anchor}). The MX
 * certificates are self-signed and Tern trusts no CA for them: only the TLSA records can
 * vouch for them.
 */
class DaneTest {

    private static final Duration DEFERRAL = Duration.ofSeconds(20);

    static FakeInternet net;
    static TernProcess tern;
    static TestCa.Issued goodCert;
    static TestCa.Issued badCert;
    static String goodHost;
    static String badHost;
    static String forgedHost;
    static String plainHost;

    @BeforeAll
    static void start() throws Exception {
        net = FakeInternet.start();
        goodCert = TestCa.selfSigned("mx.good.dane.test");
        badCert = TestCa.selfSigned("mx.bad.dane.test");
        TestCa.Issued published = TestCa.selfSigned("mx.bad.dane.test"); // what the bad host's TLSA record names
        goodHost = net.nextAddress();
        badHost = net.nextAddress();
        forgedHost = net.nextAddress();
        plainHost = net.nextAddress();
        int port = net.smtpPort();
        SignedZone zone = SignedZone.create("dane.test")
                .mx("good.dane.test", 10, "mx.good.dane.test")
                .a("mx.good.dane.test", goodHost)
                .tlsa(port, "mx.good.dane.test", 3, 1, 1, spkiSha256(goodCert))
                .mx("bad.dane.test", 10, "mx.bad.dane.test")
                .a("mx.bad.dane.test", badHost)
                .tlsa(port, "mx.bad.dane.test", 3, 1, 1, spkiSha256(published))
                .mx("forged.dane.test", 10, "mx.forged.dane.test")
                .a("mx.forged.dane.test", forgedHost)
                .tlsa(port, "mx.forged.dane.test", 3, 1, 1, spkiSha256(goodCert))
                .corruptSignature("_" + port + "._tcp.mx.forged.dane.test", Type.TLSA);
        zone.publish(net.dns());
        net.mx("plain.test", 10, "mx.plain.test", plainHost); // an unsigned zone
        Path anchor = Files.writeString(TestDirs.create("dane").resolve("anchor.ds"), zone.trustAnchor(),
                StandardCharsets.US_ASCII);
        tern = TernProcess.launch(net.ternOptions("500ms", "2s", "1m").config(net.config("dane.conf",
                FakeInternet.SHORT_TIMEOUTS + "tern.dns-trust-anchor = \"" + anchor + "\"\n")));
        Relaying.awaitLogLine(tern, DEFERRAL, "DNSSEC validation works");
    }

    @AfterAll
    static void stop() {
        FakeInternet.close(tern, net);
    }

    @Test
    void aMatchingTlsa311RecordDelivers() throws Exception {
        ScriptedSmtpServer server = net.run(net.smtp(goodHost).startTls(goodCert.serverContext()));

        send(tern, "alice@example.test", List.of("bob@good.dane.test"), message("dane", "over DANE"));

        ScriptedSmtpServer.Transaction t = awaitOnlyTransaction(server, tern);
        assertThat(t.tls()).isTrue();
        assertThat(t.recipients()).containsExactly("bob@good.dane.test");
        Relaying.awaitLogLine(tern, DEFERRAL, "to=<bob@good.dane.test>", "status=sent");
        // the same kind of self-signed certificate is refused when the TLSA record names another key
        // (aTlsaMismatchDefersAndNoMailIsSent): here the record is what let it through
        assertThat(net.dns().queries("_" + net.smtpPort() + "._tcp.mx.good.dane.test", Type.TLSA)).isPositive();
    }

    @Test
    void aTlsaMismatchDefersAndNoMailIsSent() throws Exception {
        ScriptedSmtpServer server = net.run(net.smtp(badHost).startTls(badCert.serverContext()));

        send(tern, "alice@example.test", List.of("bob@bad.dane.test"), message("mismatch", "never to an impostor"));

        Relaying.awaitLogLine(tern, DEFERRAL, "to=<bob@bad.dane.test>", "status=deferred", "dane policy",
                "tlsa-invalid");
        assertThat(Relaying.queueList(tern)).containsPattern("last error: .*dane policy: DANE: no TLSA record matches");
        assertThat(server.connections()).as("the MX was tried").isGreaterThanOrEqualTo(1);
        assertThat(server.transactions()).isEmpty();
        assertThat(server.commandLines()).noneMatch(line -> line.startsWith("MAIL"));
        assertThat(server.commands()).as("not a word inside the unauthenticated TLS session")
                .noneMatch(ScriptedSmtpServer.Command::tls);
    }

    @Test
    void aBogusTlsaRecordDefersWithoutConnecting() throws Exception {
        ScriptedSmtpServer server = net.run(net.smtp(forgedHost).startTls(goodCert.serverContext()));

        send(tern, "alice@example.test", List.of("bob@forged.dane.test"), message("bogus", "DNSSEC says no"));

        Relaying.awaitLogLine(tern, DEFERRAL, "to=<bob@forged.dane.test>", "status=deferred", "dnssec-invalid");
        assertThat(Relaying.queueList(tern)).containsPattern("last error: .*DNSSEC-bogus");
        assertThat(server.connections()).as("RFC 7672 §2.2: the host is not used").isZero();
    }

    @Test
    void anUnsignedZoneFallsBackToOpportunisticDelivery() throws Exception {
        ScriptedSmtpServer server = net.run(net.smtp(plainHost)); // no STARTTLS at all

        send(tern, "alice@example.test", List.of("bob@plain.test"), message("plain", "as before DANE"));

        ScriptedSmtpServer.Transaction t = awaitOnlyTransaction(server, tern);
        assertThat(t.tls()).isFalse();
        assertThat(t.recipients()).containsExactly("bob@plain.test");
        Relaying.awaitLogLine(tern, DEFERRAL, "to=<bob@plain.test>", "status=sent");
        assertThat(net.dns().queries("_" + net.smtpPort() + "._tcp.mx.plain.test", Type.TLSA))
                .as("looked up, found insecure").isPositive();
    }

    private static byte[] spkiSha256(TestCa.Issued issued) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(issued.leaf().getPublicKey().getEncoded());
    }
}
