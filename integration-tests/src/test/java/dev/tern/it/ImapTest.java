package dev.tern.it;

import static dev.tern.it.TernProcess.address;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What Tern stores is mail a real IMAP server (Dovecot) serves as it is, to a real IMAP client. */
class ImapTest {

    static TernProcess tern;
    static Dovecot dovecot;

    @BeforeAll
    static void start() {
        Dovecot.assumeInstalled();
        tern = TernProcess.launch();
        dovecot = Dovecot.start(tern.mailRoot());
    }

    @AfterAll
    static void stop() {
        try {
            if (dovecot != null) {
                dovecot.close();
            }
        } finally {
            if (tern != null) {
                tern.close();
            }
        }
    }

    @Test
    void angusMailSendsAndImapReadsBackSubjectBodyAndBytes() throws Exception {
        String user = tern.newUser("imap");
        Session session = Clients.angusSession(tern.host(), tern.inboundPort());
        String body = "Grüße over SMTP and back over IMAP.\r\n.dot line\r\n";
        MimeMessage message = Clients.angusMessage(session, "sender@client.test", List.of(address(user)),
                "Round trip \u00e9", body);
        assertThat(Clients.angusSend(session, message)).startsWith("250 2.0.0");
        Path file = Maildirs.awaitOnlyNewFile(tern.mailRoot(), user);
        byte[] onDisk = Maildirs.read(file);

        List<Dovecot.ImapMessage> inbox = dovecot.awaitInbox(user, 1, Duration.ofSeconds(10));

        assertThat(inbox).hasSize(1);
        Dovecot.ImapMessage seen = inbox.get(0);
        assertThat(seen.subject()).isEqualTo("Round trip \u00e9");
        assertThat(seen.from()).isEqualTo("sender@client.test");
        assertThat(seen.content()).isEqualTo(body);
        assertThat(seen.raw()).as("Dovecot serves the stored file as it is").isEqualTo(onDisk);
    }

    @Test
    void eachOfThreeRecipientsReadsTheMessageOverImap() throws Exception {
        List<String> users = List.of(tern.newUser("imapm"), tern.newUser("imapm"), tern.newUser("imapm"));
        Session session = Clients.angusSession(tern.host(), tern.inboundPort());
        MimeMessage message = Clients.angusMessage(session, "sender@client.test",
                users.stream().map(TernProcess::address).toList(), "For all three", "Same body for everyone\r\n");
        assertThat(Clients.angusSend(session, message)).startsWith("250 2.0.0");

        for (String user : users) {
            List<Dovecot.ImapMessage> inbox = dovecot.awaitInbox(user, 1, Duration.ofSeconds(10));
            assertThat(inbox).as(user + "'s INBOX").hasSize(1);
            assertThat(inbox.get(0).subject()).isEqualTo("For all three");
            assertThat(inbox.get(0).content()).isEqualTo("Same body for everyone\r\n");
        }
    }

    @Test
    void swaksDeliversAndDovecotServesIt() throws Exception {
        String user = tern.newUser("imapswaks");
        Exec.Result result = Clients.swaks(tern.host(), tern.inboundPort(), "swaks@client.test", address(user),
                "Via swaks", "Hello from swaks");
        assertThat(result.exitCode()).as(result.describe()).isZero();
        Maildirs.awaitOnlyNewFile(tern.mailRoot(), user);

        List<Dovecot.ImapMessage> inbox = dovecot.awaitInbox(user, 1, Duration.ofSeconds(10));

        assertThat(inbox).hasSize(1);
        assertThat(inbox.get(0).subject()).isEqualTo("Via swaks");
        assertThat(inbox.get(0).content().toString()).contains("Hello from swaks");
        assertThat(inbox.get(0).rawLatin1()).startsWith("Return-Path: <swaks@client.test>\r\nReceived: from client.test");
    }

    @Test
    void anEightBitMessageReachesTheImapClientUnchanged() {
        String user = tern.newUser("imap8bit");
        byte[] message = DeliveryTest.eightBitMessage(address(user));
        Exec.Result result = Clients.pythonSendmail(tern.host(), tern.inboundPort(), "py@client.test",
                List.of(address(user)), message);
        assertThat(result.exitCode()).as(result.describe()).isZero();

        List<Dovecot.ImapMessage> inbox = dovecot.awaitInbox(user, 1, Duration.ofSeconds(10));

        assertThat(inbox).hasSize(1);
        assertThat(Maildirs.parse(inbox.get(0).raw()).message()).isEqualTo(message);
    }

    @Test
    void laterDeliveriesToAMailboxDovecotHasOpenedStillArrive() {
        String user = tern.newUser("imapagain");
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
            smtp.deliver("a@client.test", List.of(address(user)), "Subject: first\r\n\r\none\r\n");
            assertThat(dovecot.awaitInbox(user, 1, Duration.ofSeconds(10))).hasSize(1);
            // the Maildir now belongs to Dovecot's uid and holds its index files: Tern must still deliver
            smtp.deliver("a@client.test", List.of(address(user)), "Subject: second\r\n\r\ntwo\r\n");
            smtp.quit();
        }
        List<Dovecot.ImapMessage> inbox = dovecot.awaitInbox(user, 2, Duration.ofSeconds(10));
        assertThat(inbox).extracting(Dovecot.ImapMessage::subject).containsExactly("first", "second");
    }
}
