package dev.tern.relay;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Props;

import dev.tern.protocol.DsnRequest;
import dev.tern.protocol.MailAddress;
import dev.tern.protocol.MessageEncoding;
import dev.tern.protocol.Recipient;
import dev.tern.protocol.ReversePath;
import dev.tern.queue.QueueEntry;
import dev.tern.queue.QueueStore;
import dev.tern.store.StagedMessage;
import dev.tern.streams.client.ClientTimeouts;
import dev.tern.streams.client.OpportunisticTls;
import dev.tern.streams.client.TlsPolicy;
import dev.tern.supervision.BackoffCurve;

/**
 * What the tests of {@link DomainRelay} and {@link Relays} share: a relay context on a queue of the test's choosing that
 * sends every address-literal domain to one loopback port (no DNS), and messages queued in it.
 */
final class RelayFixture {

    static final byte[] RETURN_PATH = "Return-Path: <alice@local.test>\r\n".getBytes(StandardCharsets.US_ASCII);
    static final ReversePath ALICE = new ReversePath.Sender(address("alice@local.test"));
    private static final AtomicInteger STAGED = new AtomicInteger();

    private RelayFixture() {
    }

    static ClientTimeouts timeouts(Duration each) {
        return new ClientTimeouts(each, each, each, each, each, each, each, each);
    }

    /**
     * @param hostname what the relay says in EHLO: tells which node's relay sent a message
     */
    static RelayContext context(QueueStore queue, Path dir, int port, ActorRef<BounceDelivery.Store> bounces,
                                BackoffCurve curve, ClientTimeouts timeouts, String hostname) throws IOException {
        RelaySettings settings = new RelaySettings(List.of(), port, TlsPolicy.OPPORTUNISTIC, dir.resolve("queue"),
                curve, Duration.ofDays(5), 2, 100, Duration.ofSeconds(2), timeouts, hostname);
        // address-literal domains need no DNS; the resolver points at a silent loopback port all the same
        MxResolver resolver = new MxResolver(List.of(new InetSocketAddress("127.0.0.1", 9)), Duration.ofSeconds(2),
                new Random(1));
        return new RelayContext(settings, queue, resolver, OpportunisticTls.context(), bounces,
                address -> Optional.of(new Recipient.LocalMailbox(address.localPart())),
                Files.createDirectories(dir.resolve("incoming")), Clock.systemUTC(), new Random(7), Props.empty());
    }

    /** Queues a small message from alice to {@code recipients}: one entry per domain. */
    static List<QueueEntry> enqueue(QueueStore queue, Path dir, String subject, String... recipients)
            throws IOException {
        int number = STAGED.incrementAndGet();
        byte[] message = ("Subject: " + subject + "\r\nMessage-ID: <" + number + "@local.test>\r\n\r\nbody\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] bytes = new byte[RETURN_PATH.length + message.length];
        System.arraycopy(RETURN_PATH, 0, bytes, 0, RETURN_PATH.length);
        System.arraycopy(message, 0, bytes, RETURN_PATH.length, message.length);
        Path file = Files.write(Files.createDirectories(dir.resolve("staging")).resolve("staged-" + number), bytes);
        List<MailAddress> addresses = Arrays.stream(recipients).map(RelayFixture::address).toList();
        return queue.enqueue("M" + number + "T" + System.nanoTime(), ALICE, addresses,
                new StagedMessage(file, bytes.length, RETURN_PATH.length), Instant.now(), MessageEncoding.PLAIN,
                DsnRequest.NONE, Map.of());
    }

    /** The entry, as if an earlier attempt had deferred it until an hour from now. */
    static QueueEntry deferredForAnHour(QueueStore queue, QueueEntry entry) throws IOException {
        QueueEntry deferred = entry.deferred(entry.recipients().get(0).address(), "4.4.1", "X-Tern; connect failed",
                null, Instant.now().minusSeconds(5), Instant.now().plus(Duration.ofHours(1)));
        queue.update(deferred);
        return deferred;
    }

    static MailAddress address(String text) {
        return MailAddress.parse(text).orElseThrow();
    }

    interface Check {
        boolean holds() throws Exception;
    }

    static void awaitTrue(Check check, Duration within, String what) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            if (check.holds()) {
                return;
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
        throw new AssertionError("timed out waiting until " + what);
    }
}
