package dev.tern.supervision;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The supervisor strategy with real (short) backoffs; timings are asserted as lower bounds only. */
class RelaySupervisionTest {

    private static final ActorTestKit testKit = ActorTestKit.create();
    private static final BackoffCurve CURVE = new BackoffCurve(Duration.ofMillis(100), Duration.ofMillis(400), 0);
    private static final Duration WAIT = Duration.ofSeconds(5);
    // Pekko's scheduler ticks every 10 ms; allow that much early
    private static final long SLACK_MS = 15;

    @AfterAll
    static void shutDown() {
        testKit.shutdownTestKit();
    }

    /** Like a Relay: reports each start and fails its delivery attempt right after starting. */
    private static Behavior<Object> failingRelay(ActorRef<Long> starts, Supplier<RuntimeException> failure,
                                                 int failingStarts) {
        AtomicInteger started = new AtomicInteger();
        return Behaviors.setup(ctx -> {
            boolean fail = started.incrementAndGet() <= failingStarts;
            ctx.getSelf().tell("attempt"); // first, so that whatever a test sends next queues behind it
            starts.tell(System.nanoTime());
            return Behaviors.receiveMessage(message -> {
                if (message.equals("attempt") && fail) {
                    throw failure.get();
                }
                if (message instanceof ActorRef) {
                    @SuppressWarnings("unchecked")
                    ActorRef<String> replyTo = (ActorRef<String>) message;
                    replyTo.tell("pong from start " + started.get());
                }
                return Behaviors.same();
            });
        });
    }

    private static List<Long> gapsMillis(TestProbe<Long> starts, int restarts) {
        long previous = starts.receiveMessage(WAIT);
        List<Long> gaps = new ArrayList<>();
        for (int i = 0; i < restarts; i++) {
            long next = starts.receiveMessage(WAIT);
            gaps.add((next - previous) / 1_000_000);
            previous = next;
        }
        return gaps;
    }

    private static DestinationUnavailable unavailable() {
        return new DestinationUnavailable("example.test",
                FailureClassifier.ofException(new java.net.ConnectException("Connection refused")));
    }

    @Test
    void destinationUnavailableRestartsAfterAGrowingBackoff() {
        TestProbe<Long> starts = testKit.createTestProbe();
        ActorRef<Object> relay = testKit.spawn(
                Behaviors.supervise(failingRelay(starts.getRef(), RelaySupervisionTest::unavailable, 1000))
                        .onFailure(DestinationUnavailable.class, CURVE.supervisorStrategy()));

        List<Long> gaps = gapsMillis(starts, 4);
        testKit.stop(relay);

        // 100, 200, 400, 400 (capped)
        assertThat(gaps.get(0)).isGreaterThanOrEqualTo(100 - SLACK_MS);
        assertThat(gaps.get(1)).isGreaterThanOrEqualTo(200 - SLACK_MS);
        assertThat(gaps.get(2)).isGreaterThanOrEqualTo(400 - SLACK_MS).isGreaterThan(gaps.get(0));
        assertThat(gaps.get(3)).isGreaterThanOrEqualTo(400 - SLACK_MS).isLessThan(WAIT.toMillis());
    }

    @Test
    void otherExceptionsAlsoRestartWithBackoff() {
        TestProbe<Long> starts = testKit.createTestProbe();
        ActorRef<Object> relay = testKit.spawn(RelaySupervision.supervise(
                failingRelay(starts.getRef(), () -> new IllegalStateException("bug"), 1000), CURVE));

        List<Long> gaps = gapsMillis(starts, 3);
        testKit.stop(relay);

        assertThat(gaps.get(0)).isGreaterThanOrEqualTo(100 - SLACK_MS);
        assertThat(gaps.get(1)).isGreaterThanOrEqualTo(200 - SLACK_MS);
        assertThat(gaps.get(2)).isGreaterThanOrEqualTo(400 - SLACK_MS);
    }

    @Test
    void relaySupervisionBacksOffOnDestinationUnavailable() {
        TestProbe<Long> starts = testKit.createTestProbe();
        ActorRef<Object> relay = testKit.spawn(RelaySupervision.supervise(
                failingRelay(starts.getRef(), RelaySupervisionTest::unavailable, 1000), CURVE));

        List<Long> gaps = gapsMillis(starts, 3);
        testKit.stop(relay);

        assertThat(gaps.get(0)).isGreaterThanOrEqualTo(100 - SLACK_MS);
        assertThat(gaps.get(1)).isGreaterThanOrEqualTo(200 - SLACK_MS);
        assertThat(gaps.get(2)).isGreaterThanOrEqualTo(400 - SLACK_MS);
    }

    @Test
    void messagesSentDuringTheBackoffReachTheRestartedRelay() {
        TestProbe<Long> starts = testKit.createTestProbe();
        TestProbe<String> replies = testKit.createTestProbe();
        ActorRef<Object> relay = testKit.spawn(RelaySupervision.supervise(
                failingRelay(starts.getRef(), RelaySupervisionTest::unavailable, 1), CURVE));

        starts.receiveMessage(WAIT);
        relay.tell(replies.getRef()); // queued behind the failing attempt: arrives during the backoff
        starts.receiveMessage(WAIT);

        // stashed during the backoff, handed to the restarted relay, not dropped
        assertThat(replies.receiveMessage(WAIT)).isEqualTo("pong from start 2");
        testKit.stop(relay);
    }
}
