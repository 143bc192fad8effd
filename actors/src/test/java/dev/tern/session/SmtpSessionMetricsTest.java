package dev.tern.session;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tern.metrics.Samples;
import dev.tern.metrics.TernMetrics;
import dev.tern.protocol.LocalRecipientPolicy;
import dev.tern.protocol.Replies;
import dev.tern.protocol.ServerDialogue;
import dev.tern.protocol.SessionSettings;
import dev.tern.router.Router;
import dev.tern.streams.InputLine;
import dev.tern.streams.SessionInput;
import dev.tern.users.Authenticator;

/** What a session counts: its life in the sessions gauge, accepted messages by listener, rejections by code. */
class SmtpSessionMetricsTest {

    private static final ActorTestKit testKit = ActorTestKit.create();
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final String HOST = "mx.example.org";
    /** Errors in a row allowed well past what a test sends, so that no 421 joins the count. */
    private static final SessionSettings SETTINGS = new SessionSettings(HOST, 10_000_000, 100, 20);
    private static final InetSocketAddress PEER = new InetSocketAddress(InetAddress.getLoopbackAddress(), 40000);

    @TempDir
    Path temp;
    private final TernMetrics metrics = new TernMetrics();
    private SmtpSessionTest.FakeConnection channel;
    private TestProbe<Router.Command> router;
    private TestProbe<Authenticator.Command> authenticator;
    private TestProbe<Object> watcher;

    @AfterAll
    static void stop() {
        testKit.shutdownTestKit();
    }

    @BeforeEach
    void setUp() {
        channel = new SmtpSessionTest.FakeConnection();
        router = testKit.createTestProbe();
        authenticator = testKit.createTestProbe();
        watcher = testKit.createTestProbe();
        metrics.listener("outbound"); // a second listener, which must count nothing here
    }

    private ActorRef<SmtpSession.Command> session() throws Exception {
        LocalRecipientPolicy policy = new LocalRecipientPolicy(Set.of("example.org"), Set.of("alice")::contains,
                LocalRecipientPolicy.Relay.DENIED);
        SessionSetup setup = new SessionSetup(new ServerDialogue(SETTINGS, policy), SETTINGS, router.getRef(),
                authenticator.getRef(), Files.createDirectories(temp.resolve("incoming")), Duration.ofMinutes(5),
                Clock.systemUTC(), SessionSetup.Encryption.ON_STARTTLS, metrics.listener("inbound"));
        ActorRef<SmtpSession.Command> session = testKit.spawn(SmtpSession.create(setup, channel, PEER));
        channel.awaitEndsWith("220 " + HOST + " ESMTP Tern\r\n", TIMEOUT);
        return session;
    }

    private CompletableFuture<Done> send(ActorRef<SmtpSession.Command> session, String... lines) {
        CompletableFuture<Done> handled = new CompletableFuture<>();
        channel.expectInputRequest(handled);
        List<InputLine> input = Arrays.stream(lines)
                .<InputLine>map(line -> new InputLine.Line(ByteString.fromString(line, ISO_8859_1)))
                .toList();
        session.tell(new SmtpSession.FromConnection(new SessionInput.Lines(input)));
        return handled;
    }

    private void handled(ActorRef<SmtpSession.Command> session, String... lines) throws Exception {
        send(session, lines).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    /** Sends a whole transaction; the router answers Stored, or NotStored unless {@code stored}. */
    private void transaction(ActorRef<SmtpSession.Command> session, boolean stored) throws Exception {
        handled(session, "MAIL FROM:<sender@example.net>", "RCPT TO:<alice@example.org>", "DATA");
        CompletableFuture<Done> handled = send(session, "Subject: counted", "", "body", ".");
        Router.Deliver deliver = router.expectMessageClass(Router.Deliver.class, TIMEOUT);
        String id = deliver.envelope().messageId();
        deliver.replyTo().tell(stored ? new Router.Stored(id) : new Router.NotStored(id, "disk on fire"));
        handled.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    @Test
    void anAcceptedMessageCountsForItsListenerAndIsTimedFromItsFinalDot() throws Exception {
        ActorRef<SmtpSession.Command> session = session();
        handled(session, "EHLO client.example");

        transaction(session, true);

        assertThat(channel.text()).contains("250 2.0.0 Ok: queued as ");
        Samples samples = Samples.scrape(metrics);
        assertThat(samples.value("tern_messages_accepted_total{listener=\"inbound\"}")).isEqualTo(1);
        assertThat(samples.value("tern_messages_accepted_total{listener=\"outbound\"}")).isZero();
        assertThat(samples.value("tern_smtp_data_to_reply_seconds_count")).isEqualTo(1);
        assertThat(samples.all().keySet()).noneMatch(series -> series.startsWith("tern_messages_rejected_total{"));
    }

    @Test
    void refusalsOfMailRcptDataAndTheMessageAreCountedByCodeProtocolErrorsAreNot() throws Exception {
        ActorRef<SmtpSession.Command> session = session();
        handled(session, "EHLO client.example", "FOO", "MAIL FROM:<sender@example.net>",
                "RCPT TO:<nobody@example.org>", "RCPT TO:<someone@elsewhere.example>", "DATA", "RSET");
        assertThat(channel.text()).contains(Replies.USER_UNKNOWN.render(), Replies.RELAY_DENIED.render(),
                Replies.NO_VALID_RECIPIENTS.render(), Replies.COMMAND_UNRECOGNIZED.render());

        transaction(session, false);

        assertThat(channel.text()).endsWith(Replies.STORAGE_FAILED.render());
        Samples samples = Samples.scrape(metrics);
        assertThat(samples.value("tern_messages_rejected_total{code=\"550\"}")).isEqualTo(2);
        assertThat(samples.value("tern_messages_rejected_total{code=\"554\"}")).isEqualTo(1);
        assertThat(samples.value("tern_messages_rejected_total{code=\"451\"}")).isEqualTo(1);
        assertThat(samples.has("tern_messages_rejected_total{code=\"500\"}")).as("FOO is no rejection").isFalse();
        assertThat(samples.value("tern_messages_accepted_total{listener=\"inbound\"}")).isZero();
        assertThat(samples.value("tern_smtp_data_to_reply_seconds_count")).as("only 250s are timed").isZero();
    }

    @Test
    void theSessionsGaugeCountsASessionWhileItRuns() throws Exception {
        ActorRef<SmtpSession.Command> first = session();
        assertThat(Samples.scrape(metrics).value("tern_smtp_sessions{listener=\"inbound\"}")).isEqualTo(1);

        send(first, "QUIT");
        watcher.expectTerminated(first, TIMEOUT);

        assertThat(Samples.scrape(metrics).value("tern_smtp_sessions{listener=\"inbound\"}")).isZero();
    }
}
