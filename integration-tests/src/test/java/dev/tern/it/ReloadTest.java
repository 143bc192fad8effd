package dev.tern.it;

import static dev.tern.it.TernProcess.address;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

import javax.net.ssl.SSLPeerUnverifiedException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.tern.tls.PemEncoding;
import dev.tern.tls.SelfSignedCertificate;
import dev.tern.tls.TlsCredentials;

/**
 * SIGHUP ({@code systemctl reload tern}): the certificate and key files are read again. New
 * sessions get the new certificate; a session opened before keeps its TLS and finishes its
 * mail; a bad file is logged, naming it, and the certificate in use stays.
 */
class ReloadTest {

    private static final Duration RELOAD_TIMEOUT = Duration.ofSeconds(30);

    /** Where the certificate and key files live, as /etc/tern/tls does in production. */
    private final Path dir = TestDirs.create("reload");
    private final Path cert = dir.resolve("fullchain.pem");
    private final Path key = dir.resolve("privkey.pem");

    @AfterEach
    void removeFiles() {
        TestDirs.deleteQuietly(dir);
    }

    /** Tern started with {@code credentials} installed as its certificate and key files. */
    private TernProcess launchServing(TlsCredentials credentials) throws Exception {
        install(credentials);
        return TernProcess.launch(new TernProcess.Options().extra("--tls-cert", cert.toString(), "--tls-key", key.toString()));
    }

    @Test
    void sighupServesTheNewCertificateToNewSessionsWhileAnOpenSessionFinishesItsMail() throws Exception {
        TlsCredentials first = SelfSignedCertificate.generate("first.example.test");
        try (TernProcess tern = launchServing(first)) {
            String user = tern.newUser("reload");
            try (SmtpTranscript open = SmtpTranscript.connect(tern).hello()) {
                open.startTls();
                assertThat(fingerprint(peerCertificate(open))).isEqualTo(fingerprint(first.certificate()));
                open.ehlo("client.test");

                TlsCredentials second = SelfSignedCertificate.generate("second.example.test");
                install(second);
                hangUp(tern);
                assertThat(tern.awaitLog("TLS certificate reloaded", RELOAD_TIMEOUT)).as(tern.logTail()).isTrue();

                assertThat(fingerprint(startTlsCertificate(tern.inboundPort()))).as("a new STARTTLS session")
                        .isEqualTo(fingerprint(second.certificate()));
                assertThat(startTlsCertificate(tern.outboundPort()).getSubjectX500Principal().getName())
                        .isEqualTo("CN=second.example.test");
                assertThat(fingerprint(TlsClient.servedCertificate("127.0.0.1", tern.smtpsPort())))
                        .as("a new implicit-TLS session").isEqualTo(fingerprint(second.certificate()));

                // the session opened before the reload: its TLS goes on, and its mail is taken
                String id = open.deliver("a@client.test", List.of(address(user)), "Subject: across\r\n\r\nreload\r\n");
                assertThat(fingerprint(peerCertificate(open))).isEqualTo(fingerprint(first.certificate()));
                open.quit();
                Maildirs.Stored stored = Maildirs.parse(Maildirs.awaitOnlyNewFile(tern.mailRoot(), user));
                assertThat(stored.receivedId()).isEqualTo(id);
                assertThat(stored.messageLatin1()).isEqualTo("Subject: across\r\n\r\nreload\r\n");
            }
            assertThat(logAfter(tern, "reloading (SIGHUP)")).as("the user db is read again too")
                    .contains("user db " + tern.usersFile() + " loaded");
            assertThat(tern.isAlive()).isTrue();
        }
    }

    @Test
    void aBadCertificateOnReloadIsLoggedWithItsFileAndTheOldOneStays() throws Exception {
        TlsCredentials good = SelfSignedCertificate.generate("good.example.test");
        try (TernProcess tern = launchServing(good)) {
            String user = tern.newUser("badreload");
            Files.writeString(cert, "-----BEGIN CERTIFICATE-----\ntruncated by a failed renewal\n", StandardCharsets.US_ASCII);
            hangUp(tern);
            assertThat(tern.awaitLog("TLS certificate not reloaded", RELOAD_TIMEOUT)).as(tern.logTail()).isTrue();
            String error = tern.log().lines().filter(line -> line.contains("TLS certificate not reloaded"))
                    .findFirst().orElseThrow();
            assertThat(error).as("the error names the file").contains("ERROR").contains(cert.toString())
                    .contains("CN=good.example.test");

            assertThat(tern.isAlive()).as("a bad certificate does not take the service down").isTrue();
            assertThat(fingerprint(startTlsCertificate(tern.inboundPort()))).as("the old certificate is still served")
                    .isEqualTo(fingerprint(good.certificate()));
            try (SmtpTranscript smtps = SmtpTranscript.connectSmtps(tern).hello()) {
                smtps.deliver("a@client.test", List.of(address(user)), "Subject: still\r\n\r\nfine\r\n");
                smtps.quit();
            }
            Maildirs.awaitOnlyNewFile(tern.mailRoot(), user);

            // the renewal is fixed: the next reload takes it
            TlsCredentials renewed = SelfSignedCertificate.generate("renewed.example.test");
            install(renewed);
            hangUp(tern);
            assertThat(tern.awaitLog("TLS certificate reloaded", RELOAD_TIMEOUT)).as(tern.logTail()).isTrue();
            assertThat(fingerprint(TlsClient.servedCertificate("127.0.0.1", tern.smtpsPort())))
                    .isEqualTo(fingerprint(renewed.certificate()));
        }
    }

    /** As the ACME deploy hook does: each file written aside and renamed into place. */
    private void install(TlsCredentials credentials) throws Exception {
        Path newCert = cert.resolveSibling(".fullchain.pem.new");
        Path newKey = key.resolveSibling(".privkey.pem.new");
        Files.writeString(newCert, PemEncoding.certificates(credentials.chain()), StandardCharsets.US_ASCII);
        Files.writeString(newKey, PemEncoding.pkcs8(credentials.privateKey()), StandardCharsets.US_ASCII);
        Files.move(newCert, cert, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Files.move(newKey, key, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** {@code kill -HUP PID}, as {@code systemctl reload tern} does ({@code ExecReload}). */
    private static void hangUp(TernProcess tern) {
        Exec.Result kill = Exec.run(Duration.ofSeconds(10), "kill", "-HUP", Long.toString(tern.pid()));
        assertThat(kill.exitCode()).as(kill.describe()).isZero();
    }

    private static String logAfter(TernProcess tern, String marker) {
        String log = tern.log();
        int at = log.indexOf(marker);
        assertThat(at).as("'" + marker + "' in the log" + tern.logTail()).isNotNegative();
        return log.substring(at);
    }

    /** Subject and SHA-256 fingerprint: tells certificates apart, and says which one a failure saw. */
    private static String fingerprint(X509Certificate certificate) throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
        return certificate.getSubjectX500Principal().getName() + " SHA256:" + HexFormat.of().formatHex(digest);
    }

    private static X509Certificate peerCertificate(SmtpTranscript smtp) throws SSLPeerUnverifiedException {
        return (X509Certificate) smtp.tlsSession().getPeerCertificates()[0];
    }

    /** The certificate a new STARTTLS session on that port is served. */
    private static X509Certificate startTlsCertificate(int port) throws SSLPeerUnverifiedException {
        try (SmtpTranscript smtp = SmtpTranscript.connect("127.0.0.1", port).hello()) {
            smtp.startTls();
            X509Certificate certificate = peerCertificate(smtp);
            smtp.ehlo("client.test");
            smtp.quit();
            return certificate;
        }
    }
}
