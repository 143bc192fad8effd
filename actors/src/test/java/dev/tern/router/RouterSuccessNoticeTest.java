package dev.tern.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
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

import dev.tern.protocol.DsnRequest;
import dev.tern.protocol.Envelope;
import dev.tern.protocol.MailAddress;
import dev.tern.protocol.OriginalRecipient;
import dev.tern.protocol.Recipient;
import dev.tern.protocol.RecipientDsn;
import dev.tern.protocol.RecipientDsn.Notify;
import dev.tern.protocol.ReversePath;
import dev.tern.queue.QueueSpool;
import dev.tern.store.MaildirStore;
import dev.tern.store.StagedMessage;

/** RFC 3461 NOTIFY=SUCCESS on a local recipient: the router stores the message, then an "Action: delivered" DSN. */
class RouterSuccessNoticeTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final byte[] CONTENT = "Subject: test\r\n\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII);
    private static ActorTestKit testKit;

    @TempDir
    Path temp;
    private Path mailRoot;
    private Path incoming;
    private ActorRef<Router.Command> router;
    private StagedMessage staged;
    private int ids;

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
        incoming = Files.createDirectories(temp.resolve("incoming"));
        staged = new StagedMessage(Files.write(incoming.resolve("staged"), CONTENT), CONTENT.length);
        QueueSpool spool = new QueueSpool(Files.createDirectories(temp.resolve("queue")));
        Router.Notifications notifications = new Router.Notifications("mx.example.org", incoming, Clock.systemUTC(),
                address -> address.domain().equals("example.org")
                        ? Optional.of(new Recipient.LocalMailbox(address.localPart())) : Optional.empty());
        router = testKit.spawn(Router.create(new MaildirStore(mailRoot, "mx.example.org", Clock.systemUTC()),
                new Router.Remote(QueueWriter.create(spool, Clock.systemUTC()), bounces -> Behaviors.ignore(),
                        notifications)));
    }

    @Test
    void notifySuccessGivesTheSenderADeliveredReport() throws Exception {
        Recipient alice = local("alice", new RecipientDsn(Set.of(Notify.SUCCESS),
                new OriginalRecipient("rfc822", "Alice+x@example.org")));
        deliver(new Envelope(nextId(), sender("sender"), List.of(alice), new DsnRequest(null, "ENV-7")));

        assertThat(inNew("alice")).hasSize(1);
        String dsn = awaitOne("sender");
        assertThat(dsn).startsWith("Return-Path: <>\r\n")
                .contains("Subject: Successful Mail Delivery Report")
                .contains("Original-Envelope-Id: ENV-7\r\n")
                .contains("Final-Recipient: rfc822; alice@example.org\r\n")
                .contains("Original-Recipient: rfc822; Alice+x@example.org\r\n")
                .contains("Action: delivered\r\n")
                .contains("Status: 2.0.0\r\n")
                .contains("Subject: test");
        testKit.createTestProbe().awaitAssert(TIMEOUT, () -> {
            try (Stream<Path> left = Files.list(incoming)) {
                assertThat(left.map(p -> p.getFileName().toString()).toList()).as("staged notice removed")
                        .containsExactly("staged");
            }
            return null;
        });
    }

    @Test
    void withoutNotifySuccessNoReport() throws Exception {
        deliver(new Envelope(nextId(), sender("sender"), List.of(local("alice", RecipientDsn.NONE),
                local("bob", new RecipientDsn(Set.of(Notify.FAILURE, Notify.DELAY), null)))));

        assertThat(inNew("alice")).hasSize(1);
        Thread.sleep(300);
        assertThat(inNew("sender")).isEmpty();
    }

    @Test
    void neverAReportToTheNullSender() throws Exception {
        deliver(new Envelope(nextId(), ReversePath.NULL, List.of(local("alice",
                new RecipientDsn(Set.of(Notify.SUCCESS), null)))));

        assertThat(inNew("alice")).hasSize(1);
        Thread.sleep(300);
        try (Stream<Path> users = Files.list(mailRoot)) {
            assertThat(users.map(p -> p.getFileName().toString()).toList()).containsExactly("alice");
        }
    }

    private void deliver(Envelope envelope) {
        TestProbe<Router.Outcome> outcomes = testKit.createTestProbe();
        router.tell(new Router.Deliver(envelope, staged, outcomes.getRef()));
        assertThat(outcomes.receiveMessage(TIMEOUT)).isEqualTo(new Router.Stored(envelope.messageId()));
    }

    private String nextId() {
        return "ID" + ++ids;
    }

    private static ReversePath sender(String user) {
        return new ReversePath.Sender(new MailAddress(user, "example.org"));
    }

    private static Recipient local(String user, RecipientDsn dsn) {
        return new Recipient(new MailAddress(user, "example.org"), new Recipient.LocalMailbox(user), dsn);
    }

    private String awaitOne(String user) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (inNew(user).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(inNew(user)).hasSize(1);
        return Files.readString(inNew(user).get(0), StandardCharsets.ISO_8859_1);
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
}
