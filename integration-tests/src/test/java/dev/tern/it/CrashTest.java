package dev.tern.it;

import static dev.tern.it.TernProcess.address;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** kill -9: every message that got its 250 is there after a restart; half-received ones are not. */
class CrashTest {

    @Test
    void acknowledgedMessagesSurviveKillNineAndAHalfReceivedOneLeavesNoTrace() {
        try (TernProcess tern = TernProcess.launch()) {
            String user = tern.newUser("crash");
            Set<String> acknowledged = new HashSet<>();
            try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
                for (int n = 0; n < 10; n++) {
                    String content = "Subject: durable " + n + "\r\n\r\n" + n + "\r\n";
                    smtp.deliver("c@client.test", List.of(address(user)), content);
                    acknowledged.add(content);
                }
            }
            SmtpTranscript half = SmtpTranscript.connect(tern).hello();
            half.pipeline("MAIL FROM:<c@client.test>", "RCPT TO:<" + address(user) + ">", "DATA");
            half.expect("250", "250", "354");
            half.sendRaw(LimitsTest.linesOfText(100_000).getBytes(StandardCharsets.US_ASCII));

            assertThat(tern.kill()).as("exit code of a SIGKILLed JVM").isEqualTo(137);
            half.close();

            tern.start();
            List<Path> files = Maildirs.newFiles(tern.mailRoot(), user);
            Set<String> stored = new HashSet<>();
            files.forEach(f -> stored.add(Maildirs.parse(f).messageLatin1()));
            assertThat(stored).as("messages after kill -9 and restart").isEqualTo(acknowledged);
            assertThat(files).hasSize(10);
            assertThat(Maildirs.tmpFiles(tern.mailRoot(), user)).as("tmp/ after restart").isEmpty();

            try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
                smtp.deliver("c@client.test", List.of(address(user)), "Subject: after\r\n\r\nafter\r\n");
                smtp.quit();
            }
            assertThat(Maildirs.newFiles(tern.mailRoot(), user)).hasSize(11);
        }
    }

    @Test
    void theNumberedStoreHasNoGapAfterKillNine() {
        try (TernProcess tern = TernProcess.launch(new TernProcess.Options().numberedStore())) {
            String user = tern.newUser("crashnum");
            try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
                for (int n = 1; n <= 3; n++) {
                    smtp.deliver("c@client.test", List.of(address(user)), "Subject: " + n + "\r\n\r\n" + n + "\r\n");
                }
            }
            SmtpTranscript half = SmtpTranscript.connect(tern).hello();
            half.pipeline("MAIL FROM:<c@client.test>", "RCPT TO:<" + address(user) + ">", "DATA");
            half.expect("250", "250", "354");
            half.sendRaw("Subject: never finished\r\n\r\npartial");
            tern.kill();
            half.close();

            tern.start();
            try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
                smtp.deliver("c@client.test", List.of(address(user)), "Subject: 4\r\n\r\n4\r\n");
                smtp.quit();
            }
            NumberedStoreTest.assertNumberedUpTo(tern.mailRoot().resolve(user), 4);
            assertThat(Maildirs.parse(tern.mailRoot().resolve(user).resolve("4")).messageLatin1())
                    .isEqualTo("Subject: 4\r\n\r\n4\r\n");
        }
    }
}
