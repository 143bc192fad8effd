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
import java.util.ArrayList;
import java.util.Arrays;
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

import dev.tern.metrics.ListenerMetrics;
import dev.tern.metrics.Samples;
import dev.tern.metrics.TernMetrics;
import dev.tern.protocol.LocalRecipientPolicy;
import dev.tern.protocol.MailAddress;
import dev.tern.protocol.Recipient;
import dev.tern.protocol.Replies;
import dev.tern.protocol.ReversePath;
import dev.tern.protocol.ServerDialogue;
import dev.tern.protocol.SessionSettings;
import dev.tern.protocol.SmtpReply;
import dev.tern.router.Router;
import dev.tern.store.MailboxStore;
import dev.tern.store.MaildirStore;
import dev.tern.store.StagedMessage;
import dev.tern.streams.InputLine;
import dev.tern.streams.ConnectionPort;
import dev.tern.streams.SessionInput;
import dev.tern.users.Authenticator;

class SmtpSessionTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final Duration SHORT = Duration.ofMillis(300);
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final String DATE = "Sun, 1 Mar 2026 12:00:00 +0000";
    private static final String HOST = "mx.example.org";
    private static final SessionSettings SETTINGS = new SessionSettings(HOST, 10_000_000, 100, 3);
    private static final InetSocketAddress PEER = new InetSocketAddress(InetAddress.getLoopbackAddress(), 40000);

    private static final String GREETING = "220 " + HOST + " ESMTP Tern\r\n";
    private static final String EHLO_REPLY = "250-" + HOST + "\r\n250-PIPELINING\r\n250-SIZE 10000000\r\n"
            + "250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n250-SMTPUTF8\r\n250-DSN\r\n250-CHUNKING\r\n250 BINARYMIME\r\n";
    private static final List<String> ENVELOPE_TO_ALICE =
            List.of("EHLO client.example", "MAIL FROM:<sender@example.net>", "RCPT TO:<alice@example.org>", "DATA");

    private static ActorTestKit testKit;

    @TempDir
    Path temp;

    private Path incoming;
    private FakeConnection channel;
    private TestProbe<Router.Command> router;
    private TestProbe<Authenticator.Command> authenticator;
    private TestProbe<Object> watcher;

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
        channel = new FakeConnection();
        router = testKit.createTestProbe();
        authenticator = testKit.createTestProbe();
        watcher = testKit.createTestProbe();
    }

    // ---------------------------------------------------------------- the fake connection

    /**
     * Collects what the session sends and whether it closed the connection. A batch counts
     * as handled when the session asks for the next one, as the real connection sees it.
     */
    static final class FakeConnection implements ConnectionPort {
        private final StringBuilder sent = new StringBuilder();
        private final java.util.ArrayDeque<CompletableFuture<Done>> batches = new java.util.ArrayDeque<>();
        private int sends;
        private int closes;
        private int tlsSwitches;
        private int inputRequests;
        private int writableRequests;

        @Override
        public void open(java.util.function.Consumer<SessionInput> session) {
        }

        /** The next input request completes {@code handled}. */
        synchronized void expectInputRequest(CompletableFuture<Done> handled) {
            batches.add(handled);
        }

        @Override
        public synchronized void requestInput() {
            inputRequests++;
            CompletableFuture<Done> handled = batches.poll();
            if (handled != null) {
                handled.complete(Done.getInstance());
            }
            notifyAll();
        }

        @Override
        public synchronized void notifyWhenWritable() {
            writableRequests++;
            notifyAll();
        }

        synchronized int inputRequests() {
            return inputRequests;
        }

        private final List<Long> octetRequests = new ArrayList<>();

        /** RFC 3030 BDAT: recorded, and an input request like any other. */
        @Override
        public synchronized void requestOctets(long count) {
            octetRequests.add(count);
            requestInput();
        }

        synchronized List<Long> octetRequests() {
            return List.copyOf(octetRequests);
        }

        synchronized void awaitInputRequests(int count, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (inputRequests < count) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("the session asked for input " + inputRequests + " times, not " + count);
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }

        synchronized int writableRequests() {
            return writableRequests;
        }

        /** The switch to TLS: the last cleartext reply is recorded like any other, then marked. */
        @Override
        public synchronized void startTls(ByteString reply) {
            sent.append(reply.decodeString(ISO_8859_1)).append("<TLS>");
            tlsSwitches++;
            notifyAll();
        }

        synchronized int tlsSwitches() {
            return tlsSwitches;
        }

        @Override
        public synchronized void send(ByteString bytes) {
            sent.append(bytes.decodeString(ISO_8859_1));
            sends++;
            notifyAll();
        }

        @Override
        public synchronized void close() {
            closes++;
            batches.forEach(handled -> handled.complete(Done.getInstance())); // nothing more will be asked for
            batches.clear();
            notifyAll();
        }

        synchronized String text() {
            return sent.toString();
        }

        synchronized int sends() {
            return sends;
        }

        synchronized boolean closed() {
            return closes > 0;
        }

        /** Waits until everything sent so far ends with {@code suffix}. */
        synchronized String awaitEndsWith(String suffix, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!sent.toString().endsWith(suffix)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("expected the replies to end with <" + suffix + "> but got <" + sent + ">");
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return sent.toString();
        }

        synchronized void awaitClosed(Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (closes == 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("the connection was not closed; replies so far <" + sent + ">");
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    private ActorRef<SmtpSession.Command> session(Duration idleTimeout, ActorRef<Router.Command> routerRef)
            throws InterruptedException {
        return session(idleTimeout, routerRef, new TernMetrics().listener("unexported"));
    }

    private ActorRef<SmtpSession.Command> session(Duration idleTimeout, ActorRef<Router.Command> routerRef,
                                                  ListenerMetrics metrics) throws InterruptedException {
        Set<String> users = Set.of("alice", "bob", "postmaster");
        LocalRecipientPolicy policy = new LocalRecipientPolicy(Set.of("example.org"), users::contains,
                LocalRecipientPolicy.Relay.DENIED);
        SessionSetup setup = new SessionSetup(new ServerDialogue(SETTINGS, policy), SETTINGS, routerRef,
                authenticator.getRef(), incoming, idleTimeout, Clock.fixed(NOW, ZoneOffset.UTC),
                SessionSetup.Encryption.ON_STARTTLS, metrics);
        ActorRef<SmtpSession.Command> session = testKit.spawn(SmtpSession.create(setup, channel, PEER));
        channel.awaitEndsWith(GREETING, TIMEOUT);
        return session;
    }

    private ActorRef<SmtpSession.Command> session() throws InterruptedException {
        return session(Duration.ofMinutes(5), router.getRef());
    }

    private CompletableFuture<Done> send(ActorRef<SmtpSession.Command> session, List<String> lines) {
        List<InputLine> input = lines.stream()
                .<InputLine>map(line -> new InputLine.Line(ByteString.fromString(line, ISO_8859_1)))
                .toList();
        return sendLines(session, input);
    }

    /** Hands the session a batch; the future completes when the session asks for the next. */
    private CompletableFuture<Done> sendLines(ActorRef<SmtpSession.Command> session, List<InputLine> input) {
        CompletableFuture<Done> handled = new CompletableFuture<>();
        channel.expectInputRequest(handled);
        session.tell(new SmtpSession.FromConnection(new SessionInput.Lines(input)));
        return handled;
    }

    private CompletableFuture<Done> send(ActorRef<SmtpSession.Command> session, String... lines) {
        return send(session, Arrays.asList(lines));
    }

    /** Sends a batch and waits until the session has handled all of it. */
    private void handled(ActorRef<SmtpSession.Command> session, String... lines) throws Exception {
        send(session, lines).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    private void handled(ActorRef<SmtpSession.Command> session, List<String> lines) throws Exception {
        send(session, lines).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    private static String replies(SmtpReply... replies) {
        StringBuilder text = new StringBuilder();
        for (SmtpReply reply : replies) {
            text.append(reply.render());
        }
        return text.toString();
    }

    private List<Path> incomingFiles() throws IOException {
        try (Stream<Path> entries = Files.list(incoming)) {
            return entries.toList();
        }
    }

    private static void assertStillPending(CompletableFuture<Done> future) throws InterruptedException {
        Thread.sleep(200);
        assertThat(future).as("batch acknowledged before the router answered").isNotDone();
    }

    /** Up to the 354, then the message content and its dot; returns the Deliver the router got, and the batch. */
    private record Submitted(Router.Deliver deliver, CompletableFuture<Done> handled) {
    }

    private Submitted submitMessage(ActorRef<SmtpSession.Command> session, String... content) throws Exception {
        handled(session, ENVELOPE_TO_ALICE);
        assertThat(channel.text()).endsWith(replies(Replies.START_MAIL_INPUT));
        CompletableFuture<Done> handled = send(session, content);
        Router.Deliver deliver = router.expectMessageClass(Router.Deliver.class, TIMEOUT);
        return new Submitted(deliver, handled);
    }

    // ---------------------------------------------------------------- the greeting and pipelining

    @Test
    void greetingIsSentAtStart() throws Exception {
        session();
        assertThat(channel.text()).isEqualTo(GREETING);
        assertThat(channel.closed()).isFalse();
    }

    @Test
    void repliesToAPipelinedBatchComeBackInOrderAndTogether() throws Exception {
        ActorRef<SmtpSession.Command> session = session();

        CompletableFuture<Done> handled = send(session, "EHLO client.example", "MAIL FROM:<sender@example.net>",
                "RCPT TO:<alice@example.org>", "RCPT TO:<nobody@example.org>", "RCPT TO:<x@elsewhere.example>",
                "RCPT TO:<Bob@Example.ORG>", "NOOP", "VRFY alice", "RSET");
        handled.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);

        // when the batch is acknowledged, every reply is out, in the order of the commands
        assertThat(channel.text()).isEqualTo(GREETING + EHLO_REPLY + replies(
                Replies.SENDER_OK, Replies.RECIPIENT_OK, Replies.USER_UNKNOWN, Replies.RELAY_DENIED,
                Replies.RECIPIENT_OK, Replies.OK, Replies.CANNOT_VRFY, Replies.OK));
        assertThat(channel.sends()).as("one write for the greeting, one for the whole batch").isEqualTo(2);
        assertThat(channel.closed()).isFalse();
    }

    @Test
    void successiveBatchesAreAnsweredInTurn() throws Exception {
        ActorRef<SmtpSession.Command> session = session();
        handled(session, "HELO client.example");
        handled(session, "NOOP");
        handled(session, "MAIL FROM:<>");
        assertThat(channel.text()).isEqualTo(GREETING + "250 " + HOST + "\r\n"
                + replies(Replies.OK, Replies.SENDER_OK));
    }

    @Test
    void anOverlongCommandLineIsRefusedAndTheSessionGoesOn() throws Exception {
        ActorRef<SmtpSession.Command> session = session();
        CompletableFuture<Done> handled = sendLines(session, List.of(InputLine.OVERLONG,
                new InputLine.Line(ByteString.fromString("NOOP"))));
        handled.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertThat(channel.text()).isEqualTo(GREETING + replies(Replies.LINE_TOO_LONG, Replies.OK));
    }

    @Test
    void tooManyErrorsInARowCloseTheSession() throws Exception {
        ActorRef<SmtpSession.Command> session = session();
        send(session, "FOO", "BAR", "BAZ", "NOOP");
        channel.awaitClosed(TIMEOUT);
        watcher.expectTerminated(session, TIMEOUT);
        assertThat(channel.text()).isEqualTo(GREETING + replies(Replies.COMMAND_UNRECOGNIZED,
                Replies.COMMAND_UNRECOGNIZED, Replies.COMMAND_UNRECOGNIZED, Replies.TOO_MANY_ERRORS));
    }

    // ---------------------------------------------------------------- a message

    @Test
    void aCompleteMessageIsStagedWithTraceFieldsAndHandedToTheRouter() throws Exception {
        ActorRef<SmtpSession.Command> session = session();

        Submitted submitted = submitMessage(session, "Subject: hi", "", "..leading dot", ".", "body");
        // "." alone ends the message; the "body" line after it is a command, and must wait

        Router.Deliver deliver = submitted.deliver();
        String id = deliver.envelope().messageId();
        assertThat(id).matches("[0-9A-Z]+");
        assertThat(deliver.envelope().sender())
                .isEqualTo(new ReversePath.Sender(new MailAddress("sender", "example.net")));
        assertThat(deliver.envelope().recipients()).containsExactly(new Recipient(
                new MailAddress("alice", "example.org"), new Recipient.LocalMailbox("alice")));

        StagedMessage staged = deliver.message();
        assertThat(staged.file().getParent()).isEqualTo(incoming);
        String content = Files.readString(staged.file(), ISO_8859_1);
        assertThat(content).isEqualTo("Return-Path: <sender@example.net>\r\n"
                + "Received: from client.example ([127.0.0.1])\r\n"
                + "\tby " + HOST + " (Tern) with ESMTP id " + id + "\r\n"
                + "\tfor <alice@example.org>; " + DATE + "\r\n"
                + "Subject: hi\r\n"
                + "\r\n"
                + ".leading dot\r\n");
        assertThat(staged.size()).isEqualTo(Files.size(staged.file()));

        assertStillPending(submitted.handled());
        assertThat(channel.text()).doesNotContain("queued");

        deliver.replyTo().tell(new Router.Stored(id));

        // the pending "body" line is then handled as a command: 500
        submitted.handled().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertThat(channel.text()).endsWith(replies(Replies.START_MAIL_INPUT, Replies.queued(id),
                Replies.COMMAND_UNRECOGNIZED));
        assertThat(channel.text()).contains("250 2.0.0 Ok: queued as " + id + "\r\n");
        assertThat(staged.file()).as("the staged file is deleted once stored").doesNotExist();
        assertThat(incomingFiles()).isEmpty();
    }

    @Test
    void routerNotStoredGives451NeverA250AndTheStagedFileIsDeleted() throws Exception {
        ActorRef<SmtpSession.Command> session = session();
        Submitted submitted = submitMessage(session, "Subject: hi", "", "body", ".");
        String id = submitted.deliver().envelope().messageId();
        assertStillPending(submitted.handled());

        submitted.deliver().replyTo().tell(new Router.NotStored(id, "disk full"));

        submitted.handled().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertThat(channel.text()).endsWith(replies(Replies.START_MAIL_INPUT, Replies.STORAGE_FAILED));
        assertThat(channel.text()).contains("451 4.3.0 ").doesNotContain("queued");
        assertThat(submitted.deliver().message().file()).doesNotExist();
        assertThat(incomingFiles()).isEmpty();

        // the transaction is over, the session is not
        handled(session, "MAIL FROM:<sender@example.net>");
        assertThat(channel.text()).endsWith(replies(Replies.SENDER_OK));
    }

    @Test
    void twoRecipientsAreNotNamedInTheReceivedField() throws Exception {
        ActorRef<SmtpSession.Command> session = session();
        handled(session, "HELO client.example", "MAIL FROM:<>", "RCPT TO:<alice@example.org>",
                "RCPT TO:<bob@example.org>", "DATA");
        send(session, "x", ".");
        Router.Deliver deliver = router.expectMessageClass(Router.Deliver.class, TIMEOUT);
        String id = deliver.envelope().messageId();

        assertThat(Files.readString(deliver.message().file(), ISO_8859_1)).isEqualTo("Return-Path: <>\r\n"
                + "Received: from client.example ([127.0.0.1])\r\n"
                + "\tby " + HOST + " (Tern) with SMTP id " + id + "; " + DATE + "\r\n"
                + "x\r\n");
        assertThat(deliver.envelope().recipients()).hasSize(2);
        deliver.replyTo().tell(new Router.Stored(id));
        channel.awaitEndsWith(replies(Replies.queued(id)), TIMEOUT);
    }

    @Test
    void commandsPipelinedAfterTheDotWaitForTheRouterAndKeepTheirOrder() throws Exception {
        ActorRef<SmtpSession.Command> session = session();
        CompletableFuture<Done> handled = send(session, "EHLO client.example", "MAIL FROM:<sender@example.net>",
                "RCPT TO:<alice@example.org>", "DATA", "hello", ".", "NOOP", "QUIT");
        Router.Deliver deliver = router.expectMessageClass(Router.Deliver.class, TIMEOUT);
        String id = deliver.envelope().messageId();
        channel.awaitEndsWith(replies(Replies.START_MAIL_INPUT), TIMEOUT);
        assertStillPending(handled);
        assertThat(channel.closed()).isFalse();

        deliver.replyTo().tell(new Router.Stored(id));

        channel.awaitClosed(TIMEOUT);
        handled.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertThat(channel.text()).isEqualTo(GREETING + EHLO_REPLY + replies(Replies.SENDER_OK, Replies.RECIPIENT_OK,
                Replies.START_MAIL_INPUT, Replies.queued(id), Replies.OK, Replies.BYE));
        watcher.expectTerminated(session, TIMEOUT);
        assertThat(incomingFiles()).isEmpty();
    }

    @Test
    void inputEndedInTheMiddleOfDataDeletesTheStagedFileAndDeliversNothing() throws Exception {
        ActorRef<SmtpSession.Command> session = session();
        handled(session, ENVELOPE_TO_ALICE);
        handled(session, "Subject: cut short", "", "the client goes away");
        assertThat(incomingFiles()).hasSize(1);

        session.tell(new SmtpSession.FromConnection(SessionInput.ENDED));

        watcher.expectTerminated(session, TIMEOUT);
        assertThat(incomingFiles()).isEmpty();
        router.expectNoMessage(SHORT);
        assertThat(channel.closed()).isTrue();
    }

    @Test
    void inputEndedWhileStoringStillStoresThenStops() throws Exception {
        ActorRef<SmtpSession.Command> session = session();
        Submitted submitted = submitMessage(session, "body", ".");
        session.tell(new SmtpSession.FromConnection(SessionInput.ENDED));
        assertThat(submitted.deliver().message().file()).as("the router still needs the staged file").exists();

        submitted.deliver().replyTo().tell(new Router.Stored(submitted.deliver().envelope().messageId()));

        watcher.expectTerminated(session, TIMEOUT);
        assertThat(incomingFiles()).isEmpty();
        assertThat(channel.closed()).isTrue();
    }

    @Test
    void bareLfInDataIsRefusedWith550AndNothingIsDelivered() throws Exception {
        ActorRef<SmtpSession.Command> session = session();
        handled(session, ENVELOPE_TO_ALICE);

        handled(session, "Subject: smuggle", "", "innocent\n.\nMAIL FROM:<evil@example.net>", "more", ".");

        assertThat(channel.text()).endsWith(replies(Replies.START_MAIL_INPUT, Replies.BARE_NEWLINE_IN_DATA));
        assertThat(channel.text()).contains("550 5.5.2 ");
        router.expectNoMessage(SHORT);
        assertThat(incomingFiles()).isEmpty();

        // the session goes on, without a transaction
        handled(session, "RCPT TO:<alice@example.org>");
        assertThat(channel.text()).endsWith(replies(Replies.NEED_MAIL));
    }

    @Test
    void bareCrInDataIsRefusedToo() throws Exception {
        ActorRef<SmtpSession.Command> session = session();
        handled(session, ENVELOPE_TO_ALICE);
        handled(session, "a\rb", ".");
        assertThat(channel.text()).endsWith(replies(Replies.BARE_NEWLINE_IN_DATA));
        router.expectNoMessage(SHORT);
        assertThat(incomingFiles()).isEmpty();
    }

    @Test
    void anOverlongDataLineIsRefusedAtTheDot() throws Exception {
        ActorRef<SmtpSession.Command> session = session();
        handled(session, ENVELOPE_TO_ALICE);
        CompletableFuture<Done> handled = sendLines(session, List.of(new InputLine.Line(ByteString.fromString("ok")),
                InputLine.OVERLONG, new InputLine.Line(ByteString.fromString("."))));
        handled.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertThat(channel.text()).endsWith(replies(Replies.DATA_LINE_TOO_LONG));
        router.expectNoMessage(SHORT);
        assertThat(incomingFiles()).isEmpty();
    }

    @Test
    void aLargeMessageSpanningSeveralStagingBuffersIsStagedIntact() throws Exception {
        ActorRef<SmtpSession.Command> session = session();
        handled(session, ENVELOPE_TO_ALICE);
        StringBuilder expectedBody = new StringBuilder();
        for (int batch = 0; batch < 10; batch++) {
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                String line = (i % 7 == 0 ? "." : "") + "%03d".formatted(batch * 30 + i).repeat(330);
                lines.add(line);
                expectedBody.append(line.startsWith(".") ? line.substring(1) : line).append("\r\n");
            }
            handled(session, lines);
        }
        send(session, ".");
        Router.Deliver deliver = router.expectMessageClass(Router.Deliver.class, TIMEOUT);

        String staged = Files.readString(deliver.message().file(), ISO_8859_1);
        assertThat(staged).startsWith("Return-Path: <sender@example.net>\r\nReceived: ");
        assertThat(staged).endsWith(expectedBody.toString());
        assertThat(deliver.message().size()).isEqualTo(Files.size(deliver.message().file())).isGreaterThan(290_000);
        deliver.replyTo().tell(new Router.Stored(deliver.envelope().messageId()));
        channel.awaitEndsWith(replies(Replies.queued(deliver.envelope().messageId())), TIMEOUT);
    }

    /**
     * A pipelined flood in one batch is answered in parts of about {@link SmtpSession#REPLY_HIGH_WATER}
     * octets: after each the session waits until the client has read (Writable), and asks for
     * no more input until the whole batch is answered.
     */
    @Test
    void aFloodOfPipelinedCommandsIsAnsweredInBoundedPartsAsTheClientReads() throws Exception {
        ActorRef<SmtpSession.Command> session = session();
        int requestsBefore = channel.inputRequests();
        int commands = 5_000;
        String ok = replies(Replies.OK);
        CompletableFuture<Done> handled = send(session, java.util.Collections.nCopies(commands, "NOOP"));

        int parts = 0;
        while (!handled.isDone()) {
            int before = parts;
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (channel.writableRequests() == before && !handled.isDone()) {
                assertThat(System.nanoTime()).as("the session answers or waits for room").isLessThan(deadline);
                Thread.sleep(1);
            }
            if (handled.isDone()) {
                break;
            }
            parts++;
            int answered = (channel.text().length() - GREETING.length()) / ok.length();
            assertThat(answered * ok.length()).as("replies sent before waiting, part %d", parts)
                    .isLessThanOrEqualTo(parts * (SmtpSession.REPLY_HIGH_WATER + ok.length()));
            assertThat(channel.inputRequests()).as("no new input while replies wait").isEqualTo(requestsBefore);
            session.tell(new SmtpSession.FromConnection(SessionInput.WRITABLE));
        }
        assertThat(parts).isGreaterThanOrEqualTo(commands * ok.length() / (SmtpSession.REPLY_HIGH_WATER + ok.length()));
        assertThat(channel.text()).isEqualTo(GREETING + ok.repeat(commands));
        assertThat(channel.closed()).isFalse();
    }

    @Test
    void aMessageOverTheSizeLimitIsRefusedWith552AtTheDot() throws Exception {
        SessionSettings small = new SessionSettings(HOST, 100, 100, 3);
        LocalRecipientPolicy policy = new LocalRecipientPolicy(Set.of("example.org"), Set.of("alice")::contains,
                LocalRecipientPolicy.Relay.DENIED);
        ActorRef<SmtpSession.Command> session = testKit.spawn(SmtpSession.create(new SessionSetup(
                new ServerDialogue(small, policy), small, router.getRef(), authenticator.getRef(), incoming,
                Duration.ofMinutes(5), Clock.fixed(NOW, ZoneOffset.UTC), SessionSetup.Encryption.ON_STARTTLS),
                channel, PEER));
        channel.awaitEndsWith(GREETING, TIMEOUT);
        handled(session, ENVELOPE_TO_ALICE);

        handled(session, "x".repeat(60), "y".repeat(60), ".");

        assertThat(channel.text()).endsWith(replies(Replies.START_MAIL_INPUT, Replies.MESSAGE_TOO_BIG));
        router.expectNoMessage(SHORT);
        assertThat(incomingFiles()).isEmpty();
    }

    @Test
    void aStagedFileBeingStoredIsNotDeletedWhenTheConnectionBreaks() throws Exception {
        ActorRef<SmtpSession.Command> session = session();
        handled(session, "EHLO client.example");
        send(session, "MAIL FROM:<sender@example.net>", "RCPT TO:<alice@example.org>", "DATA", "hello", ".");
        session.tell(new SmtpSession.FromConnection(SessionInput.ENDED)); // the connection broke meanwhile

        Router.Deliver deliver = router.expectMessageClass(Router.Deliver.class, TIMEOUT);
        watcher.expectNoMessage(SHORT);
        assertThat(deliver.message().file())
                .as("the router was handed this file and has not answered yet")
                .exists();

        deliver.replyTo().tell(new Router.Stored(deliver.envelope().messageId()));
        watcher.expectTerminated(session, TIMEOUT);
        assertThat(deliver.message().file()).as("removed once the router has answered").doesNotExist();
    }

    // ---------------------------------------------------------------- with a real router

    @Test
    void withARealRouterAndMaildirTheMessageLandsInTheMailbox() throws Exception {
        Path mailRoot = Files.createDirectories(temp.resolve("mail"));
        ActorRef<Router.Command> realRouter =
                testKit.spawn(Router.create(new MaildirStore(mailRoot, HOST, Clock.systemUTC())));
        ActorRef<SmtpSession.Command> session = session(Duration.ofMinutes(5), realRouter);
        handled(session, ENVELOPE_TO_ALICE);

        handled(session, "Subject: real", "", "hello", ".");

        assertThat(channel.text()).containsPattern("250 2\\.0\\.0 Ok: queued as [0-9A-Z]+\r\n$");
        try (Stream<Path> files = Files.list(mailRoot.resolve("alice").resolve("new"))) {
            List<Path> delivered = files.toList();
            assertThat(delivered).hasSize(1);
            assertThat(Files.readString(delivered.get(0), ISO_8859_1)).startsWith("Return-Path: <sender@example.net>\r\n")
                    .endsWith("Subject: real\r\n\r\nhello\r\n");
        }
        assertThat(incomingFiles()).isEmpty();
        testKit.stop(realRouter);
    }

    @Test
    void aMailboxWriterFailureSurfacesAs451NeverAs250() throws Exception {
        MailboxStore broken = new MailboxStore() {
            @Override
            public Path deliver(String user, StagedMessage message) throws IOException {
                throw new IOException("Input/output error");
            }

            @Override
            public void retract(Path delivered) {
            }

            @Override
            public void create(String user) {
            }
        };
        ActorRef<Router.Command> realRouter = testKit.spawn(Router.create(broken));
        ActorRef<SmtpSession.Command> session = session(Duration.ofMinutes(5), realRouter);
        handled(session, ENVELOPE_TO_ALICE);

        handled(session, "Subject: doomed", "", "hello", ".");

        assertThat(channel.text()).endsWith(replies(Replies.START_MAIL_INPUT, Replies.STORAGE_FAILED));
        assertThat(channel.text()).doesNotContain("queued");
        assertThat(incomingFiles()).isEmpty();
        testKit.stop(realRouter);
    }

    // ---------------------------------------------------------------- closing

    @Test
    void quitAnswers221AndClosesTheConnection() throws Exception {
        ActorRef<SmtpSession.Command> session = session();
        send(session, "NOOP", "QUIT", "NOOP");
        channel.awaitClosed(TIMEOUT);
        watcher.expectTerminated(session, TIMEOUT);
        assertThat(channel.text()).isEqualTo(GREETING + replies(Replies.OK, Replies.BYE));
        assertThat(channel.text()).endsWith("221 2.0.0 Bye\r\n");
    }

    @Test
    void drainWhileIdleAnswers421AndCloses() throws Exception {
        ActorRef<SmtpSession.Command> session = session();
        handled(session, "EHLO client.example");

        session.tell(new SmtpSession.Drain());

        channel.awaitClosed(TIMEOUT);
        watcher.expectTerminated(session, TIMEOUT);
        assertThat(channel.text()).endsWith(EHLO_REPLY + replies(Replies.SHUTTING_DOWN));
        assertThat(channel.text()).contains("421 4.3.2 ");
    }

    @Test
    void drainDuringATransactionLetsTheMessageFinishFirst() throws Exception {
        ActorRef<SmtpSession.Command> session = session();
        handled(session, ENVELOPE_TO_ALICE);
        handled(session, "Subject: last one");

        session.tell(new SmtpSession.Drain());
        router.expectNoMessage(SHORT);
        assertThat(channel.closed()).isFalse();

        send(session, ".");
        Router.Deliver deliver = router.expectMessageClass(Router.Deliver.class, TIMEOUT);
        assertThat(channel.closed()).isFalse();
        deliver.replyTo().tell(new Router.Stored(deliver.envelope().messageId()));

        channel.awaitClosed(TIMEOUT);
        watcher.expectTerminated(session, TIMEOUT);
        assertThat(channel.text()).endsWith(replies(Replies.queued(deliver.envelope().messageId()),
                Replies.SHUTTING_DOWN));
        assertThat(incomingFiles()).isEmpty();
    }

    @Test
    void idleTimeoutAnswers421AndCloses() throws Exception {
        long start = System.nanoTime();
        ActorRef<SmtpSession.Command> session = session(SHORT, router.getRef());

        channel.awaitClosed(TIMEOUT);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(SHORT);
        watcher.expectTerminated(session, TIMEOUT);
        assertThat(channel.text()).isEqualTo(GREETING + replies(Replies.IDLE_TIMEOUT));
        assertThat(channel.text()).endsWith("421 4.4.2 Error: timeout exceeded, closing connection\r\n");
    }

    @Test
    void idleTimeoutInTheMiddleOfDataDeletesTheStagedFile() throws Exception {
        ActorRef<SmtpSession.Command> session = session(Duration.ofSeconds(1), router.getRef());
        handled(session, ENVELOPE_TO_ALICE);
        handled(session, "Subject: and then nothing");

        channel.awaitClosed(TIMEOUT);
        watcher.expectTerminated(session, TIMEOUT);
        assertThat(channel.text()).endsWith(replies(Replies.IDLE_TIMEOUT));
        assertThat(incomingFiles()).isEmpty();
        router.expectNoMessage(SHORT);
    }

    @Test
    void noIdleTimeoutWhileTheRouterIsStoring() throws Exception {
        Duration idle = Duration.ofMillis(500);
        ActorRef<SmtpSession.Command> session = session(idle, router.getRef());
        Submitted submitted = submitMessage(session, "body", ".");

        Thread.sleep(idle.toMillis() * 3);
        assertThat(channel.closed()).isFalse();
        assertThat(channel.text()).doesNotContain("421");

        String id = submitted.deliver().envelope().messageId();
        submitted.deliver().replyTo().tell(new Router.Stored(id));
        submitted.handled().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertThat(channel.text()).endsWith(replies(Replies.queued(id)));

        // the timer runs again once the message is answered
        channel.awaitClosed(TIMEOUT);
        assertThat(channel.text()).endsWith(replies(Replies.queued(id), Replies.IDLE_TIMEOUT));
        watcher.expectTerminated(session, TIMEOUT);
    }

    // ---------------------------------------------------------------- metrics

    /** A session counting as {@code listener="inbound"}, beside an outbound listener that must count nothing. */
    private ActorRef<SmtpSession.Command> countedSession(TernMetrics metrics) throws InterruptedException {
        metrics.listener("outbound");
        return session(Duration.ofMinutes(5), router.getRef(), metrics.listener("inbound"));
    }

    /** A message up to its dot, and the router's answer. */
    private void transaction(ActorRef<SmtpSession.Command> session, boolean stored) throws Exception {
        Submitted submitted = submitMessage(session, "Subject: counted", "", "body", ".");
        String id = submitted.deliver().envelope().messageId();
        submitted.deliver().replyTo().tell(stored ? new Router.Stored(id) : new Router.NotStored(id, "disk on fire"));
        submitted.handled().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    @Test
    void anAcceptedMessageCountsForItsListenerAndIsTimedFromItsFinalDot() throws Exception {
        TernMetrics metrics = new TernMetrics();
        ActorRef<SmtpSession.Command> session = countedSession(metrics);

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
        TernMetrics metrics = new TernMetrics();
        ActorRef<SmtpSession.Command> session = countedSession(metrics);
        handled(session, "EHLO client.example", "FOO", "MAIL FROM:<sender@example.net>",
                "RCPT TO:<nobody@example.org>", "RCPT TO:<someone@elsewhere.example>", "DATA", "RSET");
        assertThat(channel.text()).contains(replies(Replies.COMMAND_UNRECOGNIZED, Replies.SENDER_OK,
                Replies.USER_UNKNOWN, Replies.RELAY_DENIED, Replies.NO_VALID_RECIPIENTS, Replies.OK));

        transaction(session, false);

        assertThat(channel.text()).endsWith(replies(Replies.STORAGE_FAILED));
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
        TernMetrics metrics = new TernMetrics();
        ActorRef<SmtpSession.Command> session = countedSession(metrics);
        assertThat(Samples.scrape(metrics).value("tern_smtp_sessions{listener=\"inbound\"}")).isEqualTo(1);

        send(session, "QUIT");
        watcher.expectTerminated(session, TIMEOUT);

        assertThat(Samples.scrape(metrics).value("tern_smtp_sessions{listener=\"inbound\"}")).isZero();
    }
}
