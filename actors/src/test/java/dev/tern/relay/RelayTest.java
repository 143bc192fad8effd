package dev.tern.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Props;
import org.junit.jupiter.api.Test;

import dev.tern.metrics.Samples;
import dev.tern.metrics.TernMetrics;
import dev.tern.protocol.MailAddress;
import dev.tern.protocol.Recipient;
import dev.tern.protocol.ReversePath;
import dev.tern.queue.QueueEntry;
import dev.tern.queue.RecipientStatus;
import dev.tern.store.StagedMessage;
import dev.tern.streams.client.ClientTimeouts;
import dev.tern.streams.client.OpportunisticTls;
import dev.tern.streams.client.TlsPolicy;
import dev.tern.supervision.BackoffCurve;
import dev.tern.supervision.RelaySupervision;
import dev.tern.testing.ScriptedSmtpServer;

/**
 * The per-domain relay against real SMTP servers on loopback, with the domain given as an
 * address literal (no DNS) and short retry durations: delivery, per-recipient outcomes,
 * message-level retry, bounces through the router, and the destination backoff of its
 * supervisor.
 */
class RelayTest extends RelayTestCase {

    private static final String DOMAIN = "[127.0.0.1]";
    private static final byte[] RETURN_PATH = "Return-Path: <alice@local.test>\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MESSAGE = ("Received: from client.test by tern.test; Mon, 23 Nov 2026 10:00:00 +0000\r\n"
            + "Subject: hello\r\nMessage-ID: <m1@local.test>\r\n\r\nbody line\r\n.leading dot\r\n")
            .getBytes(StandardCharsets.US_ASCII);
    private static final ClientTimeouts FAST = new ClientTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2),
            Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(2),
            Duration.ofSeconds(2), Duration.ofSeconds(2));

    private int staged;

    @Test
    void deliversAQueuedMessageAndRemovesItFromTheSpool() throws Exception {
        ScriptedSmtpServer server = server(ScriptedSmtpServer.builder().pipelining(true));
        QueueEntry entry = enqueue("bob@" + DOMAIN, "carol@" + DOMAIN);

        start(server, new BackoffCurve(Duration.ofMillis(200), Duration.ofSeconds(1), 0));

        ScriptedSmtpServer.Transaction received = server.awaitTransactions(1, Duration.ofSeconds(10)).get(0);
        assertThat(received.mailFrom()).isEqualTo("alice@local.test");
        assertThat(received.recipients()).containsExactly("bob@[127.0.0.1]", "carol@[127.0.0.1]");
        assertThat(received.data()).isEqualTo(MESSAGE); // the Return-Path line stays behind
        awaitTrue(() -> !Files.exists(envelopeOf(entry)), "the entry leaves the queue");
        router.expectNoMessage(Duration.ofMillis(200)); // nothing to bounce
    }

    @Test
    void aTemporaryRecipientFailureIsRetriedOnTheCurveAndThenDelivered() throws Exception {
        ScriptedSmtpServer server = server(ScriptedSmtpServer.builder()
                .rcptReplies("451 4.3.0 try later", "451 4.3.0 try later", "250 2.1.5 Ok"));
        QueueEntry entry = enqueue("bob@" + DOMAIN);

        start(server, new BackoffCurve(Duration.ofMillis(200), Duration.ofSeconds(1), 0));

        awaitTrue(() -> spool.find(entry.id()).map(e -> e.recipients().get(0).attempts() == 1).orElse(false),
                "the first deferral is recorded in the spool");
        QueueEntry deferred = spool.find(entry.id()).orElseThrow();
        assertThat(deferred.recipients().get(0).status()).isEqualTo(RecipientStatus.DEFERRED);
        assertThat(deferred.recipients().get(0).diagnostic()).contains("451 4.3.0 try later");
        assertThat(deferred.nextAttempt()).isPresent();

        assertThat(server.awaitTransactions(1, Duration.ofSeconds(10))).hasSize(1);
        awaitTrue(() -> !Files.exists(envelopeOf(entry)), "the entry leaves the queue once delivered");
        assertThat(server.commandLines().stream().filter(line -> line.startsWith("RCPT")).count()).isEqualTo(3);
    }

    @Test
    void aPermanentFailureBouncesToTheSenderThroughTheRouter() throws Exception {
        ScriptedSmtpServer server = server(ScriptedSmtpServer.builder()
                .rcptReply("bob@[127.0.0.1]", "550 5.1.1 <bob>: no such user here"));
        QueueEntry entry = enqueue("bob@" + DOMAIN, "carol@" + DOMAIN);

        start(server, new BackoffCurve(Duration.ofMillis(200), Duration.ofSeconds(1), 0));

        BounceDelivery.Store bounce = router.expectMessageClass(BounceDelivery.Store.class, Duration.ofSeconds(10));
        assertThat(bounce.envelope().sender()).isEqualTo(ReversePath.NULL);
        assertThat(bounce.envelope().recipients()).containsExactly(
                new Recipient(address("alice@local.test"), new Recipient.LocalMailbox("alice")));
        String dsn = Files.readString(bounce.message().file(), StandardCharsets.ISO_8859_1);
        assertThat(dsn).startsWith("Return-Path: <>\r\n")
                .contains("report-type=delivery-status")
                .contains("Final-Recipient: rfc822; bob@[127.0.0.1]")
                .contains("Action: failed")
                .contains("Status: 5.1.1")
                .contains("550 5.1.1 <bob>: no such user here")
                .contains("Subject: hello")
                .doesNotContain("Final-Recipient: rfc822; carol@[127.0.0.1]");
        assertThat(server.awaitTransactions(1, Duration.ofSeconds(5)).get(0).recipients())
                .containsExactly("carol@[127.0.0.1]");
        assertThat(Files.exists(envelopeOf(entry))).as("the entry stays until the bounce is stored").isTrue();

        bounce.replyTo().tell(new BounceDelivery.Stored(bounce.envelope().messageId()));
        awaitTrue(() -> !Files.exists(envelopeOf(entry)), "the entry leaves the queue after the bounce");
        awaitTrue(() -> !Files.exists(bounce.message().file()), "the staged bounce is cleaned up");
    }

    @Test
    void noBounceForABounce() throws Exception {
        ScriptedSmtpServer server = server(ScriptedSmtpServer.builder().rcptReplies("550 5.1.1 no such user"));
        QueueEntry entry = enqueue(ReversePath.NULL, "bob@" + DOMAIN);

        start(server, new BackoffCurve(Duration.ofMillis(200), Duration.ofSeconds(1), 0));

        awaitTrue(() -> !Files.exists(envelopeOf(entry)), "the failed bounce leaves the queue");
        router.expectNoMessage(Duration.ofMillis(300));
    }

    /**
     * A dead destination backs the whole domain off through the supervisor: each restart
     * comes later than the one before (200ms, 400ms, 800ms ...), the attempts are recorded
     * in the spool, a message queued meanwhile is kept, and all of it goes out once the
     * host answers.
     */
    @Test
    void aDeadDestinationBacksOffThenRecoversWithEverythingQueued() throws Exception {
        ScriptedSmtpServer server = server(ScriptedSmtpServer.builder()
                .greetings("421 4.3.2 down for maintenance", "421 4.3.2 down for maintenance",
                        "421 4.3.2 down for maintenance"));
        QueueEntry first = enqueue("bob@" + DOMAIN);

        ActorRef<Relay.Command> relay = start(server, new BackoffCurve(Duration.ofMillis(200), Duration.ofSeconds(2), 0));

        awaitTrue(() -> server.connections() >= 2, "the relay is restarted after a backoff and tries again");
        QueueEntry second = enqueue("carol@" + DOMAIN);
        relay.tell(new Relay.Enqueued(List.of(second))); // may land in the backoff's stash: the spool has it

        List<ScriptedSmtpServer.Transaction> delivered = server.awaitTransactions(2, Duration.ofSeconds(15));
        assertThat(delivered).extracting(t -> t.recipients().get(0))
                .containsExactlyInAnyOrder("bob@[127.0.0.1]", "carol@[127.0.0.1]");
        assertThat(server.connections()).isGreaterThanOrEqualTo(4); // three 421s, then the one that worked
        awaitTrue(() -> !Files.exists(envelopeOf(first)) && !Files.exists(envelopeOf(second)), "the queue is empty");
    }

    @Test
    void backoffGapsGrowWhileTheDestinationStaysDown() throws Exception {
        ScriptedSmtpServer server = server(ScriptedSmtpServer.builder()
                .greetings("421 a", "421 b", "421 c", "421 d", "421 e", "421 f", "421 g", "421 h"));
        QueueEntry entry = enqueue("bob@" + DOMAIN);
        List<Instant> attempts = new ArrayList<>();

        start(server, new BackoffCurve(Duration.ofMillis(100), Duration.ofSeconds(5), 0));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int seen = 0;
        while (attempts.size() < 4 && System.nanoTime() < deadline) {
            if (server.connections() > seen) {
                seen = server.connections();
                attempts.add(Instant.now());
            }
            Thread.sleep(5);
        }
        assertThat(attempts).hasSize(4);
        Duration firstGap = Duration.between(attempts.get(1), attempts.get(2));
        Duration secondGap = Duration.between(attempts.get(2), attempts.get(3));
        assertThat(secondGap).as("backoff doubles").isGreaterThan(firstGap);
        QueueEntry recorded = spool.find(entry.id()).orElseThrow();
        assertThat(recorded.recipients().get(0).attempts()).isGreaterThanOrEqualTo(3);
        assertThat(recorded.lastError()).hasValueSatisfying(error -> assertThat(error).contains("421"));
    }

    @Test
    void everyHostRejectingForGoodBouncesWithoutRetry() throws Exception {
        ScriptedSmtpServer server = server(ScriptedSmtpServer.builder().greetings("554 5.7.1 go away"));
        QueueEntry entry = enqueue("bob@" + DOMAIN);

        start(server, new BackoffCurve(Duration.ofMillis(200), Duration.ofSeconds(1), 0));

        BounceDelivery.Store bounce = router.expectMessageClass(BounceDelivery.Store.class, Duration.ofSeconds(10));
        assertThat(Files.readString(bounce.message().file(), StandardCharsets.ISO_8859_1))
                .contains("Status: 5.7.1").contains("554 5.7.1 go away");
        bounce.replyTo().tell(new BounceDelivery.Stored(bounce.envelope().messageId()));
        awaitTrue(() -> !Files.exists(envelopeOf(entry)), "the entry leaves the queue");
        assertThat(server.connections()).isEqualTo(1);
    }

    @Test
    void aRecipientPastTheQueueLifetimeBounces() throws Exception {
        ScriptedSmtpServer server = server(ScriptedSmtpServer.builder().rcptReplies(
                "451 4.2.0 full", "451 4.2.0 full", "451 4.2.0 full", "451 4.2.0 full", "451 4.2.0 full",
                "451 4.2.0 full", "451 4.2.0 full", "451 4.2.0 full", "451 4.2.0 full", "451 4.2.0 full"));
        QueueEntry entry = enqueue("bob@" + DOMAIN);

        start(server, new BackoffCurve(Duration.ofMillis(100), Duration.ofMillis(300), 0), Duration.ofSeconds(1));

        BounceDelivery.Store bounce = router.expectMessageClass(BounceDelivery.Store.class, Duration.ofSeconds(10));
        assertThat(Files.readString(bounce.message().file(), StandardCharsets.ISO_8859_1))
                .contains("Action: failed").contains("Status: 4.2.0").contains("451 4.2.0 full");
        bounce.replyTo().tell(new BounceDelivery.Stored(bounce.envelope().messageId()));
        awaitTrue(() -> !Files.exists(envelopeOf(entry)), "the expired entry leaves the queue");
        assertThat(server.transactions()).isEmpty();
    }

    @Test
    void aRestartedRelayResumesFromTheSpool() throws Exception {
        ScriptedSmtpServer server = server(ScriptedSmtpServer.builder());
        QueueEntry entry = enqueue("bob@" + DOMAIN);
        // as if a previous run had deferred it: the next attempt is due now
        spool.update(entry.deferred(address("bob@" + DOMAIN), "4.4.1", "X-Tern; connect failed", null,
                Instant.now().minusSeconds(60), Instant.now().minusSeconds(1)));

        start(server, new BackoffCurve(Duration.ofMillis(200), Duration.ofSeconds(1), 0));

        assertThat(server.awaitTransactions(1, Duration.ofSeconds(10))).hasSize(1);
        awaitTrue(() -> !Files.exists(envelopeOf(entry)), "delivered and removed");
    }

    @Test
    void aFlushedRelayTriesEntriesWhoseNextAttemptIsFarAway() throws Exception {
        ScriptedSmtpServer server = server(ScriptedSmtpServer.builder());
        QueueEntry entry = enqueue("bob@" + DOMAIN);
        Instant lastTry = Instant.now().minusSeconds(5);
        spool.update(entry.deferred(address("bob@" + DOMAIN), "4.4.1", "X-Tern; connect failed", null,
                lastTry, Instant.now().plus(Duration.ofHours(1))));

        ActorRef<Relay.Command> idle = start(server, new BackoffCurve(Duration.ofMillis(200), Duration.ofSeconds(1), 0));
        Thread.sleep(300);
        assertThat(server.connections()).as("not due for an hour").isZero();
        testKit.stop(idle);
        started.remove(idle);

        spawn(Relay.create(DOMAIN, context(server, new BackoffCurve(Duration.ofMillis(200),
                Duration.ofSeconds(1), 0), Duration.ofDays(5)), Instant.now()));
        assertThat(server.awaitTransactions(1, Duration.ofSeconds(10))).hasSize(1);
    }

    @Test
    void eachRecipientsOutcomeIsCountedAndTheQueueGaugeFollowsTheRelaysEntries() throws Exception {
        ScriptedSmtpServer server = server(ScriptedSmtpServer.builder()
                .rcptReply("carol@[127.0.0.1]", "550 5.1.1 no such user")
                .rcptReply("dave@[127.0.0.1]", "451 4.3.0 try later"));
        TernMetrics metrics = new TernMetrics();
        QueueEntry entry = enqueue("bob@" + DOMAIN, "carol@" + DOMAIN, "dave@" + DOMAIN);

        // dave's retry is an hour away: one attempt, and the entry stays queued for him
        ActorRef<Relay.Command> relay = start(server, new BackoffCurve(Duration.ofHours(1), Duration.ofHours(1), 0),
                Duration.ofDays(5), metrics);

        String remote = "tern_deliveries_total{kind=\"remote\",result=";
        awaitTrue(() -> Samples.scrape(metrics).value(remote + "\"deferred\"}") == 1, "dave's deferral is counted");
        Samples samples = Samples.scrape(metrics);
        assertThat(samples.value(remote + "\"delivered\"}")).isEqualTo(1);
        assertThat(samples.value(remote + "\"bounced\"}")).isEqualTo(1);
        assertThat(samples.value("tern_relay_delivery_seconds_count{result=\"delivered\"}")).isEqualTo(1);
        assertThat(samples.value("tern_relay_delivery_seconds_count{result=\"bounced\"}")).isEqualTo(1);
        assertThat(samples.value("tern_queue_messages")).isEqualTo(1);
        assertThat(spool.find(entry.id())).as("still queued for dave").isPresent();

        testKit.stop(relay);
        started.remove(relay);
        awaitTrue(() -> Samples.scrape(metrics).value("tern_queue_messages") == 0,
                "a stopped relay's entries leave the gauge (its successor counts them again)");
    }

    private ScriptedSmtpServer server(ScriptedSmtpServer.Builder builder) throws IOException {
        return serve(builder.bind("127.0.0.1").start());
    }

    private ActorRef<Relay.Command> start(ScriptedSmtpServer server, BackoffCurve curve) {
        return start(server, curve, Duration.ofDays(5));
    }

    private ActorRef<Relay.Command> start(ScriptedSmtpServer server, BackoffCurve curve, Duration lifetime) {
        return start(server, curve, lifetime, new TernMetrics());
    }

    private ActorRef<Relay.Command> start(ScriptedSmtpServer server, BackoffCurve curve, Duration lifetime,
                                          TernMetrics metrics) {
        return spawn(RelaySupervision.supervise(
                Relay.create(DOMAIN, context(server, curve, lifetime, metrics), null), curve));
    }

    private RelayContext context(ScriptedSmtpServer server, BackoffCurve curve, Duration lifetime) {
        return context(server, curve, lifetime, new TernMetrics());
    }

    private RelayContext context(ScriptedSmtpServer server, BackoffCurve curve, Duration lifetime,
                                 TernMetrics metrics) {
        RelaySettings settings = new RelaySettings(List.of(), server.port(), TlsPolicy.OPPORTUNISTIC, spool.dir(), curve,
                lifetime, 2, 100, Duration.ofSeconds(2), FAST, "tern.test");
        // address-literal domains need no DNS; the resolver points at a silent loopback port all the same
        MxResolver resolver = new MxResolver(List.of(new InetSocketAddress("127.0.0.1", 9)), Duration.ofSeconds(2),
                new Random(1));
        return new RelayContext(settings, spool, resolver,
                OpportunisticTls.context(), router.ref(),
                address -> address.domain().equals("local.test")
                        ? Optional.of(new Recipient.LocalMailbox(address.localPart()))
                        : Optional.of(new Recipient.RemoteDomain(address.domain())),
                incoming, Clock.systemUTC(), new Random(7), Props.empty(), metrics);
    }

    private QueueEntry enqueue(String... recipients) throws IOException {
        return enqueue(new ReversePath.Sender(address("alice@local.test")), recipients);
    }

    private QueueEntry enqueue(ReversePath sender, String... recipients) throws IOException {
        Path file = incoming.resolve("staged-" + (++staged));
        byte[] bytes = new byte[RETURN_PATH.length + MESSAGE.length];
        System.arraycopy(RETURN_PATH, 0, bytes, 0, RETURN_PATH.length);
        System.arraycopy(MESSAGE, 0, bytes, RETURN_PATH.length, MESSAGE.length);
        Files.write(file, bytes);
        List<MailAddress> addresses = Arrays.stream(recipients).map(RelayTest::address).toList();
        List<QueueEntry> entries = spool.enqueue("M" + staged, sender, addresses,
                new StagedMessage(file, bytes.length, RETURN_PATH.length), Instant.now());
        assertThat(entries).hasSize(1);
        return entries.get(0);
    }

    private static MailAddress address(String text) {
        return MailAddress.parse(text).orElseThrow();
    }
}
