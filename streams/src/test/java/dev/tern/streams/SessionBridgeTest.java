package dev.tern.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/** The stage between a connection's stream and its session, driven without a socket. */
class SessionBridgeTest {

    private static ActorTestKit testKit;
    private static Materializer materializer;

    @BeforeAll
    static void start() {
        testKit = ActorTestKit.create();
        materializer = Materializer.matFromSystem(testKit.system());
    }

    @AfterAll
    static void stop() {
        testKit.shutdownTestKit();
    }

    /** The network side of a client that never reads: demands nothing, records how the stream ends. */
    private static final class NeverReads implements Subscriber<TlsOutbound> {
        final CompletableFuture<Throwable> ended = new CompletableFuture<>();

        @Override
        public void onSubscribe(Subscription subscription) {
            // no request: nothing is ever written
        }

        @Override
        public void onNext(TlsOutbound element) {
            ended.completeExceptionally(new AssertionError("nothing was asked for, yet " + element + " came"));
        }

        @Override
        public void onError(Throwable failure) {
            ended.complete(failure);
        }

        @Override
        public void onComplete() {
            ended.complete(null);
        }
    }

    private static Pair<ConnectionPort, NeverReads> unreadConnection(Duration linger) {
        NeverReads network = new NeverReads();
        ConnectionPort port = Source.<SessionInput>never()
                .viaMat(Flow.fromGraph(new SessionBridge(linger)), Keep.right())
                .to(Sink.fromSubscriber(network))
                .run(materializer);
        return Pair.create(port, network);
    }

    @Test
    void aClosingConnectionWhoseClientDoesNotReadIsAbortedAfterTheLinger() throws Exception {
        Pair<ConnectionPort, NeverReads> connection = unreadConnection(Duration.ofMillis(300));
        BlockingQueue<SessionInput> session = new LinkedBlockingQueue<>();
        connection.first().open(session::add);
        connection.first().send(ByteString.fromString("421 4.4.2 Error: timeout exceeded\r\n"));
        long closedAt = System.nanoTime();
        connection.first().close();

        Throwable failure = connection.second().ended.get(5, TimeUnit.SECONDS);
        assertThat(Duration.ofNanos(System.nanoTime() - closedAt)).isGreaterThanOrEqualTo(Duration.ofMillis(250));
        assertThat(failure).isInstanceOf(SessionBridge.ClientNotReadingException.class)
                .hasMessageContaining("unread");
        assertThat(session.poll(5, TimeUnit.SECONDS)).isEqualTo(SessionInput.ENDED);
    }

    @Test
    void aSessionThatAsksForWritableRoomIsToldOnlyOnceTheRepliesDrainBelowTheLimit() throws Exception {
        Pair<ConnectionPort, NeverReads> connection = unreadConnection(SessionBridge.LINGER);
        BlockingQueue<SessionInput> session = new LinkedBlockingQueue<>();
        ConnectionPort port = connection.first();
        port.open(session::add);
        port.send(ByteString.fromArray(new byte[SessionBridge.REPLY_LIMIT]));
        port.notifyWhenWritable();
        port.requestInput();
        // the client reads nothing: no room, and no input is read either
        assertThat(session.poll(500, TimeUnit.MILLISECONDS)).isNull();
        port.close();
    }

    @Test
    void aSessionOpenedAfterTheConnectionEndedHearsOfItAtOnce() throws Exception {
        ConnectionPort port = Source.<SessionInput>empty()
                .viaMat(Flow.fromGraph(new SessionBridge()), Keep.right())
                .to(Sink.cancelled())
                .run(materializer);
        Thread.sleep(200); // the stream has run its course before the session exists
        BlockingQueue<SessionInput> session = new LinkedBlockingQueue<>();
        port.open(session::add);
        assertThat(session.poll(5, TimeUnit.SECONDS)).isEqualTo(SessionInput.ENDED);
        assertThat(session.poll(200, TimeUnit.MILLISECONDS)).as("only once").isNull();
    }
}
