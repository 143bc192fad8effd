package dev.tern.session;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tern.metrics.TernMetrics;
import dev.tern.protocol.LocalRecipientPolicy;
import dev.tern.protocol.ServerDialogue;
import dev.tern.protocol.SessionSettings;
import dev.tern.router.Router;
import dev.tern.streams.InputLine;
import dev.tern.streams.SessionInput;
import dev.tern.users.Authenticator;

/** The session's side of RFC 3030 BDAT: it asks for the announced octets, stages them, and drops what it must. */
class SmtpSessionChunkingTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final SessionSettings SETTINGS = new SessionSettings("mx.example.org", 1000, 100, 3);
    private static final InetSocketAddress PEER = new InetSocketAddress(InetAddress.getLoopbackAddress(), 40000);

    private static ActorTestKit testKit;

    @TempDir
    Path temp;
    private Path incoming;
    private SmtpSessionTest.FakeConnection channel;
    private TestProbe<Router.Command> router;
    private TestProbe<Authenticator.Command> authenticator;

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
        incoming = Files.createDirectories(temp.resolve("incoming"));
        channel = new SmtpSessionTest.FakeConnection();
        router = testKit.createTestProbe();
        authenticator = testKit.createTestProbe();
    }

    private ActorRef<SmtpSession.Command> session() throws InterruptedException {
        LocalRecipientPolicy policy = new LocalRecipientPolicy(Set.of("example.org"), Set.of("alice")::contains,
                LocalRecipientPolicy.Relay.DENIED);
        SessionSetup setup = new SessionSetup(new ServerDialogue(SETTINGS, policy), SETTINGS, router.getRef(),
                authenticator.getRef(), incoming, Duration.ofMinutes(5),
                Clock.fixed(Instant.parse("2026-03-01T12:00:00Z"), ZoneOffset.UTC),
                SessionSetup.Encryption.ON_STARTTLS, new TernMetrics().listener("unexported"));
        ActorRef<SmtpSession.Command> session = testKit.spawn(SmtpSession.create(setup, channel, PEER));
        channel.awaitEndsWith("ESMTP Tern\r\n", TIMEOUT);
        return session;
    }

    /** Hands over lines and waits until the session asks for what comes next. */
    private void lines(ActorRef<SmtpSession.Command> session, String... lines) throws Exception {
        CompletableFuture<Done> handled = new CompletableFuture<>();
        channel.expectInputRequest(handled);
        session.tell(new SmtpSession.FromConnection(new SessionInput.Lines(List.of(lines).stream()
                .<InputLine>map(line -> new InputLine.Line(ByteString.fromString(line, ISO_8859_1))).toList())));
        handled.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    private void octets(ActorRef<SmtpSession.Command> session, String text) throws Exception {
        CompletableFuture<Done> handled = new CompletableFuture<>();
        channel.expectInputRequest(handled);
        session.tell(new SmtpSession.FromConnection(new SessionInput.Octets(ByteString.fromString(text, ISO_8859_1))));
        handled.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    private List<Path> staged() throws IOException {
        try (Stream<Path> files = Files.list(incoming)) {
            return files.toList();
        }
    }

    private ActorRef<SmtpSession.Command> inTransaction() throws Exception {
        ActorRef<SmtpSession.Command> session = session();
        lines(session, "EHLO client.example", "MAIL FROM:<s@example.net>", "RCPT TO:<alice@example.org>");
        return session;
    }

    @Test
    void aBdatLineAsksForItsOctetsWhichGoToTheStagingFileAsTheyCome() throws Exception {
        ActorRef<SmtpSession.Command> session = inTransaction();

        lines(session, "BDAT 11");
        assertThat(channel.octetRequests()).containsExactly(11L);
        octets(session, "abc\r");
        assertThat(channel.octetRequests()).as("the rest of the run is asked for as plain input").hasSize(1);
        assertThat(channel.text()).doesNotContain("octets received");
        octets(session, "\n.\r\nxyz");
        channel.awaitEndsWith("250 2.0.0 11 octets received\r\n", TIMEOUT);

        lines(session, "BDAT 2 LAST");
        // the last octets complete the message: nothing more is asked for until it is stored
        session.tell(new SmtpSession.FromConnection(new SessionInput.Octets(ByteString.fromString("!!", ISO_8859_1))));
        Router.Deliver deliver = router.expectMessageClass(Router.Deliver.class, TIMEOUT);
        String file = Files.readString(deliver.message().file(), ISO_8859_1);
        assertThat(file).startsWith("Return-Path: <s@example.net>\r\nReceived: from client.example");
        assertThat(file.substring(file.indexOf("+0000\r\n") + 7)).as("the chunks joined, after the trace fields")
                .isEqualTo("abc\r\n.\r\nxyz!!");
        String id = deliver.envelope().messageId();
        deliver.replyTo().tell(new Router.Stored(id));
        channel.awaitEndsWith("250 2.0.0 Ok: queued as " + id + "\r\n", TIMEOUT);
    }

    @Test
    void rsetBetweenChunksDropsTheStagedFile() throws Exception {
        ActorRef<SmtpSession.Command> session = inTransaction();
        lines(session, "BDAT 3");
        octets(session, "abc");
        assertThat(staged()).hasSize(1);

        lines(session, "RSET");

        channel.awaitEndsWith("250 2.0.0 Ok\r\n", TIMEOUT);
        assertThat(staged()).isEmpty();
    }

    @Test
    void theConnectionEndingInsideAChunkDropsTheStagedFile() throws Exception {
        ActorRef<SmtpSession.Command> session = inTransaction();
        lines(session, "BDAT 100 LAST");
        octets(session, "only part");
        assertThat(staged()).hasSize(1);

        TestProbe<Object> watcher = testKit.createTestProbe();
        session.tell(new SmtpSession.FromConnection(SessionInput.ENDED));
        watcher.expectTerminated(session, TIMEOUT);

        assertThat(staged()).isEmpty();
        router.expectNoMessage(Duration.ofMillis(200));
    }

    @Test
    void aRefusedChunkIsReadAndDroppedAndItsReplyComesAfterIt() throws Exception {
        ActorRef<SmtpSession.Command> session = inTransaction();
        lines(session, "BDAT 600");
        octets(session, "x".repeat(600));
        lines(session, "BDAT 500");
        assertThat(channel.octetRequests()).containsExactly(600L, 500L);
        assertThat(staged()).as("over the limit: what was staged goes at once").isEmpty();
        assertThat(channel.text()).doesNotContain("552");

        octets(session, "y".repeat(500));

        channel.awaitEndsWith("552 5.3.4 Error: message file too big\r\n", TIMEOUT);
        router.expectNoMessage(Duration.ofMillis(200));
    }

    @Test
    void bdatZeroLastAsksForNoOctets() throws Exception {
        ActorRef<SmtpSession.Command> session = inTransaction();
        session.tell(new SmtpSession.FromConnection(new SessionInput.Lines(
                List.of(new InputLine.Line(ByteString.fromString("BDAT 0 LAST", ISO_8859_1))))));
        Router.Deliver deliver = router.expectMessageClass(Router.Deliver.class, TIMEOUT);
        assertThat(channel.octetRequests()).isEmpty();
        assertThat(Files.readString(deliver.message().file(), ISO_8859_1)).endsWith("+0000\r\n");
    }
}
