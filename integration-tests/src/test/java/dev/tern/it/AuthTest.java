package dev.tern.it;

import static dev.tern.it.TernProcess.address;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SMTP AUTH (RFC 4954) over raw sockets: only inside TLS, PLAIN and LOGIN, the replies for
 * wrong and right passwords, the relay decision it changes, and password hashes written by
 * Dovecot's doveadm. Failures are kept to two per Tern: each one from 127.0.0.1 doubles the
 * server's delay before the next 535.
 */
class AuthTest {

    static final String PASSWORD = "correct horse battery staple";

    static TernProcess tern;
    static String alice;

    @BeforeAll
    static void startTern() {
        tern = TernProcess.launch();
        alice = tern.addUser("alice", PASSWORD);
    }

    @AfterAll
    static void stopTern() {
        if (tern != null) {
            tern.close();
        }
    }

    /** Greeting, EHLO, STARTTLS, EHLO again. */
    private static SmtpTranscript tlsSession() {
        SmtpTranscript smtp = SmtpTranscript.connect(tern).hello();
        smtp.startTls();
        smtp.ehlo("client.test");
        return smtp;
    }

    @Test
    void authInClearIsRefusedWith538AndNotAdvertised() {
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern)) {
            smtp.greeting();
            assertThat(smtp.ehlo("client.test").lines()).noneMatch(line -> line.startsWith("AUTH"));
            smtp.send("AUTH PLAIN " + TlsClient.plain(alice, PASSWORD));
            smtp.expect("538 5.7.11");
            smtp.send("AUTH LOGIN");
            smtp.expect("538 5.7.11");
            // and it did not authenticate: no relaying
            smtp.send("MAIL FROM:<alice@client.test>");
            smtp.expect("250");
            smtp.send("RCPT TO:<x@remote.test>");
            smtp.expect("550 5.7.1");
            smtp.quit();
        }
    }

    @Test
    void authPlainWithTheRightPasswordGets235AndMayRelay() {
        try (SmtpTranscript smtp = tlsSession()) {
            smtp.send("AUTH PLAIN " + TlsClient.plain(alice, PASSWORD));
            smtp.expect("235 2.7.0");
            smtp.send("AUTH PLAIN " + TlsClient.plain(alice, PASSWORD));
            smtp.expect("503"); // RFC 4954 §4: no second AUTH in a session
            smtp.send("MAIL FROM:<alice@example.test>");
            smtp.expect("250 2.1.0");
            smtp.send("RCPT TO:<x@remote.test>");
            smtp.expect("250 2.1.5"); // authenticated: relaying is allowed
            smtp.quit();
        }
    }

    @Test
    void theSameRemoteRecipientWithoutAuthIsRefusedEvenInsideTls() {
        try (SmtpTranscript smtp = tlsSession()) {
            smtp.send("MAIL FROM:<alice@example.test>");
            smtp.expect("250 2.1.0");
            smtp.send("RCPT TO:<x@remote.test>");
            smtp.expect("550 5.7.1");
            smtp.quit();
        }
    }

    @Test
    void authPlainWithTheResponseOnItsOwnLine() {
        try (SmtpTranscript smtp = tlsSession()) {
            smtp.send("AUTH PLAIN");
            smtp.expect("334");
            smtp.send(TlsClient.plain(alice, PASSWORD));
            smtp.expect("235 2.7.0");
            smtp.quit();
        }
    }

    @Test
    void authLoginAsksForNameAndPassword() {
        try (SmtpTranscript smtp = tlsSession()) {
            smtp.send("AUTH LOGIN");
            assertThat(smtp.expect("334").text()).isEqualTo(TlsClient.base64("Username:"));
            smtp.send(TlsClient.base64(alice));
            assertThat(smtp.expect("334").text()).isEqualTo(TlsClient.base64("Password:"));
            smtp.send(TlsClient.base64(PASSWORD));
            smtp.expect("235 2.7.0");
            smtp.quit();
        }
    }

    @Test
    void aCancelledExchangeGets501() {
        try (SmtpTranscript smtp = tlsSession()) {
            smtp.send("AUTH LOGIN");
            smtp.expect("334");
            smtp.send("*");
            smtp.expect("501");
            smtp.send("NOOP");
            smtp.expect("250");
            smtp.quit();
        }
    }

    @Test
    void aWrongPasswordGets535AfterADelayAndDoesNotAuthenticate() {
        try (SmtpTranscript smtp = tlsSession()) {
            long started = System.nanoTime();
            smtp.send("AUTH PLAIN " + TlsClient.plain(alice, "wrong password"));
            smtp.expect("535 5.7.8");
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            assertThat(took).as("the failure delay").isGreaterThanOrEqualTo(Duration.ofMillis(400));
            smtp.send("MAIL FROM:<alice@example.test>");
            smtp.expect("250");
            smtp.send("RCPT TO:<x@remote.test>");
            smtp.expect("550 5.7.1");
            smtp.send("RSET");
            smtp.expect("250");
            // the right password afterwards, in the same session, is accepted (and resets the delay)
            smtp.send("AUTH PLAIN " + TlsClient.plain(alice, PASSWORD));
            smtp.expect("235 2.7.0");
            smtp.quit();
        }
    }

    @Test
    void anAuthenticatedSessionDeliversLocallyWithEsmtpsaInReceived() {
        String bob = tern.newUser("bob");
        try (SmtpTranscript smtp = tlsSession()) {
            smtp.send("AUTH PLAIN " + TlsClient.plain(alice, PASSWORD));
            smtp.expect("235 2.7.0");
            String id = smtp.deliver("alice@example.test", List.of(address(bob)), "Subject: authed\r\n\r\nx\r\n");
            smtp.quit();
            Maildirs.Stored stored = Maildirs.parse(Maildirs.awaitOnlyNewFile(tern.mailRoot(), bob));
            assertThat(stored.receivedUnfolded()).contains("(authenticated as alice)").contains("(using TLSv1.")
                    .contains("with ESMTPSA id " + id);
        }
    }

    @Test
    void authOnTheSmtpsPortLetsARemoteRecipientThrough() {
        try (SmtpTranscript smtp = SmtpTranscript.connectSmtps(tern).hello()) {
            smtp.send("MAIL FROM:<alice@example.test>");
            smtp.expect("250");
            smtp.send("RCPT TO:<x@remote.test>");
            smtp.expect("550 5.7.1");
            smtp.send("RSET");
            smtp.expect("250");
            smtp.send("AUTH PLAIN " + TlsClient.plain(alice, PASSWORD));
            smtp.expect("235 2.7.0");
            smtp.send("MAIL FROM:<alice@example.test>");
            smtp.expect("250");
            smtp.send("RCPT TO:<x@remote.test>");
            smtp.expect("250 2.1.5");
            smtp.quit();
        }
    }

    @Test
    void theOutboundListenerTakesAnyRecipientWithoutAuth() {
        try (SmtpTranscript smtp = SmtpTranscript.connectOutbound(tern).hello()) {
            smtp.send("AUTH PLAIN " + TlsClient.plain(alice, PASSWORD));
            smtp.expect("538 5.7.11"); // AUTH needs TLS here too
            smtp.send("MAIL FROM:<alice@example.test>");
            smtp.expect("250");
            smtp.send("RCPT TO:<x@remote.test>");
            smtp.expect("250 2.1.5");
            smtp.quit();
        }
    }

    @Test
    void aPasswordSetWithUserPasswdIsUsedAtOnce() {
        String carol = tern.addUser("carol", "first password");
        Exec.Result passwd = tern.admin("second password\n".getBytes(StandardCharsets.UTF_8), "user", "passwd", carol,
                "--password-stdin");
        assertThat(passwd.exitCode()).as(passwd.describe()).isZero();
        try (SmtpTranscript smtp = tlsSession()) {
            smtp.send("AUTH PLAIN " + TlsClient.plain(carol, "second password"));
            smtp.expect("235 2.7.0");
            smtp.quit();
        }
    }

    /** A users-file line as Dovecot writes it ({@code doveadm pw}), appended while Tern runs. */
    @ParameterizedTest
    @ValueSource(strings = {"ARGON2ID", "BLF-CRYPT", "SHA512-CRYPT", "SHA256-CRYPT"})
    void aDoveadmHashAppendedToTheUsersFileAuthenticates(String scheme) {
        Assumptions.assumeTrue(Exec.onPath("doveadm"), "doveadm is not installed (dovecot-core; .ci/run installs it)");
        String password = "pw-" + scheme.toLowerCase();
        Exec.Result pw = Exec.run(Duration.ofSeconds(30), "doveadm", "pw", "-s", scheme, "-p", password);
        Assumptions.assumeTrue(pw.exitCode() == 0, "doveadm cannot make " + scheme + " hashes: " + pw.describe());
        String hash = pw.stdout().strip();
        assertThat(hash).startsWith("{" + scheme + "}");
        String user = "dove" + scheme.toLowerCase().replace("-", "");
        try {
            Files.writeString(tern.usersFile(), user + ":" + hash + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (SmtpTranscript smtp = tlsSession()) {
            smtp.send("AUTH PLAIN " + TlsClient.plain(user, password));
            smtp.expect("235 2.7.0");
            smtp.send("MAIL FROM:<" + user + "@example.test>");
            smtp.expect("250");
            smtp.send("RCPT TO:<x@remote.test>");
            smtp.expect("250 2.1.5");
            smtp.quit();
        }
    }
}
