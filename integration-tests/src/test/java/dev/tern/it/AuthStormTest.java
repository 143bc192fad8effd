package dev.tern.it;

import static dev.tern.it.TernProcess.address;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Password guessing by many clients at once costs hashing (Argon2, 64 MiB each), which runs
 * on its own bounded pool: deliveries from another client still take well under a second,
 * and guesses beyond what the pool takes are answered 454 at once.
 */
class AuthStormTest {

    static final int GUESSERS = 40;
    static final Duration STORM = Duration.ofSeconds(8);

    static TernProcess tern;
    static String alice;

    @BeforeAll
    static void startTern() {
        tern = TernProcess.launch();
        alice = tern.addUser("alice", "the real password");
    }

    @AfterAll
    static void stopTern() {
        if (tern != null) {
            tern.close();
        }
    }

    @Test
    void deliveriesStayFastWhileFortyClientsGuessPasswords() throws Exception {
        String user = tern.newUser("calm");
        // a warm service, as one under attack is: the first TLS sessions and deliveries compile
        for (int i = 0; i < 20; i++) {
            try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
                smtp.startTls();
                smtp.ehlo("client.test");
                smtp.deliver("someone@client.test", List.of(address(user)), "Subject: warm\r\n\r\nhello\r\n");
                smtp.quit();
            }
        }
        int warm = Maildirs.newFiles(tern.mailRoot(), user).size();
        AtomicBoolean storming = new AtomicBoolean(true);
        AtomicInteger guesses = new AtomicInteger();
        ConcurrentHashMap<Integer, AtomicInteger> repliesByCode = new ConcurrentHashMap<>();
        List<Thread> guessers = new ArrayList<>();
        for (int i = 0; i < GUESSERS; i++) {
            // one address each, so that the per-address failure delay does not slow the storm down
            String from = "127.0.1." + (i + 1);
            Thread guesser = new Thread(() -> {
                while (storming.get()) {
                    try (SmtpTranscript smtp = SmtpTranscript.connectFrom(from, "127.0.0.1", tern.inboundPort())) {
                        smtp.hello();
                        smtp.startTls();
                        smtp.ehlo("guesser.test");
                        smtp.send("AUTH PLAIN " + TlsClient.plain("alice", "guess " + guesses.incrementAndGet()));
                        int code = smtp.read().code();
                        repliesByCode.computeIfAbsent(code, c -> new AtomicInteger()).incrementAndGet();
                    } catch (RuntimeException | AssertionError broken) {
                        // a guesser's session may be cut short when the test ends
                    }
                }
            }, "guesser-" + i);
            guesser.setDaemon(true);
            guesser.start();
            guessers.add(guesser);
        }
        List<Duration> deliveries = new ArrayList<>();
        try {
            Thread.sleep(4_000); // the storm at full strength: every guesser has met its first delays
            long end = System.nanoTime() + STORM.toNanos();
            while (System.nanoTime() < end) {
                long start = System.nanoTime();
                try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
                    smtp.deliver("someone@client.test", List.of(address(user)), "Subject: calm\r\n\r\nhello\r\n");
                    smtp.quit();
                }
                deliveries.add(Duration.ofNanos(System.nanoTime() - start));
                Thread.sleep(200);
            }
        } finally {
            storming.set(false);
            for (Thread guesser : guessers) {
                guesser.join(20_000);
            }
        }
        assertThat(guesses.get()).as("guesses made during the storm").isGreaterThan(GUESSERS);
        assertThat(repliesByCode.keySet()).as("only 535 (wrong) or 454 (hashing busy)").isSubsetOf(535, 454);
        assertThat(deliveries).as("deliveries during the storm").isNotEmpty()
                .allSatisfy(took -> assertThat(took).isLessThan(Duration.ofSeconds(1)));
        assertThat(tern.isAlive()).isTrue();
        assertThat(Maildirs.newFiles(tern.mailRoot(), user)).hasSize(warm + deliveries.size());
    }
}
