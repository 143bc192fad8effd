package dev.tern.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Connection limits, per client address and in all: a connection over a limit gets
 * {@code 421 4.7.0} and is closed, and one that ends makes room for the next.
 */
class ConnectionLimitsTest {

    static final int PER_CLIENT = 3;
    static final int TOTAL = 5;
    static Path config;
    static TernProcess tern;

    @BeforeAll
    static void startTern() throws Exception {
        config = Files.createTempFile("tern-it-limits", ".conf");
        // Loopback is exempt by default (as Postfix exempts $mynetworks): these tests count it.
        Files.writeString(config, "tern.max-connections-per-client = " + PER_CLIENT + "\n"
                + "tern.max-connections = " + TOTAL + "\n"
                + "tern.limit-loopback-clients = on\n");
        tern = TernProcess.launch(new TernProcess.Options().config(config));
    }

    @AfterAll
    static void stopTern() throws Exception {
        if (tern != null) {
            tern.close();
        }
        Files.deleteIfExists(config);
    }

    @Test
    void oneClientAddressOverItsLimitGets421AndRoomComesBackWhenOneCloses() {
        List<SmtpTranscript> open = new ArrayList<>();
        try {
            for (int i = 0; i < PER_CLIENT; i++) {
                open.add(greeted("127.0.0.1"));
            }
            try (SmtpTranscript over = SmtpTranscript.connectFrom("127.0.0.1", "127.0.0.1", tern.inboundPort())) {
                over.expect("421 4.7.0");
                over.expectClosed();
            }
            // another address is another client: 127.0.0.2 is still welcome
            try (SmtpTranscript other = SmtpTranscript.connectFrom("127.0.0.2", "127.0.0.1", tern.inboundPort())) {
                other.greeting();
                other.quit();
            }
            open.remove(0).quit();
            greeted("127.0.0.1").quit(); // room after one closed
        } finally {
            open.forEach(SmtpTranscript::close);
        }
    }

    @Test
    void theServiceOverItsTotalGets421() {
        List<SmtpTranscript> open = new ArrayList<>();
        try {
            for (int i = 0; i < TOTAL; i++) {
                open.add(greeted("127.0.0." + (10 + i)));
            }
            try (SmtpTranscript over = SmtpTranscript.connectFrom("127.0.0.20", "127.0.0.1", tern.inboundPort())) {
                over.expect("421 4.7.0");
                over.expectClosed();
            }
        } finally {
            open.forEach(SmtpTranscript::close);
        }
    }

    /**
     * A connection from {@code host} that got its 220: sessions end asynchronously, so one
     * that another test just closed may still count for a moment; retry the 421s for a while.
     */
    private static SmtpTranscript greeted(String host) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (true) {
            SmtpTranscript smtp = SmtpTranscript.connectFrom(host, "127.0.0.1", tern.inboundPort());
            SmtpTranscript.Reply reply = smtp.read();
            if (reply.code() == 220) {
                return smtp;
            }
            smtp.close();
            assertThat(System.nanoTime()).as("greeted from %s, not %s", host, reply).isLessThan(deadline);
            TernProcess.sleep(100);
        }
    }
}
