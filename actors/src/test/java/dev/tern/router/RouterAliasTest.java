package dev.tern.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import dev.tern.aliases.AliasFile;
import dev.tern.aliases.AliasTable;
import dev.tern.aliases.LocalRecipients;
import dev.tern.metrics.TernMetrics;
import dev.tern.protocol.Envelope;
import dev.tern.protocol.MailAddress;
import dev.tern.protocol.Recipient;
import dev.tern.protocol.RecipientDelimiter;
import dev.tern.protocol.ReversePath;
import dev.tern.queue.QueueEntry;
import dev.tern.queue.QueueSpool;
import dev.tern.relay.Relays;
import dev.tern.store.MaildirStore;
import dev.tern.store.NumberedStore;
import dev.tern.store.StagedMessage;

/** The Router expanding aliases and sub-addresses: one copy per final mailbox, remote targets queued. */
@ExtendWith(TestKitJUnit5Extension.class)
class RouterAliasTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final String RETURN_PATH = "Return-Path: <sender@example.net>\r\n";
    private static final String BODY = "Received: from client\r\nSubject: test\r\n\r\nhello\r\n";

    @JUnit5TestKit
    ActorTestKit testKit = new JUnit5TestKitBuilder().build();

    @TempDir
    Path temp;

    private Path mailRoot;
    private MaildirStore maildir;
    private StagedMessage staged;
    private QueueSpool spool;
    private TestProbe<Relays.Command> relays;
    private int ids;

    @BeforeEach
    void setUp() throws IOException {
        mailRoot = Files.createDirectories(temp.resolve("mail"));
        Path incoming = Files.createDirectories(temp.resolve("incoming"));
        maildir = new MaildirStore(mailRoot, "mx.example.org", Clock.systemUTC());
        byte[] content = (RETURN_PATH + BODY).getBytes(StandardCharsets.US_ASCII);
        staged = new StagedMessage(Files.write(incoming.resolve("staged"), content), content.length,
                RETURN_PATH.length());
        spool = new QueueSpool(Files.createDirectories(temp.resolve("queue")));
        relays = testKit.createTestProbe();
    }

    private ActorRef<Router.Command> router(String... aliasLines) {
        AliasTable table = AliasTable.of(Path.of("aliases"),
                AliasFile.parse(Path.of("aliases"), List.of(aliasLines), Set.of("example.org")));
        LocalRecipients locals = new LocalRecipients(() -> table, Set.of("alice", "bob", "carol")::contains,
                new RecipientDelimiter("+"), List.of());
        return testKit.spawn(Router.create(maildir, new Router.Remote(QueueWriter.create(spool, Clock.systemUTC()),
                bounces -> Behaviors.monitor(Relays.Command.class, relays.getRef(), Behaviors.ignore())),
                new TernMetrics(), locals));
    }

    private Envelope envelope(String... localPartsAndNames) {
        List<Recipient> recipients = new ArrayList<>();
        for (int i = 0; i < localPartsAndNames.length; i += 2) {
            recipients.add(new Recipient(MailAddress.parse(localPartsAndNames[i] + "@example.org").orElseThrow(),
                    new Recipient.LocalMailbox(localPartsAndNames[i + 1])));
        }
        return new Envelope("ID" + ++ids, new ReversePath.Sender(new MailAddress("sender", "example.net")),
                recipients);
    }

    private Router.Outcome deliver(ActorRef<Router.Command> router, Envelope envelope) {
        TestProbe<Router.Outcome> outcomes = testKit.createTestProbe();
        router.tell(new Router.Deliver(envelope, staged, outcomes.getRef()));
        return outcomes.receiveMessage(TIMEOUT);
    }

    private List<String> messages(String user) throws IOException {
        Path folder = mailRoot.resolve(user).resolve("new");
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(file -> {
                try {
                    return Files.readString(file, StandardCharsets.US_ASCII);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }).toList();
        }
    }

    @Test
    void severalAliasesAndADirectRecipientLeadingToOneMailboxStoreOneCopyEach() throws IOException {
        ActorRef<Router.Command> router = router("team: alice, bob", "all: team, carol, alice");
        Envelope envelope = envelope("team", "team", "all", "all", "alice", "alice");

        assertThat(deliver(router, envelope)).isEqualTo(new Router.Stored(envelope.messageId()));

        assertThat(messages("alice")).containsExactly(RETURN_PATH + "Delivered-To: team@example.org\r\n" + BODY);
        assertThat(messages("bob")).containsExactly(RETURN_PATH + "Delivered-To: team@example.org\r\n" + BODY);
        assertThat(messages("carol")).containsExactly(RETURN_PATH + "Delivered-To: all@example.org\r\n" + BODY);
        assertThat(messages("team")).isEmpty();
        assertThat(Files.list(staged.file().getParent()).map(Path::getFileName).map(Path::toString))
                .as("the per-copy files are gone").containsExactly("staged");
        testKit.stop(router);
    }

    @Test
    void aPlainRecipientSharesTheStagedFileAndGetsNoDeliveredTo() throws IOException {
        ActorRef<Router.Command> router = router("team: alice, bob");

        assertThat(deliver(router, envelope("Alice", "alice"))).isInstanceOf(Router.Stored.class);

        assertThat(messages("alice")).containsExactly(RETURN_PATH + BODY);
        Path copy = Files.list(mailRoot.resolve("alice").resolve("new")).findFirst().orElseThrow();
        assertThat(Files.isSameFile(copy, staged.file())).as("a hard link, as before").isTrue();
        testKit.stop(router);
    }

    @Test
    void aSubAddressKeepsItsFullAddressInDeliveredTo() throws IOException {
        ActorRef<Router.Command> router = router();

        assertThat(deliver(router, envelope("alice+lists", "alice"))).isInstanceOf(Router.Stored.class);

        assertThat(messages("alice")).containsExactly(RETURN_PATH + "Delivered-To: alice+lists@example.org\r\n" + BODY);
        testKit.stop(router);
    }

    @Test
    void aNumberedMailboxGetsItsOwnCopyWithDeliveredToToo() throws IOException {
        ActorRef<Router.Command> router = testKit.spawn(Router.create(new NumberedStore(mailRoot), null,
                new TernMetrics(), new LocalRecipients(AliasTable::empty, "bob"::equals, new RecipientDelimiter("+"),
                        List.of())));

        assertThat(deliver(router, envelope("bob+x", "bob"))).isInstanceOf(Router.Stored.class);

        assertThat(Files.readString(mailRoot.resolve("bob").resolve("1"), StandardCharsets.US_ASCII))
                .isEqualTo(RETURN_PATH + "Delivered-To: bob+x@example.org\r\n" + BODY);
        testKit.stop(router);
    }

    @Test
    void remoteTargetsAreQueuedOnceAndHandedToTheRelaysBesideTheLocalCopies() throws IOException {
        ActorRef<Router.Command> router = router("team: alice, friend@remote.test, other@remote.test",
                "crew: friend@remote.test, bob");
        Envelope envelope = envelope("team", "team", "crew", "crew");

        assertThat(deliver(router, envelope)).isEqualTo(new Router.Stored(envelope.messageId()));

        assertThat(messages("alice")).hasSize(1);
        assertThat(messages("bob")).hasSize(1);
        List<QueueEntry> queued = spool.all();
        assertThat(queued).singleElement().satisfies(entry -> {
            assertThat(entry.domain()).isEqualTo("remote.test");
            assertThat(entry.pendingAddresses()).extracting(MailAddress::toString)
                    .containsExactly("friend@remote.test", "other@remote.test");
        });
        assertThat(relays.expectMessageClass(Relays.Enqueued.class, TIMEOUT).entries()).isEqualTo(queued);
        testKit.stop(router);
    }

    @Test
    void aRecipientWhoseAliasNowLeadsNowhereFailsTheMessageWithNothingStored() throws IOException {
        ActorRef<Router.Command> router = router("gone: ghost");

        assertThat(deliver(router, envelope("alice", "alice", "gone", "gone"))).isInstanceOf(Router.NotStored.class);

        assertThat(messages("alice")).isEmpty();
        testKit.stop(router);
    }
}
