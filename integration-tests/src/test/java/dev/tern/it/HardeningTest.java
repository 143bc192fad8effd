package dev.tern.it;

import static dev.tern.it.TernProcess.address;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Hostile and broken clients: nothing bogus is stored, the server keeps serving everyone else. */
class HardeningTest extends SharedTern {

    @AfterEach
    void serverStillAlive() {
        assertThat(tern.isAlive()).as("Tern is still running" + tern.logTail()).isTrue();
    }

    @Test
    void bareLineFeedInDataGets550AfterTheTerminatorAndNothingIsStored() {
        String user = tern.newUser("barelf");
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
            smtp.pipeline("MAIL FROM:<a@client.test>", "RCPT TO:<" + address(user) + ">", "DATA");
            smtp.expect("250", "250", "354");
            smtp.sendRaw("Subject: bare\r\n\r\nline one\nline two\r\n.\r\n");
            smtp.expect("550 5.5.2");
            smtp.send("NOOP");
            smtp.expect("250");
            smtp.quit();
        }
        assertThat(Maildirs.newFiles(tern.mailRoot(), user)).isEmpty();
        assertThat(Maildirs.tmpFiles(tern.mailRoot(), user)).isEmpty();
    }

    /**
     * SMTP smuggling: an end-of-data look-alike with a bare LF or CR inside the content,
     * followed by a second transaction. Only CRLF.CRLF ends the data; the whole thing is
     * one message with bare line ends, refused; the smuggled commands are never run.
     */
    @ParameterizedTest(name = "fake terminator {0}")
    @ValueSource(strings = {"\\n.\\n", "\\n.\\r\\n", "\\r\\n.\\n", "\\r.\\r\\n", "\\r\\n.\\r"})
    void aSmuggledSecondMessageAfterAFakeTerminatorIsNotDelivered(String shape) {
        String fake = shape.replace("\\r", "\r").replace("\\n", "\n");
        String user = tern.newUser("smuggle");
        String victim = tern.newUser("victim");
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
            smtp.pipeline("MAIL FROM:<a@client.test>", "RCPT TO:<" + address(user) + ">", "DATA");
            smtp.expect("250", "250", "354");
            smtp.sendRaw("Subject: innocent\r\n\r\nhello" + fake
                    + "MAIL FROM:<spoofed@bank.test>\r\n"
                    + "RCPT TO:<" + address(victim) + ">\r\n"
                    + "DATA\r\n"
                    + "From: ceo@bank.test\r\nSubject: smuggled\r\n\r\nwire the money\r\n"
                    + ".\r\n");
            smtp.expect("550 5.5.2");
            smtp.send("NOOP");
            smtp.expect("250 2.0.0 Ok"); // the next reply answers our NOOP, not a smuggled command
            smtp.quit();
        }
        assertThat(Maildirs.newFiles(tern.mailRoot(), victim)).as("victim's new/").isEmpty();
        assertThat(Maildirs.newFiles(tern.mailRoot(), user)).as("sender's recipient new/").isEmpty();
        assertThat(Maildirs.tmpFiles(tern.mailRoot(), user)).isEmpty();
    }

    @Test
    void threeErrorsInARowGet421AndTheConnectionIsClosed() {
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
            smtp.send("FOO");
            smtp.expect("500");
            smtp.send("BAR");
            smtp.expect("500");
            smtp.send("BAZ");
            smtp.expect("500"); // the third error's own reply comes first
            smtp.expect("421");
            smtp.expectClosed();
        }
    }

    @Test
    void errorsSeparatedBySuccessesDoNotCloseTheSession() {
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
            for (int i = 0; i < 4; i++) {
                smtp.send("FOO");
                smtp.expect("500");
                smtp.send("BAR");
                smtp.expect("500");
                smtp.send("NOOP");
                smtp.expect("250");
            }
            smtp.quit();
        }
    }

    @Test
    void anHttpRequestGets421AndIsClosed() {
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern)) {
            smtp.greeting();
            smtp.send("GET / HTTP/1.1");
            smtp.expect("421");
            smtp.expectClosed();
        }
    }

    @Test
    void anHttpPostBeforeEhloGets421AndIsClosed() {
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern)) {
            smtp.greeting();
            smtp.send("POST /submit HTTP/1.0");
            smtp.expect("421");
            smtp.expectClosed();
        }
    }

    @Test
    void aMegabyteOfRandomBytesDoesNotStopTheServer() throws Exception {
        byte[] noise = new byte[1024 * 1024];
        new Random(5321).nextBytes(noise);
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(tern.host(), tern.inboundPort()), 10_000);
            socket.setSoTimeout(20_000);
            // the server may close early (too many errors): a failed write is fine, a hang is not
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    OutputStream out = socket.getOutputStream();
                    for (int off = 0; off < noise.length; off += 16 * 1024) {
                        out.write(noise, off, 16 * 1024);
                    }
                    out.flush();
                } catch (IOException closedByServer) {
                    // expected when Tern gives up on this client
                }
            });
            byte[] sink = new byte[8192];
            try {
                while (socket.getInputStream().read(sink) != -1) {
                    // drain whatever the server answers until it closes
                }
            } catch (IOException resetOrTimeout) {
                // reset by the server, or it kept the connection: either way it must still serve others
            }
            writer.get(30, TimeUnit.SECONDS);
        }
        String user = tern.newUser("afternoise");
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern)) {
            assertThat(smtp.greeting().lastLine()).isEqualTo("220 tern.test ESMTP Tern");
            smtp.ehlo("client.test");
            smtp.deliver("a@client.test", List.of(address(user)), "Subject: after noise\r\n\r\nfine\r\n");
            smtp.quit();
        }
        Maildirs.awaitOnlyNewFile(tern.mailRoot(), user);
    }

    @Test
    void aClientDroppingMidDataLeavesNothingInTheMailbox() {
        String user = tern.newUser("dropped");
        SmtpTranscript smtp = SmtpTranscript.connect(tern).hello();
        smtp.pipeline("MAIL FROM:<a@client.test>", "RCPT TO:<" + address(user) + ">", "DATA");
        smtp.expect("250", "250", "354");
        smtp.sendRaw(LimitsTest.linesOfText(200_000).getBytes(StandardCharsets.US_ASCII)); // no terminator
        smtp.abort();

        // give a wrong implementation time to store the partial message, then look
        TernProcess.sleep(1500);
        assertThat(Maildirs.newFiles(tern.mailRoot(), user)).as("new/ after the client vanished").isEmpty();
        assertThat(Maildirs.tmpFiles(tern.mailRoot(), user)).as("tmp/ after the client vanished").isEmpty();
        assertThat(Maildirs.curFiles(tern.mailRoot(), user)).isEmpty();

        // and the same mailbox still takes mail, exactly one message
        try (SmtpTranscript next = SmtpTranscript.connect(tern).hello()) {
            next.deliver("b@client.test", List.of(address(user)), "Subject: complete\r\n\r\ncomplete\r\n");
            next.quit();
        }
        assertThat(Maildirs.newFiles(tern.mailRoot(), user)).hasSize(1);
    }

    @Test
    void aClientClosingCleanlyMidDataLeavesNothingEither() {
        String user = tern.newUser("halfclose");
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
            smtp.pipeline("MAIL FROM:<a@client.test>", "RCPT TO:<" + address(user) + ">", "DATA");
            smtp.expect("250", "250", "354");
            smtp.sendRaw("Subject: cut\r\n\r\nthe end never comes\r\n");
        } // FIN, not RST
        TernProcess.sleep(1500);
        assertThat(Maildirs.newFiles(tern.mailRoot(), user)).isEmpty();
        assertThat(Maildirs.tmpFiles(tern.mailRoot(), user)).isEmpty();
    }

    @Test
    void aSlowClientDoesNotBlockAnotherSession() {
        String user = tern.newUser("fast");
        try (SmtpTranscript slow = SmtpTranscript.connect(tern).hello()) {
            slow.sendRaw("MAIL FRO"); // half a command, then silence

            long started = System.nanoTime();
            try (SmtpTranscript fast = SmtpTranscript.connect(tern).hello()) {
                fast.deliver("fast@client.test", List.of(address(user)), "Subject: fast\r\n\r\nnot blocked\r\n");
                fast.quit();
            }
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
            Maildirs.awaitOnlyNewFile(tern.mailRoot(), user);

            slow.sendRaw("M:<slow@client.test>\r\n"); // the stalled command completes normally
            slow.expect("250 2.1.0");
            slow.quit();
        }
    }

    @Test
    void manyStalledConnectionsDoNotBlockDelivery() {
        String user = tern.newUser("crowd");
        List<SmtpTranscript> stalled = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 50; i++) {
                SmtpTranscript idle = SmtpTranscript.connect(tern);
                idle.greeting();
                idle.sendRaw("EHLO sl");
                stalled.add(idle);
            }
            try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
                smtp.deliver("a@client.test", List.of(address(user)), "Subject: crowd\r\n\r\nthrough\r\n");
                smtp.quit();
            }
            Maildirs.awaitOnlyNewFile(tern.mailRoot(), user);
        } finally {
            stalled.forEach(SmtpTranscript::close);
        }
    }

    @Test
    void anIdleSessionGets421AfterTheConfiguredIdleTimeout() throws Exception {
        TernProcess.Options options = new TernProcess.Options();
        Path config = Files.createTempFile("tern-it-idle", ".conf");
        try {
            Files.writeString(config, "tern.idle-timeout = 2s\n");
            try (TernProcess quick = TernProcess.launch(options.config(config));
                 SmtpTranscript smtp = SmtpTranscript.connect(quick).hello()) {
                long started = System.nanoTime();
                smtp.expect("421 4.4.2"); // nothing sent: the timeout fires
                smtp.expectClosed();
                assertThat(Duration.ofNanos(System.nanoTime() - started))
                        .isBetween(Duration.ofMillis(1500), Duration.ofSeconds(15));
            }
        } finally {
            Files.deleteIfExists(config);
        }
    }
}
