package dev.tern.users;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tern.protocol.AuthOutcome;

class AuthenticatorTest {

    private static final ActorTestKit testKit = ActorTestKit.create();

    @TempDir
    Path temp;

    @AfterAll
    static void stop() {
        testKit.shutdownTestKit();
    }

    /** An Argon2id hash asking for 512 MiB: beyond the 256 MiB bound, whatever the password. */
    static final String OVER_COST = "{ARGON2ID}$argon2id$v=19$m=524288,t=3,p=1$M/mw9pl0+OVbD6i9sa3K5A$"
            + "EHlpTRU4pCgN0CWYrmzuFvhsNizlBBKEYY6IfEuJp1E";

    private ActorRef<Authenticator.Command> authenticator(Duration firstDelay) throws Exception {
        return testKit.spawn(Authenticator.create(users(), firstDelay));
    }

    private UserDirectory users() throws Exception {
        Path users = temp.resolve("users");
        UserDb.empty().withUser("alice", PasswordHashes.argon2id("secret".toCharArray()))
                .withUser("greedy", OVER_COST).write(users);
        return new UserDirectory(users);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theRightPasswordIsAccepted() throws Exception {
        ActorRef<Authenticator.Command> authenticator = authenticator(Duration.ofMillis(50));
        TestProbe<Authenticator.Verdict> probe = testKit.createTestProbe();

        authenticator.tell(new Authenticator.Verify("alice", bytes("secret"), "192.0.2.7", probe.getRef()));

        probe.expectMessage(Duration.ofSeconds(10), new Authenticator.Verdict("alice", AuthOutcome.VALID));
    }

    @Test
    void wrongPasswordsAndUnknownUsersAreRefused() throws Exception {
        ActorRef<Authenticator.Command> authenticator = authenticator(Duration.ofMillis(10));
        TestProbe<Authenticator.Verdict> probe = testKit.createTestProbe();

        authenticator.tell(new Authenticator.Verify("alice", bytes("wrong"), "192.0.2.8", probe.getRef()));
        probe.expectMessage(Duration.ofSeconds(10), new Authenticator.Verdict("alice", AuthOutcome.INVALID));
        authenticator.tell(new Authenticator.Verify("mallory", bytes("secret"), "192.0.2.8", probe.getRef()));
        probe.expectMessage(Duration.ofSeconds(10), new Authenticator.Verdict("mallory", AuthOutcome.INVALID));
    }

    @Test
    void theDelayGrowsWithEachFailureFromOneAddress() throws Exception {
        ActorRef<Authenticator.Command> authenticator = authenticator(Duration.ofMillis(400));
        TestProbe<Authenticator.Verdict> probe = testKit.createTestProbe();

        authenticator.tell(new Authenticator.Verify("alice", bytes("wrong"), "192.0.2.9", probe.getRef()));
        probe.expectMessage(Duration.ofSeconds(10), new Authenticator.Verdict("alice", AuthOutcome.INVALID));
        authenticator.tell(new Authenticator.Verify("alice", bytes("wrong"), "192.0.2.9", probe.getRef()));
        // second failure: 800 ms after the hashing; nothing may arrive within the first delay
        probe.expectNoMessage(Duration.ofMillis(600));
        probe.expectMessage(Duration.ofSeconds(10), new Authenticator.Verdict("alice", AuthOutcome.INVALID));
    }

    @Test
    void aFullHashingQueueAnswersTemporarilyUnavailableAfterTheClientsDelay() throws Exception {
        ThreadPoolExecutor hashing = HashingThreads.create(1, 1);
        CountDownLatch release = new CountDownLatch(1);
        Runnable blocked = () -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        hashing.execute(blocked); // the one thread
        hashing.execute(blocked); // the one queue slot
        ActorRef<Authenticator.Command> authenticator =
                testKit.spawn(Authenticator.create(users(), Duration.ofMillis(400), () -> hashing));
        TestProbe<Authenticator.Verdict> probe = testKit.createTestProbe();

        for (int i = 0; i < 3; i++) {
            authenticator.tell(new Authenticator.Verify("alice", bytes("secret"), "192.0.2.10", probe.getRef()));
            // RFC 4954 §6, 454 4.7.0: the client may try again, but not at once: the unchecked
            // attempt counts for its delay (400 ms, 800 ms, 1.6 s), or a storm of retries would
            // spend the CPU on TLS handshakes
            long delay = 400L << i;
            probe.expectNoMessage(Duration.ofMillis(delay - 150));
            probe.expectMessage(Duration.ofMillis(1_000), new Authenticator.Verdict("alice", AuthOutcome.TEMPORARILY_UNAVAILABLE));
        }

        release.countDown();
        while (hashing.getActiveCount() > 0 || !hashing.getQueue().isEmpty()) {
            Thread.sleep(10); // the blocked tasks drain: the pool has room again
        }
        authenticator.tell(new Authenticator.Verify("alice", bytes("wrong"), "192.0.2.10", probe.getRef()));
        // the fourth in a row: 3.2 s
        probe.expectNoMessage(Duration.ofMillis(2_500));
        probe.expectMessage(Duration.ofSeconds(8), new Authenticator.Verdict("alice", AuthOutcome.INVALID));
        authenticator.tell(new Authenticator.Verify("alice", bytes("secret"), "192.0.2.10", probe.getRef()));
        probe.expectMessage(Duration.ofSeconds(10), new Authenticator.Verdict("alice", AuthOutcome.VALID));

        testKit.stop(authenticator);
        assertThat(hashing.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS))
                .as("the actor shuts its hashing threads down when it stops").isTrue();
    }

    @Test
    void aStoredHashBeyondTheCostBoundsIsRefused() throws Exception {
        ActorRef<Authenticator.Command> authenticator = authenticator(Duration.ofMillis(10));
        TestProbe<Authenticator.Verdict> probe = testKit.createTestProbe();

        authenticator.tell(new Authenticator.Verify("greedy", bytes("secret"), "192.0.2.11", probe.getRef()));

        probe.expectMessage(Duration.ofSeconds(10), new Authenticator.Verdict("greedy", AuthOutcome.INVALID));
    }

    @Test
    void hashingThreadsAreFewNamedDaemonsWithABoundedQueue() throws Exception {
        ThreadPoolExecutor hashing = HashingThreads.create();
        try {
            int cores = Runtime.getRuntime().availableProcessors();
            assertThat(hashing.getMaximumPoolSize()).as("a core is left to mail").isEqualTo(Math.max(1, cores - 1));
            assertThat(hashing.getQueue().remainingCapacity()).isBetween(16, Math.max(16, 2 * cores));
            assertThat(hashing.getRejectedExecutionHandler()).isInstanceOf(ThreadPoolExecutor.AbortPolicy.class);
            Thread thread = hashing.submit(Thread::currentThread).get();
            assertThat(thread.getName()).startsWith("tern-password-hashing-");
            assertThat(thread.isDaemon()).isTrue();
        } finally {
            hashing.shutdown();
        }
    }

    @Test
    void delaysDoubleUpToTheLongest() {
        Duration first = Duration.ofMillis(500);
        assertThat(Authenticator.delayAfter(1, first)).isEqualTo(Duration.ofMillis(500));
        assertThat(Authenticator.delayAfter(2, first)).isEqualTo(Duration.ofSeconds(1));
        assertThat(Authenticator.delayAfter(4, first)).isEqualTo(Duration.ofSeconds(4));
        assertThat(Authenticator.delayAfter(40, first)).isEqualTo(Authenticator.LONGEST_DELAY);
    }
}
