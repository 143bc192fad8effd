package dev.tern.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tern.metrics.Samples;
import dev.tern.metrics.TernMetrics;
import dev.tern.protocol.DsnRequest;
import dev.tern.protocol.Envelope;
import dev.tern.protocol.MailAddress;
import dev.tern.protocol.MessageEncoding;
import dev.tern.protocol.Recipient;
import dev.tern.protocol.ReversePath;
import dev.tern.protocol.TlsRequirement;
import dev.tern.queue.QueueEntry;
import dev.tern.queue.QueueSpool;
import dev.tern.relay.BounceDelivery;
import dev.tern.relay.Relays;
import dev.tern.store.MailboxStore;
import dev.tern.store.MaildirStore;
import dev.tern.store.StagedMessage;

class RouterTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final byte[] CONTENT = "Subject: test\r\n\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII);

    private static ActorTestKit testKit;
    private static final AtomicInteger IDS = new AtomicInteger();

    @TempDir
    Path temp;

    private Path mailRoot;
    private MaildirStore maildir;
    private StagedMessage staged;

    @BeforeAll
    static void start() {
        testKit = ActorTestKit.create();
    }

    @AfterAll
    static void stop() {
        testKit.shutdownTestKit();
    }

    @BeforeEach
    void setUp() throws IOException {
        mailRoot = Files.createDirectories(temp.resolve("mail"));
        Path spool = Files.createDirectories(temp.resolve("incoming"));
        maildir = new MaildirStore(mailRoot, "mx.example.org", Clock.systemUTC());
        staged = new StagedMessage(Files.write(spool.resolve("staged"), CONTENT), CONTENT.length);
    }

    // ---------------------------------------------------------------- helpers

    private static Recipient local(String address) {
        MailAddress parsed = MailAddress.parse(address).orElseThrow();
        return new Recipient(parsed, new Recipient.LocalMailbox(parsed.mailboxName()));
    }

    private static Envelope envelope(Recipient... recipients) {
        return new Envelope("ID" + IDS.incrementAndGet(),
                new ReversePath.Sender(MailAddress.parse("sender@example.net").orElseThrow()), Arrays.asList(recipients));
    }

    private List<Path> inNew(String user) throws IOException {
        Path folder = mailRoot.resolve(user).resolve("new");
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(folder)) {
            return entries.toList();
        }
    }

    private Router.Outcome deliver(MailboxStore store, Envelope envelope) {
        return deliver(store, envelope, new TernMetrics());
    }

    private Router.Outcome deliver(MailboxStore store, Envelope envelope, TernMetrics metrics) {
        ActorRef<Router.Command> router = testKit.spawn(Router.create(store, null, metrics));
        TestProbe<Router.Outcome> outcomes = testKit.createTestProbe();
        router.tell(new Router.Deliver(envelope, staged, outcomes.getRef()));
        Router.Outcome outcome = outcomes.receiveMessage(TIMEOUT);
        outcomes.expectNoMessage(Duration.ofMillis(100));
        testKit.stop(router);
        return outcome;
    }

    /** A store that delegates to the Maildir, failing or holding back chosen users. */
    private static final class ScriptedStore implements MailboxStore {
        private final MailboxStore delegate;
        private final String failingUser;
        private final String heldUser;
        private final CountDownLatch release;

        ScriptedStore(MailboxStore delegate, String failingUser, String heldUser, CountDownLatch release) {
            this.delegate = delegate;
            this.failingUser = failingUser;
            this.heldUser = heldUser;
            this.release = release;
        }

        @Override
        public Path deliver(String user, StagedMessage message) throws IOException {
            if (user.equals(heldUser)) {
                try {
                    if (!release.await(20, TimeUnit.SECONDS)) {
                        throw new IOException("test never released " + user);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(e);
                }
            }
            if (user.equals(failingUser)) {
                throw new IOException("disk full for " + user);
            }
            return delegate.deliver(user, message);
        }

        @Override
        public void retract(Path delivered) throws IOException {
            delegate.retract(delivered);
        }

        @Override
        public void create(String user) throws IOException {
            delegate.create(user);
        }
    }

    // ---------------------------------------------------------------- tests

    @Test
    void twoLocalRecipientsAreStoredOnlyOnceBothCopiesAreOnDisk() throws IOException {
        CountDownLatch releaseBob = new CountDownLatch(1);
        ActorRef<Router.Command> router =
                testKit.spawn(Router.create(new ScriptedStore(maildir, null, "bob", releaseBob)));
        TestProbe<Router.Outcome> outcomes = testKit.createTestProbe();
        Envelope envelope = envelope(local("alice@example.org"), local("bob@example.org"));

        router.tell(new Router.Deliver(envelope, staged, outcomes.getRef()));

        outcomes.awaitAssert(TIMEOUT, () -> {
            assertThat(inNew("alice")).hasSize(1);
            return null;
        });
        outcomes.expectNoMessage(Duration.ofMillis(300)); // bob's copy is still being written
        releaseBob.countDown();

        Router.Outcome outcome = outcomes.receiveMessage(TIMEOUT);
        assertThat(outcome).isEqualTo(new Router.Stored(envelope.messageId()));
        // at the moment of the answer, both copies are there
        assertThat(inNew("alice")).hasSize(1);
        assertThat(inNew("bob")).hasSize(1);
        assertThat(Files.readAllBytes(inNew("alice").get(0))).isEqualTo(CONTENT);
        assertThat(Files.readAllBytes(inNew("bob").get(0))).isEqualTo(CONTENT);
        testKit.stop(router);
    }

    @Test
    void duplicateRecipientsToOneMailboxGiveOneCopy() throws IOException {
        Envelope envelope = envelope(local("alice@example.org"), local("ALICE@example.org"),
                local("\"alice\"@example.org"), local("bob@example.org"));

        assertThat(deliver(maildir, envelope)).isEqualTo(new Router.Stored(envelope.messageId()));

        assertThat(inNew("alice")).hasSize(1);
        assertThat(inNew("bob")).hasSize(1);
    }

    @Test
    void aFailingMailboxMakesTheMessageNotStoredAndRetractsTheOtherCopy() throws Exception {
        ScriptedStore store = new ScriptedStore(maildir, "bob", null, null);
        Envelope envelope = envelope(local("alice@example.org"), local("bob@example.org"));

        Router.Outcome outcome = deliver(store, envelope);

        assertThat(outcome).isInstanceOf(Router.NotStored.class);
        assertThat(outcome.messageId()).isEqualTo(envelope.messageId());
        assertThat(((Router.NotStored) outcome).reason()).contains("disk full for bob");
        awaitNoCopyFor("alice");
        assertThat(inNew("bob")).isEmpty();
    }

    @Test
    void aCopyStoredAfterTheFailureIsRetractedToo() throws Exception {
        // bob fails at once; alice's copy is written only afterwards: it must still be taken back
        CountDownLatch releaseAlice = new CountDownLatch(1);
        ScriptedStore store = new ScriptedStore(maildir, "bob", "alice", releaseAlice);
        ActorRef<Router.Command> router = testKit.spawn(Router.create(store));
        TestProbe<Router.Outcome> outcomes = testKit.createTestProbe();
        Envelope envelope = envelope(local("alice@example.org"), local("bob@example.org"));

        router.tell(new Router.Deliver(envelope, staged, outcomes.getRef()));
        outcomes.expectNoMessage(Duration.ofMillis(300)); // no answer while alice's copy is out
        releaseAlice.countDown();

        assertThat(outcomes.receiveMessage(TIMEOUT)).isInstanceOf(Router.NotStored.class);
        awaitNoCopyFor("alice");
        testKit.stop(router);
    }

    @Test
    void aFailureOfTheOnlyRecipientIsNotStored() {
        ScriptedStore store = new ScriptedStore(maildir, "alice", null, null);
        Envelope envelope = envelope(local("alice@example.org"));

        assertThat(deliver(store, envelope)).isInstanceOf(Router.NotStored.class);
    }

    @Test
    void aRuntimeExceptionInTheStoreIsNotStoredToo() {
        MailboxStore store = new MailboxStore() {
            @Override
            public Path deliver(String user, StagedMessage message) {
                throw new IllegalStateException("bug in the store");
            }

            @Override
            public void retract(Path delivered) {
            }

            @Override
            public void create(String user) {
            }
        };
        Router.Outcome outcome = deliver(store, envelope(local("alice@example.org")));
        assertThat(outcome).isInstanceOf(Router.NotStored.class);
        assertThat(((Router.NotStored) outcome).reason()).contains("bug in the store");
    }

    @Test
    void aRemoteRecipientIsNotStoredAndNothingIsWritten() throws IOException {
        Recipient remote = new Recipient(MailAddress.parse("x@remote.example").orElseThrow(),
                new Recipient.RemoteDomain("remote.example"));
        Envelope envelope = envelope(local("alice@example.org"), remote);

        assertThat(deliver(maildir, envelope)).isInstanceOf(Router.NotStored.class);
        assertThat(inNew("alice")).isEmpty();
    }

    @Test
    void remoteRecipientsAreQueuedDurablyBeforeStoredAndHandedToTheRelays() throws IOException {
        QueueSpool spool = new QueueSpool(Files.createDirectories(temp.resolve("queue")));
        TestProbe<Relays.Command> relays = testKit.createTestProbe();
        ActorRef<Router.Command> router = testKit.spawn(Router.create(maildir, remote(spool, relays)));
        TestProbe<Router.Outcome> outcomes = testKit.createTestProbe();
        Envelope envelope = envelope(local("alice@example.org"), remote("x@one.example"), remote("y@two.example"),
                remote("z@one.example"));

        router.tell(new Router.Deliver(envelope, staged, outcomes.getRef()));

        assertThat(outcomes.receiveMessage(TIMEOUT)).isEqualTo(new Router.Stored(envelope.messageId()));
        assertThat(inNew("alice")).hasSize(1);
        List<QueueEntry> queued = spool.all();
        assertThat(queued).extracting(QueueEntry::domain).containsExactlyInAnyOrder("one.example", "two.example");
        assertThat(queued.stream().filter(e -> e.domain().equals("one.example")).findFirst().orElseThrow()
                .pendingAddresses()).extracting(MailAddress::toString).containsExactly("x@one.example", "z@one.example");
        Relays.Enqueued handed = relays.expectMessageClass(Relays.Enqueued.class, TIMEOUT);
        assertThat(handed.entries()).containsExactlyInAnyOrderElementsOf(queued);
        testKit.stop(router);
    }

    /** A router queueing into {@code spool}, and the bounce door it hands the relays. */
    private record WithBounces(ActorRef<Router.Command> router, ActorRef<BounceDelivery.Store> bounces) {
    }

    private WithBounces routerWithBounces(QueueSpool spool) throws Exception {
        CompletableFuture<ActorRef<BounceDelivery.Store>> handedToRelays = new CompletableFuture<>();
        ActorRef<Router.Command> router = testKit.spawn(Router.create(maildir,
                new Router.Remote(QueueWriter.create(spool, Clock.systemUTC()), bounces -> {
                    handedToRelays.complete(bounces);
                    return Behaviors.ignore();
                })));
        return new WithBounces(router, handedToRelays.get(10, TimeUnit.SECONDS));
    }

    @Test
    void aRelaysBounceIsStoredAndAnsweredInTheRelaysTerms() throws Exception {
        QueueSpool spool = new QueueSpool(Files.createDirectories(temp.resolve("queue")));
        WithBounces spawned = routerWithBounces(spool);
        ActorRef<Router.Command> router = spawned.router();
        ActorRef<BounceDelivery.Store> bounces = spawned.bounces();
        TestProbe<BounceDelivery.Outcome> answers = testKit.createTestProbe();
        Envelope toAlice = envelope(local("alice@example.org"));
        Envelope toNobody = envelope(remote("x@one.example"));

        bounces.tell(new BounceDelivery.Store(toAlice, staged, answers.getRef()));
        assertThat(answers.receiveMessage(TIMEOUT)).isEqualTo(new BounceDelivery.Stored(toAlice.messageId()));
        assertThat(inNew("alice")).hasSize(1);

        Files.delete(temp.resolve("queue"));
        Files.writeString(temp.resolve("queue"), "in the way");
        bounces.tell(new BounceDelivery.Store(toNobody, staged, answers.getRef()));
        BounceDelivery.Outcome refused = answers.receiveMessage(TIMEOUT);
        assertThat(refused).isInstanceOf(BounceDelivery.NotStored.class);
        assertThat(refused.messageId()).isEqualTo(toNobody.messageId());
        testKit.stop(router);
    }

    @Test
    void aRequireTlsBounceToARemoteSenderIsQueuedWithRequireTls() throws Exception {
        // RFC 8689 §5: the relay hands over a bounce of a REQUIRETLS message marked REQUIRETLS; the queue keeps it
        QueueSpool spool = new QueueSpool(Files.createDirectories(temp.resolve("queue")));
        WithBounces spawned = routerWithBounces(spool);
        ActorRef<Router.Command> router = spawned.router();
        ActorRef<BounceDelivery.Store> bounces = spawned.bounces();
        TestProbe<BounceDelivery.Outcome> answers = testKit.createTestProbe();
        Envelope bounce = new Envelope("B1", ReversePath.NULL, List.of(remote("alice@sender.example")),
                MessageEncoding.PLAIN, DsnRequest.NONE, TlsRequirement.REQUIRETLS);

        bounces.tell(new BounceDelivery.Store(bounce, staged, answers.getRef()));

        assertThat(answers.receiveMessage(TIMEOUT)).isEqualTo(new BounceDelivery.Stored("B1"));
        assertThat(spool.all()).singleElement().satisfies(entry -> {
            assertThat(entry.sender()).isEqualTo(ReversePath.NULL);
            assertThat(entry.tls()).isEqualTo(TlsRequirement.REQUIRETLS);
        });
        testKit.stop(router);
    }

    @Test
    void aFailingLocalCopyTakesTheQueuedEntriesBack() throws Exception {
        QueueSpool spool = new QueueSpool(Files.createDirectories(temp.resolve("queue")));
        TestProbe<Relays.Command> relays = testKit.createTestProbe();
        ScriptedStore store = new ScriptedStore(maildir, "bob", null, null);
        ActorRef<Router.Command> router = testKit.spawn(Router.create(store, remote(spool, relays)));
        TestProbe<Router.Outcome> outcomes = testKit.createTestProbe();
        Envelope envelope = envelope(local("bob@example.org"), remote("x@one.example"));

        router.tell(new Router.Deliver(envelope, staged, outcomes.getRef()));

        assertThat(outcomes.receiveMessage(TIMEOUT)).isInstanceOf(Router.NotStored.class);
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!spool.all().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(spool.all()).as("the client retries after 451: no copy may stay queued").isEmpty();
        relays.expectNoMessage(Duration.ofMillis(200));
        testKit.stop(router);
    }

    @Test
    void aQueueThatCannotBeWrittenMakesTheMessageNotStored() throws Exception {
        Path notADirectory = Files.writeString(temp.resolve("queue-file"), "in the way");
        TestProbe<Relays.Command> relays = testKit.createTestProbe();
        ActorRef<Router.Command> router = testKit.spawn(Router.create(maildir,
                remote(new QueueSpool(notADirectory), relays)));
        TestProbe<Router.Outcome> outcomes = testKit.createTestProbe();
        Envelope envelope = envelope(local("alice@example.org"), remote("x@one.example"));

        router.tell(new Router.Deliver(envelope, staged, outcomes.getRef()));

        Router.Outcome outcome = outcomes.receiveMessage(TIMEOUT);
        assertThat(outcome).isInstanceOf(Router.NotStored.class);
        assertThat(((Router.NotStored) outcome).reason()).contains("queue");
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!inNew("alice").isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(inNew("alice")).as("the local copy is retracted").isEmpty();
        testKit.stop(router);
    }

    private static Recipient remote(String address) {
        MailAddress parsed = MailAddress.parse(address).orElseThrow();
        return new Recipient(parsed, new Recipient.RemoteDomain(parsed.domain()));
    }

    private static Router.Remote remote(QueueSpool spool, TestProbe<Relays.Command> relays) {
        return new Router.Remote(QueueWriter.create(spool, Clock.systemUTC()),
                router -> Behaviors.monitor(Relays.Command.class, relays.getRef(), Behaviors.ignore()));
    }

    @Test
    void severalMessagesInFlightAreAnsweredEachByItsId() {
        ActorRef<Router.Command> router = testKit.spawn(Router.create(maildir));
        TestProbe<Router.Outcome> outcomes = testKit.createTestProbe();
        Envelope first = envelope(local("alice@example.org"), local("bob@example.org"));
        Envelope second = envelope(local("bob@example.org"));
        Envelope third = envelope(local("carol@example.org"), local("alice@example.org"));

        router.tell(new Router.Deliver(first, staged, outcomes.getRef()));
        router.tell(new Router.Deliver(second, staged, outcomes.getRef()));
        router.tell(new Router.Deliver(third, staged, outcomes.getRef()));

        List<Router.Outcome> received = outcomes.receiveSeveralMessages(3, TIMEOUT);
        assertThat(received).containsExactlyInAnyOrder(new Router.Stored(first.messageId()),
                new Router.Stored(second.messageId()), new Router.Stored(third.messageId()));
        testKit.stop(router);
    }

    private void awaitNoCopyFor(String user) {
        TestProbe<Object> waiter = testKit.createTestProbe();
        waiter.awaitAssert(TIMEOUT, () -> {
            assertThat(inNew(user)).as("%s's copy retracted", user).isEmpty();
            return null;
        });
    }

    // ---------------------------------------------------------------- metrics

    private static final String LOCAL_DELIVERED = "tern_deliveries_total{kind=\"local\",result=\"delivered\"}";

    @Test
    void eachMailboxCopyStoredCountsAsOneLocalDelivery() throws Exception {
        TernMetrics metrics = new TernMetrics();

        Router.Outcome outcome = deliver(maildir, envelope(local("alice@example.org"), local("bob@example.org"),
                local("alice@other.example")), metrics);

        assertThat(outcome).isInstanceOf(Router.Stored.class);
        assertThat(inNew("alice")).hasSize(1);
        assertThat(inNew("bob")).hasSize(1);
        assertThat(Samples.scrape(metrics).value(LOCAL_DELIVERED)).as("one copy per mailbox").isEqualTo(2);
    }

    @Test
    void copiesRetractedBecauseAnotherFailedAreNoDeliveries() {
        TernMetrics metrics = new TernMetrics();

        Router.Outcome outcome = deliver(new ScriptedStore(maildir, "bob", null, null),
                envelope(local("alice@example.org"), local("bob@example.org")), metrics);

        assertThat(outcome).isInstanceOf(Router.NotStored.class);
        assertThat(Samples.scrape(metrics).value(LOCAL_DELIVERED)).isZero();
    }
}
