package dev.tern.it;

import static dev.tern.it.TernProcess.address;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.MimeMessage;

import org.eclipse.angus.mail.smtp.SMTPTransport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Real clients over TLS with AUTH: Python's smtplib (STARTTLS and SMTP_SSL), swaks, curl,
 * msmtp and Angus Mail. Each sends as the user alice to a fresh local recipient; the stored
 * copy's Received: must name TLS and the authenticated user (ESMTPSA).
 */
class TlsClientsTest {

    static final String PASSWORD = "Tr0ub4dor &3";

    static TernProcess tern;
    static String alice;
    static Path work;

    @BeforeAll
    static void startTern() {
        tern = TernProcess.launch();
        alice = tern.addUser("alice", PASSWORD);
        work = TestDirs.create("clients");
    }

    @AfterAll
    static void stopTern() {
        if (tern != null) {
            tern.close();
        }
        TestDirs.deleteQuietly(work);
    }

    private static Path write(String name, byte[] content) {
        try {
            Path file = work.resolve(name);
            Files.write(file, content);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The one message in the user's new/, checked for TLS and AUTH in its Received header; returns its body. */
    private static Maildirs.Stored assertStoredOverTlsAsAlice(String user) {
        Maildirs.Stored stored = Maildirs.parse(Maildirs.awaitOnlyNewFile(tern.mailRoot(), user));
        assertThat(stored.receivedUnfolded()).as(tern.logTail())
                .containsPattern("\\(using TLSv1\\.[23] with cipher \\S+\\)")
                .contains("(authenticated as alice)")
                .contains(" with ESMTPSA id ");
        return stored;
    }

    static final String SMTPLIB_TLS_SCRIPT = String.join("\n",
            "import smtplib, ssl, sys",
            "mode, host, port, user, password, sender, path = sys.argv[1:8]",
            "recipients = sys.argv[8:]",
            "message = open(path, 'rb').read()",
            "context = ssl._create_unverified_context()",
            "if mode == 'starttls':",
            "    smtp = smtplib.SMTP(host, int(port), local_hostname='client.test', timeout=30)",
            "    smtp.ehlo()",
            "    assert smtp.has_extn('starttls'), 'no STARTTLS in ' + repr(smtp.esmtp_features)",
            "    assert not smtp.has_extn('auth'), 'AUTH offered in clear'",
            "    smtp.starttls(context=context)",
            "else:",
            "    smtp = smtplib.SMTP_SSL(host, int(port), local_hostname='client.test', timeout=30, context=context)",
            "with smtp:",
            "    smtp.ehlo()",
            "    print('auth:', smtp.esmtp_features.get('auth', '').strip())",
            "    print('tls:', smtp.sock.version())",
            "    smtp.login(user, password)",
            "    refused = smtp.sendmail(sender, recipients, message)",
            "    print('refused:', refused)",
            "");

    private static Exec.Result smtplib(String mode, int port, List<String> recipients, byte[] message) {
        Clients.assumePython();
        Path file = write("python-" + mode + ".eml", message);
        List<String> command = new ArrayList<>(List.of("python3", "-c", SMTPLIB_TLS_SCRIPT, mode, "127.0.0.1",
                Integer.toString(port), alice, PASSWORD, "alice@example.test", file.toString()));
        command.addAll(recipients);
        return Exec.run(Clients.EXTERNAL_TIMEOUT, null, command);
    }

    @Test
    void pythonSmtplibStartTlsLoginSendmail() {
        String user = tern.newUser("pystarttls");
        byte[] message = "Subject: python starttls\r\n\r\nover STARTTLS\r\n".getBytes(StandardCharsets.US_ASCII);
        // an authenticated client may relay: the remote recipient is queued, nothing is refused
        Exec.Result result = smtplib("starttls", tern.inboundPort(), List.of(address(user), "x@remote.test"), message);
        assertThat(result.exitCode()).as(result.describe()).isZero();
        assertThat(result.stdout()).as(result.describe()).contains("auth: PLAIN LOGIN")
                .containsPattern("tls: TLSv1\\.[23]").contains("refused: {}");
        assertThat(assertStoredOverTlsAsAlice(user).messageLatin1()).isEqualTo("Subject: python starttls\r\n\r\nover STARTTLS\r\n");
    }

    @Test
    void pythonSmtplibSmtpSslLoginSendmail() {
        String user = tern.newUser("pysmtps");
        byte[] message = "Subject: python smtps\r\n\r\nimplicit TLS\r\n".getBytes(StandardCharsets.US_ASCII);
        Exec.Result result = smtplib("ssl", tern.smtpsPort(), List.of(address(user)), message);
        assertThat(result.exitCode()).as(result.describe()).isZero();
        assertThat(result.stdout()).as(result.describe()).contains("refused: {}");
        assertThat(assertStoredOverTlsAsAlice(user).messageLatin1()).isEqualTo("Subject: python smtps\r\n\r\nimplicit TLS\r\n");
    }

    @Test
    void swaksStartTlsWithoutAuthDeliversLocally() {
        String user = tern.newUser("swakstls");
        Exec.Result result = Clients.swaks("127.0.0.1", tern.inboundPort(), "someone@client.test", address(user),
                "swaks tls", "over STARTTLS", "--tls");
        assertThat(result.exitCode()).as(result.describe()).isZero();
        assertThat(result.stdout()).as(result.describe()).contains("STARTTLS").contains("TLS started");
        Maildirs.Stored stored = Maildirs.parse(Maildirs.awaitOnlyNewFile(tern.mailRoot(), user));
        assertThat(stored.receivedUnfolded()).contains("(using TLSv1.").contains(" with ESMTPS id ")
                .doesNotContain("authenticated");
    }

    @Test
    void swaksStartTlsWithAuthLogin() {
        String user = tern.newUser("swakslogin");
        Exec.Result result = Clients.swaks("127.0.0.1", tern.inboundPort(), "alice@example.test", address(user),
                "swaks login", "AUTH LOGIN", "--tls", "--auth", "LOGIN", "--auth-user", alice,
                "--auth-password", PASSWORD);
        assertThat(result.exitCode()).as(result.describe()).isZero();
        assertThat(result.stdout()).as(result.describe()).contains("235 2.7.0");
        assertStoredOverTlsAsAlice(user);
    }

    @Test
    void swaksTlsOnConnectWithAuthPlain() {
        String user = tern.newUser("swakssmtps");
        Exec.Result result = Clients.swaks("127.0.0.1", tern.smtpsPort(), "alice@example.test", address(user),
                "swaks smtps", "implicit TLS", "--tls-on-connect", "--auth", "PLAIN", "--auth-user", alice,
                "--auth-password", PASSWORD);
        assertThat(result.exitCode()).as(result.describe()).isZero();
        assertThat(result.stdout()).as(result.describe()).contains("235 2.7.0");
        assertStoredOverTlsAsAlice(user);
    }

    @Test
    void swaksWithAWrongPasswordFails() {
        String user = tern.newUser("swakswrong");
        Exec.Result result = Clients.swaks("127.0.0.1", tern.smtpsPort(), "alice@example.test", address(user),
                "swaks wrong", "no", "--tls-on-connect", "--auth", "PLAIN", "--auth-user", alice,
                "--auth-password", "not the password");
        assertThat(result.exitCode()).as(result.describe()).isNotZero();
        assertThat(result.stdout()).as(result.describe()).contains("535 5.7.8");
        assertThat(Maildirs.newFiles(tern.mailRoot(), user)).isEmpty();
    }

    private static void assumeCurl() {
        Assumptions.assumeTrue(Exec.onPath("curl"), "curl is not installed (.ci/run installs it)");
    }

    @Test
    void curlStartTlsWithAuth() {
        assumeCurl();
        String user = tern.newUser("curl");
        Path file = write("curl.eml", "From: alice@example.test\r\nSubject: curl\r\n\r\nsent by curl\r\n"
                .getBytes(StandardCharsets.US_ASCII));
        Exec.Result result = Exec.run(Clients.EXTERNAL_TIMEOUT, null, List.of("curl", "--silent", "--show-error",
                "--verbose", "--ssl-reqd", "--insecure", "--max-time", "30",
                "smtp://127.0.0.1:" + tern.inboundPort() + "/client.test",
                "--mail-from", "alice@example.test", "--mail-rcpt", address(user),
                "--upload-file", file.toString(), "--user", alice + ":" + PASSWORD));
        assertThat(result.exitCode()).as(result.describe()).isZero();
        assertThat(result.stderr()).as(result.describe()).contains("STARTTLS").contains("235 2.7.0");
        assertThat(assertStoredOverTlsAsAlice(user).messageLatin1()).contains("sent by curl");
    }

    @Test
    void curlImplicitTlsWithAuth() {
        assumeCurl();
        String user = tern.newUser("curlsmtps");
        Path file = write("curls.eml", "Subject: curl smtps\r\n\r\nsent by curl\r\n".getBytes(StandardCharsets.US_ASCII));
        Exec.Result result = Exec.run(Clients.EXTERNAL_TIMEOUT, null, List.of("curl", "--silent", "--show-error",
                "--verbose", "--insecure", "--max-time", "30", "smtps://127.0.0.1:" + tern.smtpsPort() + "/client.test",
                "--mail-from", "alice@example.test", "--mail-rcpt", address(user),
                "--upload-file", file.toString(), "--user", alice + ":" + PASSWORD));
        assertThat(result.exitCode()).as(result.describe()).isZero();
        assertStoredOverTlsAsAlice(user);
    }

    private static Exec.Result msmtp(int port, boolean startTls, String recipient, byte[] message) {
        Assumptions.assumeTrue(Exec.onPath("msmtp"), "msmtp is not installed (apt-get install msmtp; .ci/run does)");
        Path passwordFile = write("msmtp-password", PASSWORD.getBytes(StandardCharsets.UTF_8));
        Path config = write("msmtprc", new byte[0]); // no system or user configuration
        try {
            Files.setPosixFilePermissions(config, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Exec.run(Clients.EXTERNAL_TIMEOUT, message, List.of("msmtp", "--file=" + config,
                "--host=127.0.0.1", "--port=" + port, "--domain=client.test", "--timeout=15",
                "--tls=on", "--tls-starttls=" + (startTls ? "on" : "off"), "--tls-certcheck=off",
                "--auth=on", "--user=" + alice, "--passwordeval=cat " + passwordFile,
                "--from=alice@example.test", "--debug", recipient));
    }

    @Test
    void msmtpStartTlsWithAuth() {
        String user = tern.newUser("msmtp");
        Exec.Result result = msmtp(tern.inboundPort(), true, address(user),
                "Subject: msmtp\r\n\r\nsent by msmtp\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(result.exitCode()).as(result.describe()).isZero();
        assertThat(assertStoredOverTlsAsAlice(user).messageLatin1()).contains("sent by msmtp");
    }

    @Test
    void msmtpImplicitTlsWithAuth() {
        String user = tern.newUser("msmtps");
        Exec.Result result = msmtp(tern.smtpsPort(), false, address(user),
                "Subject: msmtp smtps\r\n\r\nsent by msmtp\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(result.exitCode()).as(result.describe()).isZero();
        assertStoredOverTlsAsAlice(user);
    }

    private static Session angus(int port, boolean implicitTls) {
        Session base = Clients.angusSession("127.0.0.1", port);
        Properties props = new Properties();
        props.putAll(base.getProperties());
        props.setProperty("mail.smtp.auth", "true");
        props.setProperty("mail.smtp.ssl.trust", "*");
        if (implicitTls) {
            props.setProperty("mail.smtp.ssl.enable", "true");
        } else {
            props.setProperty("mail.smtp.starttls.enable", "true");
            props.setProperty("mail.smtp.starttls.required", "true");
        }
        return Session.getInstance(props);
    }

    private static String angusSend(Session session, MimeMessage message) {
        try (Transport transport = session.getTransport("smtp")) {
            transport.connect(alice, PASSWORD);
            assertThat(((SMTPTransport) transport).getExtensionParameter("AUTH")).contains("PLAIN");
            transport.sendMessage(message, message.getAllRecipients());
            return ((SMTPTransport) transport).getLastServerResponse().strip();
        } catch (MessagingException e) {
            throw new AssertionError("Angus Mail could not send: " + e + tern.logTail(), e);
        }
    }

    @Test
    void angusMailStartTlsRequiredWithAuth() {
        String user = tern.newUser("angustls");
        Session session = angus(tern.inboundPort(), false);
        MimeMessage message = Clients.angusMessage(session, "alice@example.test", List.of(address(user)),
                "angus starttls", "sent by Angus Mail");
        assertThat(angusSend(session, message)).startsWith("250 2.0.0");
        assertThat(assertStoredOverTlsAsAlice(user).messageLatin1()).contains("sent by Angus Mail");
    }

    @Test
    void angusMailImplicitTlsWithAuth() {
        String user = tern.newUser("angussmtps");
        Session session = angus(tern.smtpsPort(), true);
        MimeMessage message = Clients.angusMessage(session, "alice@example.test", List.of(address(user)),
                "angus smtps", "sent by Angus Mail over smtps");
        assertThat(angusSend(session, message)).startsWith("250 2.0.0");
        assertStoredOverTlsAsAlice(user);
    }

    @Test
    void angusMailWithAWrongPasswordIsRefused() {
        Session session = angus(tern.inboundPort(), false);
        try (Transport transport = session.getTransport("smtp")) {
            transport.connect(alice, "wrong");
            throw new AssertionError("Angus Mail connected with a wrong password");
        } catch (jakarta.mail.AuthenticationFailedException expected) {
            assertThat(expected.getMessage()).contains("535 5.7.8");
        } catch (MessagingException e) {
            throw new AssertionError(e);
        }
    }
}
