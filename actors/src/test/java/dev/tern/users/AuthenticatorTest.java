package dev.tern.users;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuthenticatorTest {

    private static final ActorTestKit testKit = ActorTestKit.create();

    @TempDir
    Path temp;

    @AfterAll
    static void stop() {
        testKit.shutdownTestKit();
    }

    private ActorRef<Authenticator.Command> authenticator(Duration firstDelay) throws Exception {
        Path users = temp.resolve("users");
        UserDb.empty().withUser("alice", PasswordHashes.argon2id("secret".toCharArray())).write(users);
        return testKit.spawn(Authenticator.create(new UserDirectory(users), firstDelay));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theRightPasswordIsAccepted() throws Exception {
        ActorRef<Authenticator.Command> authenticator = authenticator(Duration.ofMillis(50));
        TestProbe<Authenticator.Verdict> probe = testKit.createTestProbe();

        authenticator.tell(new Authenticator.Verify("alice", bytes("secret"), "192.0.2.7", probe.getRef()));

        probe.expectMessage(Duration.ofSeconds(10), new Authenticator.Verdict("alice", true));
    }

    @Test
    void wrongPasswordsAndUnknownUsersAreRefused() throws Exception {
        ActorRef<Authenticator.Command> authenticator = authenticator(Duration.ofMillis(10));
        TestProbe<Authenticator.Verdict> probe = testKit.createTestProbe();

        authenticator.tell(new Authenticator.Verify("alice", bytes("wrong"), "192.0.2.8", probe.getRef()));
        probe.expectMessage(Duration.ofSeconds(10), new Authenticator.Verdict("alice", false));
        authenticator.tell(new Authenticator.Verify("mallory", bytes("secret"), "192.0.2.8", probe.getRef()));
        probe.expectMessage(Duration.ofSeconds(10), new Authenticator.Verdict("mallory", false));
    }

    @Test
    void theDelayGrowsWithEachFailureFromOneAddress() throws Exception {
        ActorRef<Authenticator.Command> authenticator = authenticator(Duration.ofMillis(400));
        TestProbe<Authenticator.Verdict> probe = testKit.createTestProbe();

        authenticator.tell(new Authenticator.Verify("alice", bytes("wrong"), "192.0.2.9", probe.getRef()));
        probe.expectMessage(Duration.ofSeconds(10), new Authenticator.Verdict("alice", false));
        authenticator.tell(new Authenticator.Verify("alice", bytes("wrong"), "192.0.2.9", probe.getRef()));
        // second failure: 800 ms after the hashing; nothing may arrive within the first delay
        probe.expectNoMessage(Duration.ofMillis(600));
        probe.expectMessage(Duration.ofSeconds(10), new Authenticator.Verdict("alice", false));
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
