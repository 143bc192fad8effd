package dev.tern.it;

import static dev.tern.it.TernProcess.address;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;

import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;

import dev.tern.tls.PemEncoding;
import dev.tern.tls.SelfSignedCertificate;
import dev.tern.tls.TlsCredentials;

import org.junit.jupiter.api.Test;

/**
 * TLS on every listener: STARTTLS on inbound and outbound, implicit TLS on --smtps, the
 * EHLO keywords before and after, protocol versions, the STARTTLS command-injection
 * hole (CVE-2011-0411), and the certificates served (own PEM files, the generated one).
 */
class TlsTest extends SharedTern {

    @Test
    void startTlsIsOfferedInClearThenEhloAgainOffersAuthButNoStartTls() {
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern)) {
            smtp.greeting();
            assertThat(smtp.ehlo("client.test").lines()).contains("STARTTLS").noneMatch(l -> l.startsWith("AUTH"));
            smtp.startTls();
            SSLSession session = smtp.tlsSession();
            assertThat(session.getProtocol()).isIn("TLSv1.3", "TLSv1.2");

            assertThat(smtp.ehlo("client.test").lines()).as(smtp.transcript())
                    .contains("AUTH PLAIN LOGIN", "PIPELINING").doesNotContain("STARTTLS");
            smtp.send("STARTTLS");
            smtp.expect("503 5.5.1");
            smtp.send("NOOP");
            smtp.expect("250");
            smtp.quit();
        }
    }

    @Test
    void afterStartTlsTheSessionStartsOverAndMailNeedsEhloFirst() {
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
            smtp.startTls();
            // RFC 3207 §4.2: the server forgets what the client said before TLS, the EHLO included
            smtp.send("MAIL FROM:<a@client.test>");
            smtp.expect("503");
            smtp.ehlo("client.test");
            smtp.send("MAIL FROM:<a@client.test>");
            smtp.expect("250 2.1.0");
            smtp.send("RSET");
            smtp.expect("250");
            smtp.quit();
        }
    }

    @Test
    void mailOverStartTlsIsStoredWithEsmtpsAndTheCipherInReceived() {
        String user = tern.newUser("starttls");
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
            smtp.startTls();
            String protocol = smtp.tlsSession().getProtocol();
            String cipher = smtp.tlsSession().getCipherSuite();
            smtp.ehlo("client.test");
            String id = smtp.deliver("a@client.test", List.of(address(user)), "Subject: tls\r\n\r\nsecret\r\n");
            smtp.quit();

            Maildirs.Stored stored = Maildirs.parse(Maildirs.awaitOnlyNewFile(tern.mailRoot(), user));
            assertThat(stored.messageLatin1()).isEqualTo("Subject: tls\r\n\r\nsecret\r\n");
            assertThat(stored.receivedUnfolded())
                    .contains("(using " + protocol + " with cipher " + cipher + ")")
                    .contains("with ESMTPS id " + id)
                    .doesNotContain("authenticated");
            assertThat(stored.receivedId()).isEqualTo(id);
        }
    }

    @Test
    void plainSessionsStillSayEsmtpWithoutTls() {
        String user = tern.newUser("clear");
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
            String id = smtp.deliver("a@client.test", List.of(address(user)), "Subject: clear\r\n\r\nx\r\n");
            smtp.quit();
            Maildirs.Stored stored = Maildirs.parse(Maildirs.awaitOnlyNewFile(tern.mailRoot(), user));
            assertThat(stored.receivedUnfolded()).contains("with ESMTP id " + id).doesNotContain("using TLS");
        }
    }

    @Test
    void smtpsGreetsAfterTheHandshakeAndAcceptsLocalMailWithoutAuth() {
        String user = tern.newUser("smtps");
        try (SmtpTranscript smtp = SmtpTranscript.connectSmtps(tern)) {
            assertThat(smtp.greeting().lastLine()).isEqualTo("220 tern.test ESMTP Tern");
            assertThat(smtp.ehlo("client.test").lines()).contains("AUTH PLAIN LOGIN").doesNotContain("STARTTLS");
            smtp.send("STARTTLS");
            smtp.expect("503 5.5.1");
            smtp.send("MAIL FROM:<a@client.test>");
            smtp.expect("250");
            smtp.send("RCPT TO:<x@remote.test>");
            smtp.expect("550 5.7.1"); // inbound policy without AUTH
            smtp.send("RSET");
            smtp.expect("250");
            String id = smtp.deliver("a@client.test", List.of(address(user)), "Subject: smtps\r\n\r\nx\r\n");
            smtp.quit();
            Maildirs.Stored stored = Maildirs.parse(Maildirs.awaitOnlyNewFile(tern.mailRoot(), user));
            assertThat(stored.receivedUnfolded()).contains("(using TLSv1.").contains("with ESMTPS id " + id);
        }
    }

    @Test
    void aPlainTextClientOnTheSmtpsPortGetsNoGreeting() {
        try (SmtpTranscript smtp = SmtpTranscript.connect("127.0.0.1", tern.smtpsPort())) {
            assertThat(smtp.nothingWithin(Duration.ofSeconds(1))).as("no greeting in clear on the smtps port").isTrue();
            smtp.send("EHLO client.test");
            // the bytes are no TLS record: the server ends the connection (perhaps after an alert)
            // but never answers like SMTP
            try {
                SmtpTranscript.Reply reply = smtp.read();
                throw smtp.fail("an SMTP reply in clear on the smtps port: " + reply);
            } catch (AssertionError expected) {
                assertThat(expected.getMessage()).doesNotContain("an SMTP reply in clear");
            }
        }
        // and the listener is still fine
        try (SmtpTranscript smtp = SmtpTranscript.connectSmtps(tern)) {
            smtp.greeting();
            smtp.quit();
        }
    }

    @Test
    void theOutboundListenerOffersStartTlsToo() {
        try (SmtpTranscript smtp = SmtpTranscript.connectOutbound(tern)) {
            smtp.greeting();
            assertThat(smtp.ehlo("client.test").lines()).contains("STARTTLS");
            smtp.startTls();
            assertThat(smtp.ehlo("client.test").lines()).contains("AUTH PLAIN LOGIN").doesNotContain("STARTTLS");
            smtp.send("MAIL FROM:<a@client.test>");
            smtp.expect("250");
            smtp.send("RCPT TO:<x@remote.test>");
            smtp.expect("250 2.1.5"); // the outbound listener may relay
            smtp.quit();
        }
    }

    /** CVE-2011-0411: commands sent in clear together with STARTTLS must not run inside TLS. */
    @Test
    void commandsPipelinedAfterStartTlsAreDiscarded() {
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
            smtp.pipeline("STARTTLS", "RSET");
            smtp.expect("220 2.0.0");
            smtp.handshakeNow();
            assertThat(smtp.nothingWithin(Duration.ofSeconds(1)))
                    .as("no reply to the RSET injected before the handshake\n" + smtp.transcript()).isTrue();
            smtp.send("NOOP");
            smtp.expect("250");
            assertThat(smtp.ehlo("client.test").lines()).contains("AUTH PLAIN LOGIN");
            smtp.quit();
        }
    }

    @Test
    void injectedMailCommandsDoNotOpenATransactionInsideTls() {
        String user = tern.newUser("inject");
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
            smtp.pipeline("STARTTLS", "MAIL FROM:<evil@client.test>", "RCPT TO:<" + address(user) + ">");
            smtp.expect("220 2.0.0");
            smtp.handshakeNow();
            assertThat(smtp.nothingWithin(Duration.ofSeconds(1))).as(smtp.transcript()).isTrue();
            smtp.ehlo("client.test");
            smtp.send("RCPT TO:<" + address(user) + ">");
            smtp.expect("503"); // no MAIL FROM inside TLS
            smtp.quit();
        }
        assertThat(Maildirs.newFiles(tern.mailRoot(), user)).isEmpty();
    }

    /**
     * Clients send their ClientHello the moment the connection is up; every such handshake
     * on the smtps port must complete (each attempt bounded by 3 s on loopback).
     */
    @Test
    void everyImplicitTlsHandshakeCompletes() {
        List<String> hung = new java.util.ArrayList<>();
        int attempts = 25;
        for (int i = 1; i <= attempts; i++) {
            long started = System.nanoTime();
            try (SSLSocket tls = TlsClient.handshake("127.0.0.1", tern.smtpsPort(), Duration.ofSeconds(3))) {
                java.io.BufferedReader in = new java.io.BufferedReader(
                        new java.io.InputStreamReader(tls.getInputStream(), StandardCharsets.ISO_8859_1));
                String greeting = in.readLine();
                if (greeting == null || !greeting.startsWith("220 ")) {
                    hung.add("attempt " + i + ": greeting " + greeting);
                }
            } catch (java.io.IOException e) {
                hung.add("attempt " + i + ": " + e + " after " + (System.nanoTime() - started) / 1_000_000 + " ms");
            }
        }
        assertThat(hung).as("implicit-TLS connections (ClientHello sent at once) that got no handshake and greeting,"
                + " out of " + attempts).isEmpty();
    }

    /** The same for STARTTLS: EHLO, STARTTLS, handshake at once after the 220, EHLO again. */
    @Test
    void everyStartTlsHandshakeCompletes() {
        for (int i = 1; i <= 15; i++) {
            try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
                smtp.startTls();
                smtp.ehlo("client.test");
                smtp.quit();
            }
        }
    }

    @Test
    void tls12AndTls13AreAccepted() throws Exception {
        for (String protocol : List.of("TLSv1.2", "TLSv1.3")) {
            try (SSLSocket tls = TlsClient.handshake("127.0.0.1", tern.smtpsPort(), protocol)) {
                assertThat(tls.getSession().getProtocol()).isEqualTo(protocol);
            }
        }
    }

    @Test
    void aTls11OnlyClientIsRefusedByTheServer() {
        // A JVM of its own, with jdk.tls.disabledAlgorithms cleared: the client really offers TLS 1.1,
        // so the failure is the server's protocol_version alert, not the client refusing to try.
        Exec.Result control = Exec.run(Duration.ofSeconds(60), null, Exec.java(List.of(), TlsProtocolProbe.class.getName(),
                List.of("127.0.0.1", Integer.toString(tern.smtpsPort()), "TLSv1.2")));
        assertThat(control.exitCode()).as("the probe itself works: " + control.describe()).isZero();
        assertThat(control.stdout()).startsWith("OK TLSv1.2");

        Exec.Result old = Exec.run(Duration.ofSeconds(60), null, Exec.java(List.of(), TlsProtocolProbe.class.getName(),
                List.of("127.0.0.1", Integer.toString(tern.smtpsPort()), "TLSv1.1")));
        assertThat(old.exitCode()).as(old.describe()).isEqualTo(3);
        assertThat(old.stdout()).as(old.describe()).contains("Received fatal alert: protocol_version");
    }

    @Test
    void aTls11OnlyOpensslClientIsRefused() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Exec.onPath("openssl"), "openssl is not installed");
        // on the smtps port, and through STARTTLS on the inbound listener (openssl speaks the SMTP part)
        List<List<String>> ways = List.of(List.of("-connect", "127.0.0.1:" + tern.smtpsPort()),
                List.of("-connect", "127.0.0.1:" + tern.inboundPort(), "-starttls", "smtp"));
        for (List<String> way : ways) {
            List<String> command = new java.util.ArrayList<>(List.of("openssl", "s_client"));
            command.addAll(way);
            command.addAll(List.of("-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0"));
            Exec.Result result = Exec.run(Duration.ofSeconds(30), "QUIT\n".getBytes(StandardCharsets.US_ASCII), command);
            assertThat(result.exitCode()).as(result.describe()).isNotZero();
            assertThat(result.stdout() + result.stderr()).as("the server's alert: " + result.describe())
                    .contains("alert protocol version");
        }
    }

    @Test
    void theGeneratedSelfSignedCertificateIsServedAndReusedAfterARestart() {
        Path certFile = tern.generatedCertificate();
        assertThat(certFile).isRegularFile();
        assertThat(tern.dataDir().resolve("tls").resolve("key.pem")).isRegularFile();
        assertThat(tern.log()).as("a WARN about the self-signed certificate").containsPattern("WARN.*self-signed");

        X509Certificate onDisk = TlsClient.readPem(certFile).get(0);
        X509Certificate served = startTlsCertificate(tern.inboundPort());
        assertThat(served).isEqualTo(onDisk);
        assertThat(TlsClient.subjectAlternativeNames(served)).contains("127.0.0.1", "localhost");
        assertThat(TlsClient.subjectAlternativeNames(served)).anyMatch(n -> n.equals("0:0:0:0:0:0:0:1") || n.equals("::1"));
        assertThat(TlsClient.servedCertificate("127.0.0.1", tern.smtpsPort())).as("the smtps port serves it too")
                .isEqualTo(onDisk);

        assertThat(tern.stop()).as(tern.logTail()).isZero();
        tern.start();
        assertThat(startTlsCertificate(tern.inboundPort())).as("the same certificate after a restart").isEqualTo(served);
        assertThat(TlsClient.readPem(certFile).get(0)).isEqualTo(onDisk);
        assertThat(TlsClient.servedCertificate("127.0.0.1", tern.smtpsPort())).as("smtps after a restart")
                .isEqualTo(onDisk);
    }

    @Test
    void ownCertificateAndKeyFilesAreServedOnEveryListener() throws Exception {
        Path dir = TestDirs.create("certs");
        try {
            TlsCredentials credentials = SelfSignedCertificate.generate("mail.test");
            Path cert = dir.resolve("chain.pem");
            Path key = dir.resolve("key.pem");
            Files.writeString(cert, PemEncoding.certificates(credentials.chain()), StandardCharsets.US_ASCII);
            Files.writeString(key, PemEncoding.pkcs8(credentials.privateKey()), StandardCharsets.US_ASCII);
            try (TernProcess own = TernProcess.launch(new TernProcess.Options()
                    .extra("--tls-cert", cert.toString(), "--tls-key", key.toString()))) {
                for (int port : new int[] {own.inboundPort(), own.outboundPort()}) {
                    X509Certificate served = startTlsCertificate(port);
                    assertThat(served.getEncoded()).isEqualTo(credentials.certificate().getEncoded());
                    assertThat(served.getSubjectX500Principal().getName()).isEqualTo("CN=mail.test");
                }
                assertThat(own.generatedCertificate()).as("nothing generated when files are given").doesNotExist();
                assertThat(TlsClient.servedCertificate("127.0.0.1", own.smtpsPort()).getEncoded())
                        .as("the smtps port serves it too").isEqualTo(credentials.certificate().getEncoded());
                String user = own.newUser("owncert");
                try (SmtpTranscript smtp = SmtpTranscript.connectSmtps(own).hello()) {
                    smtp.deliver("a@client.test", List.of(address(user)), "Subject: own\r\n\r\nx\r\n");
                    smtp.quit();
                }
                Maildirs.awaitOnlyNewFile(own.mailRoot(), user);
            }
        } finally {
            TestDirs.deleteQuietly(dir);
        }
    }

    /** The certificate a STARTTLS listener presents (EHLO, STARTTLS, handshake). */
    private static X509Certificate startTlsCertificate(int port) {
        try (SmtpTranscript smtp = SmtpTranscript.connect("127.0.0.1", port).hello()) {
            smtp.startTls();
            X509Certificate certificate = (X509Certificate) smtp.tlsSession().getPeerCertificates()[0];
            smtp.ehlo("client.test");
            smtp.quit();
            return certificate;
        } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
            throw new AssertionError(e);
        }
    }
}
