package dev.tern.relay;

import static dev.tern.relay.RelayFixture.deferredForAnHour;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.tern.queue.QueueEntry;
import dev.tern.supervision.BackoffCurve;
import dev.tern.testing.ScriptedSmtpServer;

/**
 * A domain's relay under its {@link DomainRelay} and the node's {@link Relays} with the local placement: new entries
 * reach the relay, a flush and a removal restart it (the removed entry gone from the spool and never sent), a stop
 * ends it and its sessions. Against real SMTP servers on loopback, the domain an address literal (no DNS).
 */
class DomainRelayTest extends RelayTestCase {

    private static final String DOMAIN = "[127.0.0.1]";
    /** A domain whose relay finds nobody listening (refused on 127.0.0.2). */
    private static final String OTHER = "[127.0.0.2]";
    private static final BackoffCurve CURVE = new BackoffCurve(Duration.ofMillis(200), Duration.ofSeconds(1), 0);
    private static final Duration WAIT = Duration.ofSeconds(10);

    private ScriptedSmtpServer server;

    @BeforeEach
    void startServer() throws IOException {
        server = serve(ScriptedSmtpServer.builder().bind("127.0.0.1").start());
    }

    @Test
    void enqueuedEntriesReachTheRelay() throws Exception {
        ActorRef<DomainRelay.Command> domainRelay = domainRelay(server.port());
        QueueEntry entry = enqueue("enqueued", "bob@" + DOMAIN).get(0);

        domainRelay.tell(new DomainRelay.Enqueued(List.of(entry)));

        ScriptedSmtpServer.Transaction received = server.awaitTransactions(1, WAIT).get(0);
        assertThat(received.recipients()).containsExactly("bob@[127.0.0.1]");
        assertThat(received.dataAsString()).contains("Subject: enqueued");
        awaitTrue(() -> !Files.exists(envelopeOf(entry)), WAIT, "the delivered entry leaves the spool");
    }

    @Test
    void queuedIdsAreReadFromTheQueueAndOnlyThisDomainsAreSent() throws Exception {
        QueueEntry first = enqueue("first", "bob@" + DOMAIN).get(0);
        ActorRef<DomainRelay.Command> domainRelay = domainRelay(server.port());
        server.awaitTransactions(1, WAIT); // the relay has started and read its queue
        awaitTrue(() -> !Files.exists(envelopeOf(first)), WAIT, "the first entry is delivered");

        List<QueueEntry> second = enqueue("second", "carol@" + DOMAIN, "dave@" + OTHER);
        assertThat(second).extracting(QueueEntry::domain).containsExactly(DOMAIN, OTHER);
        domainRelay.tell(new DomainRelay.Queued(List.of(second.get(0).id(), second.get(1).id(), "NOSUCH-1")));

        List<ScriptedSmtpServer.Transaction> received = server.awaitTransactions(2, WAIT);
        assertThat(received.get(1).recipients()).containsExactly("carol@[127.0.0.1]");
        assertThat(received.get(1).dataAsString()).contains("Subject: second");
        awaitTrue(() -> !Files.exists(envelopeOf(second.get(0))), WAIT, "the second entry is delivered");
        assertThat(spool.find(second.get(1).id())).as("another domain's entry is not this relay's")
                .hasValueSatisfying(e -> assertThat(e.recipients().get(0).attempts()).isZero());
        assertThat(server.transactions()).hasSize(2);
    }

    @Test
    void aFlushRestartsTheRelaySoADeferredEntryIsTriedAtOnce() throws Exception {
        QueueEntry entry = deferredForAnHour(spool, enqueue("deferred", "bob@" + DOMAIN).get(0));
        ActorRef<DomainRelay.Command> domainRelay = domainRelay(server.port());
        Thread.sleep(300);
        assertThat(server.connections()).as("not due for an hour").isZero();

        domainRelay.tell(new DomainRelay.Flush(Instant.now()));

        assertThat(server.awaitTransactions(1, WAIT).get(0).dataAsString()).contains("Subject: deferred");
        awaitTrue(() -> !Files.exists(envelopeOf(entry)), WAIT, "the flushed entry is delivered");
    }

    @Test
    void aRemovedEntryLeavesTheSpoolAndTheSuccessorNeverSendsIt() throws Exception {
        QueueEntry removed = deferredForAnHour(spool, enqueue("removed", "bob@" + DOMAIN).get(0));
        QueueEntry kept = deferredForAnHour(spool, enqueue("kept", "carol@" + DOMAIN).get(0));
        Path body = spool.body(removed);
        assertThat(Files.exists(envelopeOf(removed)) && Files.exists(body)).isTrue();
        ActorRef<DomainRelay.Command> domainRelay = domainRelay(server.port());
        TestProbe<Relays.Removed> admin = testKit.createTestProbe(Relays.Removed.class);

        domainRelay.tell(new DomainRelay.Remove(removed.id(), admin.ref()));
        domainRelay.tell(new DomainRelay.Flush(Instant.now())); // the successor tries everything left, at once

        assertThat(admin.expectMessageClass(Relays.Removed.class, WAIT))
                .isEqualTo(new Relays.Removed(removed.id(), true));
        assertThat(Files.exists(envelopeOf(removed))).as("envelope").isFalse();
        assertThat(Files.exists(body)).as("body").isFalse();
        assertThat(spool.find(removed.id())).isEmpty();
        ScriptedSmtpServer.Transaction sent = server.awaitTransactions(1, WAIT).get(0);
        assertThat(sent.recipients()).containsExactly("carol@[127.0.0.1]");
        awaitTrue(() -> !Files.exists(envelopeOf(kept)), WAIT, "the kept entry is delivered");
        Thread.sleep(300);
        assertThat(server.transactions()).extracting(t -> t.recipients().get(0))
                .containsExactly("carol@[127.0.0.1]");
        assertThat(server.commandLines()).noneMatch(line -> line.contains("bob@"));
    }

    @Test
    void relaysAnswersFalseForAnUnknownIdAndRemovesAKnownOne() throws Exception {
        QueueEntry entry = deferredForAnHour(spool, enqueue("known", "bob@" + DOMAIN).get(0));
        ActorRef<Relays.Command> relays = relays(server.port());
        TestProbe<Relays.Removed> admin = testKit.createTestProbe(Relays.Removed.class);

        relays.tell(new Relays.Remove("NOSUCH-1", admin.ref()));
        assertThat(admin.expectMessageClass(Relays.Removed.class, WAIT))
                .isEqualTo(new Relays.Removed("NOSUCH-1", false));

        relays.tell(new Relays.Remove(entry.id(), admin.ref()));
        assertThat(admin.expectMessageClass(Relays.Removed.class, WAIT))
                .isEqualTo(new Relays.Removed(entry.id(), true));
        assertThat(Files.exists(envelopeOf(entry))).isFalse();
        assertThat(server.connections()).isZero();
    }

    @Test
    void relaysFlushAnswersTheNumberOfDomainsAndRetriesThem() throws Exception {
        QueueEntry here = deferredForAnHour(spool, enqueue("here", "bob@" + DOMAIN).get(0));
        deferredForAnHour(spool, enqueue("elsewhere", "carol@" + OTHER).get(0));
        ActorRef<Relays.Command> relays = relays(server.port());
        Thread.sleep(300);
        assertThat(server.connections()).as("nothing due for an hour").isZero();
        TestProbe<Relays.Flushed> admin = testKit.createTestProbe(Relays.Flushed.class);

        relays.tell(new Relays.Flush(admin.ref()));

        assertThat(admin.expectMessageClass(Relays.Flushed.class, WAIT)).isEqualTo(new Relays.Flushed(2));
        assertThat(server.awaitTransactions(1, WAIT).get(0).dataAsString()).contains("Subject: here");
        awaitTrue(() -> !Files.exists(envelopeOf(here)), WAIT, "the flushed entry is delivered");
    }

    @Test
    void relaysHandsNewEntriesToTheirDomainsRelay() throws Exception {
        ActorRef<Relays.Command> relays = relays(server.port());
        List<QueueEntry> entries = enqueue("through relays", "bob@" + DOMAIN);

        relays.tell(new Relays.Enqueued(entries));

        assertThat(server.awaitTransactions(1, WAIT).get(0).dataAsString()).contains("Subject: through relays");
    }

    /**
     * A stop (sharding's hand-off) lets the message in flight finish, so that the next owner does not send it again,
     * then ends the relay and closes its session.
     */
    @Test
    void aStopLetsTheMessageInFlightFinishThenEndsTheRelayAndItsSession() throws Exception {
        try (HeldMx mx = new HeldMx()) {
            QueueEntry entry = enqueue("in flight", "bob@" + DOMAIN).get(0);
            ActorRef<DomainRelay.Command> domainRelay = inFlightTo(mx);
            TestProbe<Object> watcher = testKit.createTestProbe();

            domainRelay.tell(DomainRelay.Stop.INSTANCE);

            Thread.sleep(500);
            assertThat(mx.closed.getCount()).as("the session stays open while its message is in flight").isOne();
            assertThat(Files.exists(envelopeOf(entry))).isTrue();
            mx.release.countDown(); // 250 to the end of data

            watcher.expectTerminated(domainRelay, WAIT);
            assertThat(mx.closed.await(10, TimeUnit.SECONDS)).as("the session is closed").isTrue();
            assertThat(Files.exists(envelopeOf(entry))).as("delivered, so no longer queued").isFalse();
        }
    }

    /** A flush while a message is in flight does not cut it off: it is answered once, on its one session. */
    @Test
    void aFlushLeavesTheMessageInFlightAlone() throws Exception {
        try (HeldMx mx = new HeldMx()) {
            QueueEntry entry = enqueue("in flight", "bob@" + DOMAIN).get(0);
            ActorRef<DomainRelay.Command> domainRelay = inFlightTo(mx);
            started.add(domainRelay);

            domainRelay.tell(new DomainRelay.Flush(Instant.now()));

            Thread.sleep(500);
            assertThat(mx.closed.getCount()).as("the session stays open").isOne();
            mx.release.countDown();
            awaitTrue(() -> !Files.exists(envelopeOf(entry)), WAIT, "the entry is delivered");
            Thread.sleep(500);
            assertThat(mx.messages.get()).as("sent once").isOne();
            assertThat(mx.connections.get()).as("on one session").isOne();
        }
    }

    /** The domain's relay, started with long timeouts, once its first message waits for {@code mx}'s answer. */
    private ActorRef<DomainRelay.Command> inFlightTo(HeldMx mx) throws Exception {
        ActorRef<DomainRelay.Command> domainRelay = testKit.spawn(DomainRelay.create(DOMAIN, RelayFixture.context(
                spool, dir, mx.port(), router.ref(), CURVE, RelayFixture.timeouts(Duration.ofSeconds(60)), "tern.test")));
        assertThat(mx.dataReceived.await(10, TimeUnit.SECONDS)).as("the message is in flight").isTrue();
        return domainRelay;
    }

    private ActorRef<DomainRelay.Command> domainRelay(int port) throws IOException {
        return spawn(DomainRelay.create(DOMAIN, context(port)));
    }

    private ActorRef<Relays.Command> relays(int port) throws IOException {
        return spawn(Relays.create(context(port)));
    }

    private RelayContext context(int port) throws IOException {
        return RelayFixture.context(spool, dir, port, router.ref(), CURVE, RelayFixture.timeouts(Duration.ofSeconds(2)),
                "tern.test");
    }

    private List<QueueEntry> enqueue(String subject, String... recipients) throws IOException {
        return RelayFixture.enqueue(spool, dir, subject, recipients);
    }

    /** An MX that holds the reply to the end of data until {@link #release}; one connection at a time. */
    private static final class HeldMx implements AutoCloseable {
        final CountDownLatch dataReceived = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch closed = new CountDownLatch(1);
        final AtomicInteger connections = new AtomicInteger();
        final AtomicInteger messages = new AtomicInteger();
        private final ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());

        HeldMx() throws IOException {
            Thread thread = new Thread(this::serve, "held-mx");
            thread.setDaemon(true);
            thread.start();
        }

        int port() {
            return listener.getLocalPort();
        }

        private void serve() {
            while (!listener.isClosed()) {
                try (Socket socket = listener.accept()) {
                    connections.incrementAndGet();
                    converse(socket);
                } catch (IOException | InterruptedException e) {
                    // a reset is a close too; a closed listener ends the loop
                }
                closed.countDown();
            }
        }

        private void converse(Socket socket) throws IOException, InterruptedException {
            BufferedReader in = new BufferedReader(
                    new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = socket.getOutputStream();
            reply(out, "220 held.test ESMTP");
            boolean inData = false;
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                String verb = line.length() < 4 ? line : line.substring(0, 4).toUpperCase(Locale.ROOT);
                if (inData) {
                    if (line.equals(".")) {
                        inData = false;
                        messages.incrementAndGet();
                        dataReceived.countDown();
                        release.await();
                        reply(out, "250 2.0.0 queued");
                    }
                } else if (verb.equals("DATA")) {
                    inData = true;
                    reply(out, "354 go ahead");
                } else if (verb.equals("QUIT")) {
                    reply(out, "221 bye");
                } else {
                    reply(out, "250 held.test"); // EHLO (no extensions), MAIL, RCPT, RSET, NOOP
                }
            }
        }

        private static void reply(OutputStream out, String line) throws IOException {
            out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }

        @Override
        public void close() throws IOException {
            release.countDown();
            listener.close();
        }
    }
}
