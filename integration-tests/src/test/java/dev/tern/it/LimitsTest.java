package dev.tern.it;

import static dev.tern.it.TernProcess.address;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Size, line-length and recipient limits: refused with the right code, nothing stored, session goes on. */
class LimitsTest {

    static final long MAX_SIZE = 20_000;
    static TernProcess tern;

    @BeforeAll
    static void startTern() {
        tern = TernProcess.launch(new TernProcess.Options().maxMessageSize(MAX_SIZE));
    }

    @AfterAll
    static void stopTern() {
        if (tern != null) {
            tern.close();
        }
    }

    @Test
    void ehloAdvertisesTheConfiguredSize() {
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern)) {
            smtp.greeting();
            assertThat(smtp.ehlo("client.test").lines()).contains("SIZE " + MAX_SIZE);
            smtp.quit();
        }
    }

    @Test
    void theHundredAndFirstRecipientGets452() {
        List<String> users = List.of(tern.newUser("many"), tern.newUser("many"), tern.newUser("many"),
                tern.newUser("many"));
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
            smtp.send("MAIL FROM:<many@client.test>");
            smtp.expect("250");
            // 100 accepted RCPTs (RFC 5321 §4.5.3.1.8: at least 100 must be accepted), cycling over 4 users
            List<String> rcpts = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                rcpts.add("RCPT TO:<" + address(users.get(i % users.size())) + ">");
            }
            smtp.pipeline(rcpts.toArray(String[]::new));
            for (int i = 0; i < 100; i++) {
                smtp.expect("250 2.1.5");
            }
            smtp.send("RCPT TO:<" + address(users.get(0)) + ">");
            smtp.expect("452 4.5.3");
            smtp.send("RCPT TO:<" + address(users.get(1)) + ">");
            smtp.expect("452 4.5.3");
            // the transaction is intact: the 100 accepted recipients get the message
            smtp.send("DATA");
            smtp.expect("354");
            smtp.sendData("Subject: many\r\n\r\nfor many\r\n");
            smtp.expect("250 2.0.0");
            smtp.quit();
        }
        for (String user : users) {
            assertThat(Maildirs.newFiles(tern.mailRoot(), user)).as(user + "'s new/").isNotEmpty().hasSizeLessThanOrEqualTo(25);
        }
    }

    @Test
    void mailWithADeclaredSizeOverTheLimitGets552() {
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
            smtp.send("MAIL FROM:<big@client.test> SIZE=999999999999");
            smtp.expect("552");
            smtp.send("MAIL FROM:<big@client.test> SIZE=" + (MAX_SIZE + 1));
            smtp.expect("552");
            smtp.send("MAIL FROM:<big@client.test> SIZE=" + (MAX_SIZE / 2));
            smtp.expect("250 2.1.0");
            smtp.send("RSET");
            smtp.expect("250");
            smtp.quit();
        }
    }

    @Test
    void aBodyOverTheLimitGets552AfterTheTerminatorAndNothingIsStored() {
        String user = tern.newUser("toobig");
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
            smtp.send("MAIL FROM:<big@client.test>"); // no SIZE: the client does not tell
            smtp.expect("250");
            smtp.send("RCPT TO:<" + address(user) + ">");
            smtp.expect("250");
            smtp.send("DATA");
            smtp.expect("354");
            smtp.sendData(linesOfText(3 * MAX_SIZE));
            smtp.expect("552 5.3.4");
            assertThat(Maildirs.newFiles(tern.mailRoot(), user)).as("new/ after 552").isEmpty();
            assertThat(Maildirs.tmpFiles(tern.mailRoot(), user)).as("tmp/ after 552").isEmpty();
            // the session goes on, and a message within the limit is delivered
            smtp.send("NOOP");
            smtp.expect("250");
            smtp.deliver("small@client.test", List.of(address(user)), linesOfText(MAX_SIZE / 2));
            smtp.quit();
        }
        assertThat(Maildirs.newFiles(tern.mailRoot(), user)).hasSize(1);
    }

    @Test
    void aCommandLineOf512OctetsIsAcceptedAndALongerOneGets500() {
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
            smtp.send("NOOP " + "x".repeat(512 - "NOOP ".length() - 2)); // 512 with CRLF: RFC 5321 §4.5.3.1.4
            smtp.expect("250");
            smtp.send("NOOP " + "x".repeat(1000));
            smtp.expect("500 5.5.2");
            smtp.send("NOOP");
            smtp.expect("250");
            smtp.quit();
        }
    }

    @Test
    void aHundredKilobyteCommandLineGets500AndTheSessionStillWorks() {
        String user = tern.newUser("longline");
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
            smtp.send("MAIL FROM:<" + "a".repeat(100 * 1024) + "@client.test>");
            smtp.expect("500 5.5.2");
            smtp.send("NOOP");
            smtp.expect("250"); // exactly one reply came for the long line
            smtp.deliver("after@client.test", List.of(address(user)), "Subject: after\r\n\r\nstill working\r\n");
            smtp.quit();
        }
        assertThat(Maildirs.parse(Maildirs.awaitOnlyNewFile(tern.mailRoot(), user)).messageLatin1())
                .isEqualTo("Subject: after\r\n\r\nstill working\r\n");
    }

    @Test
    void aTextLineOf1000OctetsIsStoredAndALongerOneIsRefusedWith500() {
        String user = tern.newUser("textline");
        String longest = "y".repeat(998); // 1000 octets with CRLF: RFC 5321 §4.5.3.1.6
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
            smtp.deliver("a@client.test", List.of(address(user)), "Subject: ok\r\n\r\n" + longest + "\r\n");

            smtp.send("MAIL FROM:<a@client.test>");
            smtp.expect("250");
            smtp.send("RCPT TO:<" + address(user) + ">");
            smtp.expect("250");
            smtp.send("DATA");
            smtp.expect("354");
            smtp.sendData("Subject: too long\r\n\r\n" + "z".repeat(5000) + "\r\nnext line\r\n");
            smtp.expect("500 5.5.2");
            smtp.send("NOOP");
            smtp.expect("250");
            smtp.quit();
        }
        List<java.nio.file.Path> files = Maildirs.newFiles(tern.mailRoot(), user);
        assertThat(files).as("only the message with the 1000-octet line").hasSize(1);
        assertThat(Maildirs.parse(files.get(0)).messageLatin1()).isEqualTo("Subject: ok\r\n\r\n" + longest + "\r\n");
        assertThat(Maildirs.tmpFiles(tern.mailRoot(), user)).isEmpty();
    }

    /** Plain-text message content of about {@code size} bytes in 78-character lines. */
    static String linesOfText(long size) {
        StringBuilder text = new StringBuilder("Subject: size test\r\n\r\n");
        int line = 0;
        while (text.length() < size) {
            text.append(String.format("%06d ", line++)).append("abcdefghijklmnopqrstuvwxyz".repeat(3), 0, 71)
                    .append("\r\n");
        }
        return text.toString();
    }
}
