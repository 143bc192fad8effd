package dev.tern.it;

import static dev.tern.it.TernProcess.address;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;

import org.junit.jupiter.api.Test;

/** Real clients deliver to local users; what lands in the Maildir is checked byte for byte. */
class DeliveryTest extends SharedTern {

    @Test
    void angusMailDeliversToALocalUserByteExact() throws Exception {
        String user = tern.newUser("angus");
        Session session = Clients.angusSession(tern.host(), tern.inboundPort());
        MimeMessage message = Clients.angusMessage(session, "sender@client.test", List.of(address(user)),
                "Hello from Angus", "First line\r\n.starts with a dot\r\nlast line\r\n");

        String lastReply = Clients.angusSend(session, message);

        assertThat(lastReply).as("the reply to the end of DATA").matches("250 2\\.0\\.0 Ok: queued as \\S+");
        String id = lastReply.substring(lastReply.lastIndexOf(' ') + 1);
        Path file = Maildirs.awaitOnlyNewFile(tern.mailRoot(), user);
        Maildirs.Stored stored = Maildirs.parse(file);
        assertThat(stored.returnPath()).isEqualTo("<sender@client.test>");
        assertThat(stored.receivedUnfolded())
                .startsWith("Received: from client.test ")
                .contains("by tern.test (Tern) with ESMTP id " + id)
                .contains("for <" + address(user) + ">");
        assertThat(stored.receivedId()).isEqualTo(id);
        assertThat(stored.message()).as("the message as Angus Mail sent it, after dot-unstuffing")
                .isEqualTo(Clients.bytesOf(message));
        assertThat(Maildirs.maildirSize(file)).as("S= in the file name").isEqualTo(Files.size(file));
        java.util.regex.Matcher name = Maildirs.MAILDIR_NAME.matcher(file.getFileName().toString());
        assertThat(name.matches()).isTrue();
        assertThat(Long.parseLong(name.group(1))).as("unix seconds in the name")
                .isCloseTo(System.currentTimeMillis() / 1000, org.assertj.core.data.Offset.offset(300L));
        assertThat(Long.parseLong(name.group(2))).as("P<pid>: Tern's pid").isEqualTo(tern.pid());
        assertThat(name.group(4)).as("host part of the name").isEqualTo("tern.test");
        assertThat(Maildirs.tmpFiles(tern.mailRoot(), user)).as("tmp/ after delivery").isEmpty();
        assertThat(tern.awaitLog(id, Duration.ofSeconds(5))).as("a log line names the delivered id " + id + tern.logTail())
                .isTrue();
    }

    @Test
    void angusMailToThreeUsersStoresOneCopyInEachMailbox() {
        List<String> users = List.of(tern.newUser("multi"), tern.newUser("multi"), tern.newUser("multi"));
        Session session = Clients.angusSession(tern.host(), tern.inboundPort());
        MimeMessage message = Clients.angusMessage(session, "sender@client.test",
                users.stream().map(TernProcess::address).toList(), "To three", "One body for three mailboxes.\r\n");

        String lastReply = Clients.angusSend(session, message);

        assertThat(lastReply).startsWith("250 2.0.0 Ok: queued as ");
        String id = lastReply.substring(lastReply.lastIndexOf(' ') + 1);
        byte[] sent = Clients.bytesOf(message);
        for (String user : users) {
            List<Path> files = Maildirs.newFiles(tern.mailRoot(), user);
            assertThat(files).as("new/ of " + user).hasSize(1);
            Maildirs.Stored stored = Maildirs.parse(files.get(0));
            assertThat(stored.message()).as("message in " + user + "'s mailbox").isEqualTo(sent);
            assertThat(stored.receivedId()).isEqualTo(id);
            assertThat(stored.receivedUnfolded()).as("no 'for <...>' with several recipients")
                    .doesNotContain("for <");
        }
    }

    @Test
    void swaksDeliversAndExitsZero() {
        String user = tern.newUser("swaks");
        Exec.Result result = Clients.swaks(tern.host(), tern.inboundPort(), "sender@client.test", address(user),
                "swaks subject", "Body sent by swaks");

        assertThat(result.exitCode()).as(result.describe()).isZero();
        assertThat(result.stdout()).contains("250 2.0.0 Ok: queued as ");
        Path file = Maildirs.awaitOnlyNewFile(tern.mailRoot(), user);
        Maildirs.Stored stored = Maildirs.parse(file);
        assertThat(stored.returnPath()).isEqualTo("<sender@client.test>");
        assertThat(stored.messageLatin1()).contains("Subject: swaks subject\r\n").contains("\r\n\r\nBody sent by swaks\r\n");
        assertThat(stored.messageLatin1()).as("only CRLF line ends").doesNotContainPattern("[^\r]\n");
    }

    @Test
    void pythonSmtplibDeliversAnEightBitBodyByteExact() {
        String user = tern.newUser("python");
        byte[] message = eightBitMessage(address(user));

        Exec.Result result = Clients.pythonSendmail(tern.host(), tern.inboundPort(), "py@client.test",
                List.of(address(user)), message);

        assertThat(result.exitCode()).as(result.describe()).isZero();
        assertThat(result.stdout()).as(result.describe()).contains("refused: {}");
        Maildirs.Stored stored = Maildirs.parse(Maildirs.awaitOnlyNewFile(tern.mailRoot(), user));
        assertThat(stored.returnPath()).isEqualTo("<py@client.test>");
        assertThat(stored.message()).as("8-bit message stored byte for byte").isEqualTo(message);
    }

    @Test
    void pythonSmtplibDeliversToSeveralUsers() {
        String alice = tern.newUser("pyalice");
        String bob = tern.newUser("pybob");
        byte[] message = ("From: py@client.test\r\nTo: " + address(alice) + ", " + address(bob)
                + "\r\nSubject: two\r\n\r\nfor two\r\n").getBytes(StandardCharsets.US_ASCII);

        Exec.Result result = Clients.pythonSendmail(tern.host(), tern.inboundPort(), "py@client.test",
                List.of(address(alice), address(bob)), message);

        assertThat(result.exitCode()).as(result.describe()).isZero();
        for (String user : List.of(alice, bob)) {
            assertThat(Maildirs.parse(Maildirs.awaitOnlyNewFile(tern.mailRoot(), user)).message())
                    .as(user + "'s copy").isEqualTo(message);
        }
    }

    @Test
    void pythonSmtplibDeliversAFiveMegabyteMessageByteExact() {
        String user = tern.newUser("large");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(("From: py@client.test\r\nTo: " + address(user) + "\r\nSubject: large\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        java.util.Random random = new java.util.Random(1870);
        while (out.size() < 5 * 1024 * 1024) {
            int length = random.nextInt(990);
            for (int i = 0; i < length; i++) {
                int b = 1 + random.nextInt(255);
                out.write(b == '\r' || b == '\n' ? 'x' : b);
            }
            out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        byte[] message = out.toByteArray();

        Exec.Result result = Clients.pythonSendmail(tern.host(), tern.inboundPort(), "py@client.test",
                List.of(address(user)), message);

        assertThat(result.exitCode()).as(result.describe()).isZero();
        Maildirs.Stored stored = Maildirs.parse(Maildirs.awaitOnlyNewFile(tern.mailRoot(), user));
        assertThat(stored.message().length).isEqualTo(message.length);
        assertThat(stored.message()).as("5 MB of 8-bit lines stored byte for byte").isEqualTo(message);
    }

    /** Headers, then every byte 0x80-0xFF (and printable ASCII) in CRLF lines, plus a line starting with a dot. */
    static byte[] eightBitMessage(String to) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(("From: py@client.test\r\nTo: " + to + "\r\nSubject: eight bit\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: text/plain; charset=ISO-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        for (int start = 0x80; start <= 0xff; start += 32) {
            for (int b = start; b < start + 32; b++) {
                out.write(b);
            }
            out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.writeBytes(".a line that starts with a dot \u00e9\r\n".getBytes(StandardCharsets.ISO_8859_1));
        for (int b = 0x01; b < 0x100; b++) {
            if (b != '\r' && b != '\n') {
                out.write(b);
            }
        }
        out.writeBytes("\r\nend\r\n".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }
}
