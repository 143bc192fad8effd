package dev.tern.it;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Properties;

import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SMTPUTF8 (RFC 6531) with real clients: Python's smtplib and Angus Mail send UTF-8 envelopes and
 * headers; the Maildir file holds their bytes exactly, behind a Received: that says UTF8SMTP. A
 * UTF-8 user from the passwd-file is found by the NFC form of the local part, and a U-label
 * domain by its A-label (the local domain is given as xn--bcher-kva.test = bücher.test).
 */
class SmtpUtf8Test {

    private static final String UTF8_DOMAIN = "xn--bcher-kva.test";
    private static TernProcess tern;

    @BeforeAll
    static void start() {
        tern = TernProcess.launch(new TernProcess.Options().extra("-d", UTF8_DOMAIN));
    }

    @AfterAll
    static void stop() {
        if (tern != null) {
            tern.close();
        }
    }

    /** A UTF-8 user as a Dovecot passwd-file may name one (the CLI's names are ASCII), in NFC. */
    private static String utf8User(String nfcName) {
        try {
            Files.writeString(tern.usersFile(), nfcName + ":{PLAIN}secret\n", UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return nfcName;
    }

    private static String utf8(String latin1) {
        return new String(latin1.getBytes(ISO_8859_1), UTF_8);
    }

    static final String SMTPLIB_UTF8 = String.join("\n",
            "import json, smtplib, sys",
            "host, port, envelope, path = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]",
            "env = json.load(open(envelope, encoding='utf-8'))",
            "message = open(path, 'rb').read()",
            "with smtplib.SMTP(host, port, local_hostname='client.test', timeout=30) as smtp:",
            "    refused = smtp.sendmail(env['from'], env['to'], message, mail_options=['SMTPUTF8', 'BODY=8BITMIME'])",
            "    print('refused:', refused)",
            "");

    /** smtplib's sendmail with SMTPUTF8; the envelope goes through a UTF-8 JSON file, not the command line. */
    private static Exec.Result pythonSendmailUtf8(String from, List<String> to, byte[] message) throws IOException {
        Clients.assumePython();
        Path dir = TestDirs.create("utf8-python");
        Path envelope = dir.resolve("envelope.json");
        StringBuilder json = new StringBuilder("{\"from\": \"").append(from).append("\", \"to\": [");
        for (int i = 0; i < to.size(); i++) {
            json.append(i == 0 ? "" : ", ").append('"').append(to.get(i)).append('"');
        }
        Files.writeString(envelope, json.append("]}").toString(), UTF_8);
        Path file = Files.write(dir.resolve("message.eml"), message);
        return Exec.run(Clients.EXTERNAL_TIMEOUT, null, List.of("python3", "-c", SMTPLIB_UTF8, tern.host(),
                Integer.toString(tern.inboundPort()), envelope.toString(), file.toString()));
    }

    @Test
    void pythonSmtplibWithSmtpUtf8DeliversUtf8HeadersByteExactToTheNfcMailbox() throws Exception {
        String user = utf8User("jos\u00e9");
        String decomposed = "jose\u0301@example.test"; // e + combining acute: the same mailbox once composed
        byte[] message = ("From: J\u00f6ran <j\u00f6ran@client.test>\r\nTo: " + decomposed
                + "\r\nSubject: caf\u00e9 \u2615\r\nMessage-ID: <utf8-python@client.test>\r\n\r\n"
                + "D\u00e9j\u00e0 vu, \u65e5\u672c\u8a9e.\r\n").getBytes(UTF_8);

        Exec.Result result = pythonSendmailUtf8("j\u00f6ran@client.test", List.of(decomposed), message);

        assertThat(result.exitCode()).as(result.describe()).isZero();
        assertThat(result.stdout()).as(result.describe()).contains("refused: {}");
        Path file = Maildirs.awaitOnlyNewFile(tern.mailRoot(), user);
        assertThat(file.toString()).contains("/jos\u00e9/new/");
        Maildirs.Stored stored = Maildirs.parse(file);
        assertThat(stored.message()).as("the UTF-8 message byte for byte").isEqualTo(message);
        assertThat(utf8(stored.returnPath())).isEqualTo("<j\u00f6ran@client.test>");
        assertThat(utf8(stored.receivedUnfolded()))
                .contains("by tern.test (Tern) with UTF8SMTP id ")
                .contains("for <" + decomposed + ">");
    }

    @Test
    void angusMailWithAllowUtf8DeliversToAULabelDomain() throws Exception {
        String user = utf8User("\u00fcni");
        Properties props = new Properties();
        props.setProperty("mail.smtp.host", tern.host());
        props.setProperty("mail.smtp.port", Integer.toString(tern.inboundPort()));
        props.setProperty("mail.smtp.localhost", "client.test");
        props.setProperty("mail.smtp.connectiontimeout", "10000");
        props.setProperty("mail.smtp.timeout", "30000");
        props.setProperty("mail.mime.allowutf8", "true");
        props.setProperty("mail.smtp.allow8bitmime", "true");
        Session session = Session.getInstance(props);
        InternetAddress from = new InternetAddress();
        from.setAddress("j\u00f6ran@client.test"); // no parsing: InternetAddress checks UTF-8 by a system property
        InternetAddress to = new InternetAddress();
        to.setAddress("\u00dcNI@B\u00fccher.test");
        MimeMessage message = new MimeMessage(session);
        message.setFrom(from);
        message.setRecipient(Message.RecipientType.TO, to);
        message.setSubject("gr\u00fc\u00dfe", "UTF-8");
        message.setHeader("X-Sender-Name", "J\u00f6ran \u00c5str\u00f6m");
        message.setText("Gr\u00fc\u00dfe aus M\u00fcnchen\r\n", "UTF-8");
        message.saveChanges();

        String lastReply = Clients.angusSend(session, message);

        assertThat(lastReply).startsWith("250 2.0.0 Ok: queued as ");
        Maildirs.Stored stored = Maildirs.parse(Maildirs.awaitOnlyNewFile(tern.mailRoot(), user));
        assertThat(stored.message()).as("the message as Angus Mail sent it").isEqualTo(Clients.bytesOf(message));
        assertThat(new String(stored.message(), UTF_8)).contains("X-Sender-Name: J\u00f6ran \u00c5str\u00f6m\r\n");
        assertThat(utf8(stored.returnPath())).isEqualTo("<j\u00f6ran@client.test>");
        assertThat(utf8(stored.receivedUnfolded())).contains(" with UTF8SMTP id ")
                .contains("for <\u00dcNI@b\u00fccher.test>");
        assertThat(stored.receivedId()).isEqualTo(lastReply.substring(lastReply.lastIndexOf(' ') + 1));
    }

    @Test
    void withoutSmtpUtf8UnicodeAddressesAre553AndBadOctets500() {
        String bob = tern.newUser("bob");
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern)) {
            smtp.greeting();
            assertThat(smtp.ehlo("client.test").lines()).contains("SMTPUTF8");
            smtp.sendRaw("MAIL FROM:<j\u00f6ran@client.test>\r\n".getBytes(UTF_8));
            smtp.expect("553 5.6.7");
            smtp.send("MAIL FROM:<alice@client.test>");
            smtp.expect("250 2.1.0");
            smtp.sendRaw("RCPT TO:<jos\u00e9@example.test>\r\n".getBytes(UTF_8));
            smtp.expect("553 5.6.7");
            smtp.sendRaw("RCPT TO:<jos\u00e9@example.test>\r\n".getBytes(ISO_8859_1)); // Latin-1: not UTF-8
            smtp.expect("500 5.5.2");
            smtp.send("NOOP");
            smtp.expect("250");
            smtp.send("RSET");
            smtp.expect("250");
            smtp.send("MAIL FROM:<alice@client.test> BODY=BINARYMIME");
            smtp.expect("250 2.1.0");
            smtp.send("RCPT TO:<" + TernProcess.address(bob) + ">");
            smtp.expect("250 2.1.5");
            smtp.send("DATA");
            smtp.expect("503 5.5.1");
            smtp.quit();
        }
    }
}
