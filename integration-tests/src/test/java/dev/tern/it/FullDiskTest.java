package dev.tern.it;

import static dev.tern.it.TernProcess.address;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * A full disk answers early: with less free space than {@code --min-free-space} on the mail
 * root, spool or queue, MAIL FROM gets 452 4.3.1 (as Postfix's queue_minfree) while the
 * session itself goes on; with the default reserve, mail is accepted.
 */
class FullDiskTest {

    /** A petabyte: more than any test machine has free. */
    static final String MORE_THAN_THE_DISK = "1000000000000000";

    @Test
    void belowTheReserveMailFromGets452ButEhloStillWorks() {
        try (TernProcess tern = TernProcess.launch(new TernProcess.Options().extra("--min-free-space", MORE_THAN_THE_DISK))) {
            String user = tern.addUser("full");
            try (SmtpTranscript smtp = SmtpTranscript.connect(tern)) {
                smtp.greeting();
                assertThat(smtp.ehlo("client.test").lines()).contains("PIPELINING");
                smtp.send("MAIL FROM:<sender@client.test>");
                smtp.expect("452 4.3.1 Insufficient system storage");
                smtp.send("MAIL FROM:<sender@client.test> SIZE=1000");
                smtp.expect("452 4.3.1");
                smtp.send("RCPT TO:<" + address(user) + ">");
                smtp.expect("503"); // no transaction was opened
                smtp.send("NOOP");
                smtp.expect("250");
                smtp.quit();
            }
            assertThat(tern.awaitLog("storage low", Duration.ofSeconds(5))).as("a log line says why" + tern.logTail())
                    .isTrue();
            assertThat(Maildirs.newFiles(tern.mailRoot(), user)).isEmpty();
        }
    }

    @Test
    void withTheDefaultReserveMailIsAccepted() {
        try (TernProcess tern = TernProcess.launch()) {
            String user = tern.addUser("roomy");
            try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
                smtp.deliver("sender@client.test", List.of(address(user)), "Subject: room\r\n\r\nthere is room\r\n");
                smtp.quit();
            }
            assertThat(Maildirs.awaitOnlyNewFile(tern.mailRoot(), user)).exists();
        }
    }

    @Test
    void aDeclaredSizeLargerThanTheFreeSpaceGets452NotTheLimits552() {
        // RFC 1870 §6.1: a size the server cannot take now, but might later, is a temporary 452
        try (TernProcess tern = TernProcess.launch(new TernProcess.Options().maxMessageSize(999_999_999_999_999_999L))) {
            try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
                smtp.send("MAIL FROM:<sender@client.test> SIZE=" + MORE_THAN_THE_DISK);
                smtp.expect("452 4.3.1");
                smtp.send("MAIL FROM:<sender@client.test> SIZE=1000");
                smtp.expect("250 2.1.0");
                smtp.quit();
            }
        }
    }
}
