package dev.tern.it;

import static dev.tern.it.TernProcess.address;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code --store numbered}: messages 1, 2, 3 … in arrival order with .status files, no gaps, across restarts. */
class NumberedStoreTest {

    static TernProcess tern;

    @BeforeAll
    static void startTern() {
        tern = TernProcess.launch(new TernProcess.Options().numberedStore());
    }

    @AfterAll
    static void stopTern() {
        if (tern != null) {
            tern.close();
        }
    }

    @Test
    void twentyParallelDeliveriesGiveOneToTwentyThenARestartContinuesAt21() throws Exception {
        String user = tern.newUser("numbered");
        ExecutorService pool = Executors.newFixedThreadPool(20);
        List<Future<String>> ids = new ArrayList<>();
        try {
            for (int i = 1; i <= 20; i++) {
                int n = i;
                ids.add(pool.submit(() -> {
                    try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
                        String id = smtp.deliver("n@client.test", List.of(address(user)),
                                "Subject: numbered " + n + "\r\n\r\nbody " + n + "\r\n");
                        smtp.quit();
                        return id;
                    }
                }));
            }
            for (Future<String> id : ids) {
                id.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(30, TimeUnit.SECONDS);
        }

        Path mailbox = tern.mailRoot().resolve(user);
        assertNumberedUpTo(mailbox, 20);
        Set<String> bodies = new HashSet<>();
        for (int n = 1; n <= 20; n++) {
            bodies.add(Maildirs.parse(mailbox.resolve(Integer.toString(n))).messageLatin1());
        }
        assertThat(bodies).containsExactlyInAnyOrderElementsOf(IntStream.rangeClosed(1, 20)
                .mapToObj(n -> "Subject: numbered " + n + "\r\n\r\nbody " + n + "\r\n").toList());

        assertThat(tern.stop()).as("exit code after SIGTERM" + tern.logTail()).isZero();
        tern.start();

        try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
            smtp.deliver("n@client.test", List.of(address(user)), "Subject: after restart\r\n\r\n21\r\n");
            smtp.quit();
        }
        assertNumberedUpTo(mailbox, 21);
        assertThat(Maildirs.parse(mailbox.resolve("21")).messageLatin1())
                .isEqualTo("Subject: after restart\r\n\r\n21\r\n");
    }

    @Test
    void messagesAreNumberedInArrivalOrder() {
        String user = tern.newUser("ordered");
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
            for (int n = 1; n <= 5; n++) {
                smtp.deliver("o@client.test", List.of(address(user)), "Subject: " + n + "\r\n\r\n" + n + "\r\n");
            }
            smtp.quit();
        }
        Path mailbox = tern.mailRoot().resolve(user);
        assertNumberedUpTo(mailbox, 5);
        for (int n = 1; n <= 5; n++) {
            assertThat(Maildirs.parse(mailbox.resolve(Integer.toString(n))).messageLatin1())
                    .isEqualTo("Subject: " + n + "\r\n\r\n" + n + "\r\n");
        }
    }

    @Test
    void oneMessageToTwoNumberedMailboxesIsNumberedInEach() {
        String first = tern.newUser("numa");
        String second = tern.newUser("numb");
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
            smtp.deliver("o@client.test", List.of(address(first)), "Subject: only first\r\n\r\n1\r\n");
            smtp.deliver("o@client.test", List.of(address(first), address(second)), "Subject: both\r\n\r\n2\r\n");
            smtp.quit();
        }
        assertNumberedUpTo(tern.mailRoot().resolve(first), 2);
        assertNumberedUpTo(tern.mailRoot().resolve(second), 1);
        assertThat(Maildirs.parse(tern.mailRoot().resolve(second).resolve("1")).messageLatin1())
                .isEqualTo("Subject: both\r\n\r\n2\r\n");
    }

    /** Exactly the messages 1..n and 1.status..n.status (each "\Recent" and a newline), nothing else numbered. */
    static void assertNumberedUpTo(Path mailbox, int n) {
        List<String> names;
        try (Stream<Path> entries = Files.list(mailbox)) {
            names = entries.map(p -> p.getFileName().toString()).filter(name -> name.matches("\\d+(\\.status)?"))
                    .sorted().toList();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        List<String> expected = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            expected.add(Integer.toString(i));
            expected.add(i + ".status");
        }
        assertThat(names).as("numbered files in " + mailbox).containsExactlyInAnyOrderElementsOf(expected);
        for (int i = 1; i <= n; i++) {
            try {
                assertThat(Files.readString(mailbox.resolve(i + ".status"), StandardCharsets.US_ASCII))
                        .as(i + ".status").isEqualTo("\\Recent\n");
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
        }
    }
}
