package dev.tern.session;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.ZonedDateTime;
import java.util.ArrayDeque;
import java.util.List;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.util.ByteString;
import org.apache.pekko.util.ByteStringBuilder;

import dev.tern.mailauth.InboundAuthenticator;
import dev.tern.protocol.AddressLiteral;
import dev.tern.protocol.ChunkedContent;
import dev.tern.protocol.CommandParser;
import dev.tern.protocol.DataPhase;
import dev.tern.protocol.Envelope;
import dev.tern.protocol.ReceivedHeader;
import dev.tern.protocol.Recipient;
import dev.tern.protocol.Replies;
import dev.tern.protocol.ServerDialogue;
import dev.tern.protocol.SessionState;
import dev.tern.protocol.SmtpCommand;
import dev.tern.protocol.SmtpReply;
import dev.tern.protocol.TlsSession;
import dev.tern.protocol.Transaction;
import dev.tern.queue.MessageIds;
import dev.tern.router.Router;
import dev.tern.store.StagedMessage;
import dev.tern.streams.ConnectionPort;
import dev.tern.streams.InputLine;
import dev.tern.streams.SessionInput;
import dev.tern.streams.TlsInbound;
import dev.tern.users.Authenticator;

/**
 * One SMTP connection. Lines arrive in batches from the connection's stream; the session
 * runs them through the {@link ServerDialogue}, streams message content into a
 * {@link StagingFile}, hands each complete message to the {@link Router}, and answers
 * 250 only when the router says every copy is durable.
 *
 * <p>The session asks its {@link ConnectionPort} for the next batch only once all lines of
 * the last are handled, so while a message is being stored nothing more is read: pipelined
 * commands wait their turn and their replies stay in order. A batch whose replies pile up
 * past {@link #REPLY_HIGH_WATER} (a client pipelining without reading) is handled in parts,
 * each after the client has read enough: a connection's memory stays bounded.
 */
public final class SmtpSession extends AbstractBehavior<SmtpSession.Command> {

    public sealed interface Command {
    }

    /** What the connection says: lines, the switch to TLS, room for replies, its end. */
    public record FromConnection(SessionInput input) implements Command {
    }

    /** The service is stopping: finish the transaction under way, then say 421 and close. */
    public record Drain() implements Command {
    }

    private record StorageOutcome(Router.Outcome outcome) implements Command {
    }

    private record AuthVerdict(Authenticator.Verdict verdict) implements Command {
    }

    /** SPF, DKIM and DMARC are done with a message from outside (mailauth/InboundAuthenticator). */
    private record MailAuthenticated(InboundAuthenticator.Outcome outcome) implements Command {
    }

    private enum IdleTimeout implements Command { INSTANCE }

    /**
     * What the session waits for: commands, message lines, or an answer it must not talk over.
     * A message under way exists only inside the mode that has it.
     */
    private sealed interface Mode
            permits Commands, ReceivingData, Storing, AwaitingTls, Authenticating, ReceivingChunk, BetweenChunks,
            DiscardingChunk {
    }

    /** A mode that holds a message's staging file: dropped if the session ends there. */
    private interface Staging {
        StagingFile staging();
    }

    /** Commands are read and answered. */
    private record Commands() implements Mode {
    }

    /**
     * Between 354 and the end of the message: its lines go to the staging file.
     *
     * @param stagingFailed a write to the staging file failed: the rest of the message is
     *                      read but not written, and refused at its end
     */
    private record ReceivingData(String messageId, DataPhase data, StagingFile staging, boolean stagingFailed)
            implements Mode, Staging {
        ReceivingData withStagingFailed() {
            return new ReceivingData(messageId, data, staging, true);
        }
    }

    /**
     * The router stores the staged message; nothing more is read until it answers. Until
     * then the staged file is the router's: a session that stops meanwhile leaves it be.
     *
     * @param finalDotNanos when the message's final dot was read ({@link System#nanoTime()})
     */
    private record Storing(String messageId, StagedMessage staged, long finalDotNanos) implements Mode {
    }

    /**
     * A message that arrives in BDAT chunks (RFC 3030), its octets written to the staging file as
     * they come: no line rules, no dot-stuffing (binary is allowed, BINARYMIME).
     *
     * @param stagingFailed a write failed: later octets are read but not written, and LAST is refused
     */
    private record ChunkedMessage(String messageId, StagingFile staging, boolean stagingFailed, ChunkedContent content) {
        ChunkedMessage withStagingFailed() {
            return new ChunkedMessage(messageId, staging, true, content);
        }
    }

    /**
     * The octets of an accepted BDAT chunk, {@code remaining} still to come; then {@code replies}
     * (none for LAST, which is stored first).
     */
    private record ReceivingChunk(ChunkedMessage message, long remaining, boolean last, List<SmtpReply> replies)
            implements Mode, Staging {
        ReceivingChunk after(long octets, ChunkedMessage now) {
            return new ReceivingChunk(now, remaining - octets, last, replies);
        }

        @Override
        public StagingFile staging() {
            return message.staging();
        }
    }

    /** Commands between the chunks of a message: the chunks so far stay staged. */
    private record BetweenChunks(ChunkedMessage message) implements Mode, Staging {
        @Override
        public StagingFile staging() {
            return message.staging();
        }
    }

    /** A refused BDAT's octets, read and dropped (RFC 3030 §2) before its {@code replies} go out. */
    private record DiscardingChunk(long remaining, List<SmtpReply> replies) implements Mode {
    }

    /** STARTTLS is answered, or the connection began in TLS: the handshake comes next. */
    private record AwaitingTls() implements Mode {
    }

    /** The authenticator checks the credentials of an AUTH; the lines after it wait for its verdict. */
    private record Authenticating() implements Mode {
    }

    // the states that hold nothing: one value each, not a new one per transition
    private static final Mode COMMANDS = new Commands();
    private static final Mode AWAITING_TLS = new AwaitingTls();
    private static final Mode AUTHENTICATING = new Authenticating();

    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    /**
     * Reply octets after which the session stops handling the lines of a batch until the
     * client has read them: bounds what one pipelined batch costs in memory and CPU time.
     */
    static final int REPLY_HIGH_WATER = 4 * 1024;

    private final ActorContext<Command> context;
    private final TimerScheduler<Command> timers;
    private final SessionSetup setup;
    private final ServerDialogue dialogue;
    private final ConnectionPort connection;
    private final String peerAddress;
    private final InetAddress peerIp;
    private final ActorRef<Router.Outcome> storageOutcomes;
    private final ActorRef<Authenticator.Verdict> authVerdicts;
    private final ArrayDeque<InputLine> pending = new ArrayDeque<>();
    private final ByteStringBuilder replies = new ByteStringBuilder();

    private SessionState state = SessionState.INITIAL;
    private Mode mode = COMMANDS;
    /**
     * The client has closed its side: the session stops, or, while a message is being stored,
     * once that is answered and the lines read after it are handled.
     */
    private boolean inputEnded;
    /** The service is stopping: the session closes once no transaction is under way. */
    private boolean draining;
    /** No more input is handled; the session stops once a message being stored is answered. */
    private boolean closing;
    /** Octets a BDAT line just announced: the next request for input asks for them (RFC 3030 §2). */
    private long octetsAnnounced;

    private SmtpSession(ActorContext<Command> context, TimerScheduler<Command> timers, SessionSetup setup,
                        ConnectionPort connection, InetSocketAddress peer) {
        super(context);
        this.context = context;
        this.timers = timers;
        this.setup = setup;
        this.dialogue = setup.dialogue();
        this.connection = connection;
        this.peerAddress = addressLiteral(peer);
        this.peerIp = peer.getAddress() == null ? InetAddress.getLoopbackAddress() : peer.getAddress();
        this.storageOutcomes = context.messageAdapter(Router.Outcome.class, StorageOutcome::new);
        this.authVerdicts = context.messageAdapter(Authenticator.Verdict.class, AuthVerdict::new);
    }

    public static Behavior<Command> create(SessionSetup setup, ConnectionPort connection, InetSocketAddress peer) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
            SmtpSession session = new SmtpSession(context, timers, setup, connection, peer);
            setup.metrics().sessionOpened(); // closed in onStop, which every session reaches
            ActorRef<SessionInput> inputs = context.messageAdapter(SessionInput.class, FromConnection::new);
            connection.open(inputs::tell);
            connection.requestInput();
            if (setup.encryption() == SessionSetup.Encryption.IMPLICIT) {
                session.mode = AWAITING_TLS; // RFC 8314: the connection starts in TLS; greet inside it
            } else {
                session.reply(session.dialogue.greeting());
                session.flushReplies();
            }
            session.restartIdleTimer(); // also bounds the TLS handshake
            return session;
        }));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(FromConnection.class, this::onConnection)
                .onMessage(StorageOutcome.class, this::onStorageOutcome)
                .onMessage(MailAuthenticated.class, this::onMailAuthenticated)
                .onMessage(AuthVerdict.class, this::onAuthVerdict)
                .onMessage(Drain.class, this::onDrain)
                .onMessageEquals(IdleTimeout.INSTANCE, this::onIdleTimeout)
                .onSignal(PostStop.class, signal -> onStop())
                .build();
    }

    private Behavior<Command> onConnection(FromConnection message) {
        SessionInput input = message.input();
        if (input instanceof SessionInput.Lines lines) {
            return onLines(lines.lines());
        }
        if (input instanceof SessionInput.Octets octets) {
            return onOctets(octets.bytes());
        }
        if (input instanceof SessionInput.TlsStarted started) {
            return onTlsStarted(started.tls());
        }
        if (input instanceof SessionInput.Writable) {
            return processPending();
        }
        return onInputEnded();
    }

    private Behavior<Command> onLines(List<InputLine> lines) {
        if (mode instanceof AwaitingTls) {
            // RFC 3207 §4.2 / CVE-2011-0411: what the client sent in clear after STARTTLS is dropped
            connection.requestInput();
            return this;
        }
        pending.addAll(lines);
        restartIdleTimer();
        return processPending();
    }

    /**
     * Handles queued lines until they run out, the session waits on storage, it closes, or
     * its replies reach {@link #REPLY_HIGH_WATER}; then asks the connection for what comes next.
     */
    private Behavior<Command> processPending() {
        while (!pending.isEmpty() && !closing
                && (mode instanceof Commands || mode instanceof ReceivingData || mode instanceof BetweenChunks)
                && replies.length() < REPLY_HIGH_WATER) {
            InputLine line = pending.poll();
            if (mode instanceof ReceivingData message) {
                onDataLine(message, line);
            } else {
                onCommandLine(line);
            }
        }
        flushReplies();
        if (mode instanceof Storing) {
            return this; // even when closing: the staged file must outlive the storing
        }
        if (mode instanceof AwaitingTls) {
            pending.clear(); // pipelined after STARTTLS, in clear: never executed inside TLS
        }
        if (mode instanceof Authenticating) {
            return this; // the rest of the batch waits for the verdict
        }
        if (closing || inputEnded) {
            return Behaviors.stopped();
        }
        if (pending.isEmpty()) {
            requestInput();
        } else {
            connection.notifyWhenWritable(); // the rest of the batch once the client reads its replies
        }
        return this;
    }

    private void onCommandLine(InputLine line) {
        String text = line instanceof InputLine.Line l ? l.bytes().decodeString(StandardCharsets.ISO_8859_1) : null;
        ServerDialogue.Step step;
        SmtpCommand command = null;
        if (state.auth() != null) {
            step = dialogue.onAuthResponse(state, text == null ? "*" : text);
        } else {
            command = text == null
                    ? new SmtpCommand.Invalid(Replies.LINE_TOO_LONG)
                    : CommandParser.parse(((InputLine.Line) line).bytes().asByteBuffer()); // RFC 6531: UTF-8
            step = dialogue.onCommand(state, command);
            if (command instanceof SmtpCommand.Mail || command instanceof SmtpCommand.Rcpt
                    || command instanceof SmtpCommand.Data || command instanceof SmtpCommand.Bdat) {
                step.replies().forEach(this::countIfRejection);
            }
        }
        state = step.state();
        if (mode instanceof BetweenChunks between
                && (state.transaction() == null || step.action() == ServerDialogue.Action.START_TLS)) {
            between.staging().abandon(); // RSET, a new EHLO or STARTTLS ended the chunked transaction
            mode = COMMANDS;
        }
        switch (step.action()) {
            case START_TLS -> {
                flushReplies();
                connection.startTls(ByteString.fromArrayUnsafe(step.reply().toBytes()));
                mode = AWAITING_TLS;
            }
            case AUTHENTICATE -> {
                mode = AUTHENTICATING;
                setup.authenticator().tell(new Authenticator.Verify(step.credentials().username(),
                        step.credentials().password(), peerAddress, authVerdicts));
            }
            case RECEIVE_DATA -> startData(step);
            case RECEIVE_CHUNK -> startChunk((SmtpCommand.Bdat) command, step);
            case DISCARD_CHUNK -> discardChunk(((SmtpCommand.Bdat) command).size(), step.replies());
            case CLOSE -> {
                step.replies().forEach(this::reply);
                close();
            }
            case CONTINUE -> {
                step.replies().forEach(this::reply);
                closeIfDrainedAndIdle();
            }
        }
    }

    private void startData(ServerDialogue.Step step) {
        String messageId = MessageIds.next(setup.clock().millis());
        StagingFile staging = openStaging(messageId);
        if (staging == null) {
            state = state.afterMessage();
            reply(Replies.STORAGE_FAILED);
            countIfRejection(Replies.STORAGE_FAILED);
            return;
        }
        mode = new ReceivingData(messageId, new DataPhase(setup.settings().maxMessageSize()), staging, false);
        step.replies().forEach(this::reply);
    }

    /**
     * A staging file with the trace fields a receiving server prepends (RFC 5321 §4.4), for DATA
     * and BDAT alike: RFC 3030 adds no with-protocol of its own. Null (and logged) when it fails.
     */
    private StagingFile openStaging(String messageId) {
        Transaction transaction = state.transaction();
        StagingFile staging = null;
        try {
            staging = StagingFile.create(setup.incomingDir(), messageId);
            staging.writeDeliveryOnlyText(ReceivedHeader.returnPath(transaction.sender()));
            staging.writeText(ReceivedHeader.received(state.clientName(), peerAddress,
                    setup.settings().hostname(), state.withProtocol(), state.tls(), state.user(), messageId,
                    transaction.recipients().stream().map(Recipient::address).toList(),
                    ZonedDateTime.now(setup.clock())));
            return staging;
        } catch (IOException e) {
            context.getLog().error("id={} cannot stage message in {}: {}", messageId, setup.incomingDir(), e.toString());
            if (staging != null) {
                staging.abandon();
            }
            return null;
        }
    }

    /**
     * An accepted BDAT (RFC 3030 §2): its octets go into the message's staging file, opened at the
     * first chunk, with no dot-stuffing and no line-length limit; the SIZE limit was checked by the
     * dialogue on the announced sizes. DATA's content rules that matter beyond this hop are checked
     * on the octets by {@link ChunkedContent} and applied at LAST: the hop count, and no bare CR or
     * LF unless BODY=BINARYMIME (a copy relayed later by DATA must not carry a {@code <CR>.<CR>}).
     * DATA makes no 8-bit check of its own either (8BITMIME is taken as declared), so the two agree.
     */
    private void startChunk(SmtpCommand.Bdat bdat, ServerDialogue.Step step) {
        ChunkedMessage message;
        if (mode instanceof BetweenChunks between) {
            message = between.message();
        } else {
            String messageId = MessageIds.next(setup.clock().millis());
            StagingFile staging = openStaging(messageId);
            if (staging == null) {
                state = state.afterMessage();
                countIfRejection(Replies.STORAGE_FAILED);
                discardChunk(bdat.size(), List.of(Replies.STORAGE_FAILED));
                return;
            }
            message = new ChunkedMessage(messageId, staging, false, new ChunkedContent());
        }
        ReceivingChunk chunk = new ReceivingChunk(message, bdat.size(), bdat.last(), step.replies());
        mode = chunk;
        if (bdat.size() == 0) {
            endChunk(chunk);
        } else {
            octetsAnnounced = bdat.size();
        }
    }

    /** A refused BDAT: its octets are read and dropped, then the refusal is said (RFC 3030 §2). */
    private void discardChunk(long size, List<SmtpReply> refusal) {
        if (mode instanceof Staging staged) {
            staged.staging().abandon(); // the transaction is refused: what it staged goes
        }
        if (size == 0) {
            refusal.forEach(this::reply);
            mode = COMMANDS;
        } else {
            mode = new DiscardingChunk(size, refusal);
            octetsAnnounced = size;
        }
    }

    private Behavior<Command> onOctets(ByteString octets) {
        restartIdleTimer();
        if (mode instanceof ReceivingChunk chunk) {
            ChunkedMessage message = chunk.message();
            message.content().feed(octets.asByteBuffer()); // DATA's content rules, on octets
            if (!message.stagingFailed()) {
                try {
                    message.staging().writeOctets(octets);
                } catch (IOException e) {
                    context.getLog().error("id={} staging write failed: {}", message.messageId(), e.toString());
                    message = message.withStagingFailed();
                }
            }
            ReceivingChunk rest = chunk.after(octets.size(), message);
            mode = rest;
            if (rest.remaining() == 0) {
                endChunk(rest);
            }
        } else if (mode instanceof DiscardingChunk discarding) {
            long remaining = discarding.remaining() - octets.size();
            if (remaining == 0) {
                discarding.replies().forEach(this::reply);
                mode = COMMANDS;
            } else {
                mode = new DiscardingChunk(remaining, discarding.replies());
            }
        }
        return processPending();
    }

    /** A chunk's octets are all in: its reply, or for LAST the message goes to the router. */
    private void endChunk(ReceivingChunk chunk) {
        ChunkedMessage message = chunk.message();
        if (!chunk.last()) {
            chunk.replies().forEach(this::reply);
            mode = new BetweenChunks(message);
            return;
        }
        SmtpReply refusal = message.content().refusal(state.transaction().encoding().body());
        if (refusal == null && !message.stagingFailed()
                && store(message.messageId(), message.staging(), System.nanoTime())) {
            return;
        }
        refusal = refusal != null ? refusal : Replies.STORAGE_FAILED;
        context.getLog().info("id={} from={} rejected: {}", message.messageId(),
                state.transaction().sender().bracketed(), refusal);
        message.staging().abandon();
        finishMessage(refusal);
    }

    /** The next input: the octets a BDAT line announced, or lines (or the rest of a chunk) as before. */
    private void requestInput() {
        if (octetsAnnounced > 0) {
            connection.requestOctets(octetsAnnounced);
            octetsAnnounced = 0;
        } else {
            connection.requestInput();
        }
    }

    private void onDataLine(ReceivingData message, InputLine line) {
        ByteString bytes = line instanceof InputLine.Line text ? text.bytes() : null;
        DataPhase.Line verdict = bytes == null
                ? message.data().accept(EMPTY, true) : message.data().accept(bytes.asByteBuffer(), false);
        if (verdict instanceof DataPhase.Content content) {
            if (!message.stagingFailed()) {
                try {
                    message.staging().writeLine(bytes, content.offset());
                } catch (IOException e) {
                    context.getLog().error("id={} staging write failed: {}", message.messageId(), e.toString());
                    mode = message.withStagingFailed();
                }
            }
        } else if (verdict instanceof DataPhase.End) {
            endData(message);
        }
    }

    private void endData(ReceivingData message) {
        long finalDot = System.nanoTime();
        SmtpReply refusal = message.data().refusal();
        if (refusal == null && !message.stagingFailed()) {
            if (store(message.messageId(), message.staging(), finalDot)) {
                return;
            }
            refusal = Replies.STORAGE_FAILED;
        }
        SmtpReply reply = refusal != null ? refusal : Replies.STORAGE_FAILED;
        context.getLog().info("id={} from={} rejected: {}", message.messageId(),
                state.transaction().sender().bracketed(), reply);
        message.staging().abandon();
        finishMessage(reply);
    }

    /**
     * The message is complete (final dot, BDAT LAST): the router stores it and the session waits.
     * False (logged) when the staging file cannot be finished.
     */
    private boolean store(String messageId, StagingFile staging, long endNanos) {
        try {
            StagedMessage staged = staging.finish();
            if (setup.inboundAuth().filter(auth -> auth.appliesTo(peerIp)).isPresent() && !state.authenticated()) {
                // mail from outside: authenticated (SPF, DKIM, DMARC) first, then stored; the 250 waits
                context.pipeToSelf(setup.inboundAuth().get().check(new InboundAuthenticator.Inbound(messageId,
                                peerIp, state.clientName(), state.transaction().sender(), staged)),
                        (outcome, error) -> new MailAuthenticated(outcome != null ? outcome
                                : new InboundAuthenticator.Failed(String.valueOf(error))));
            } else {
                setup.localSenders().deliver(new Router.Deliver(envelope(messageId), staged, storageOutcomes),
                        state.authenticated(), setup.router()); // signed first when the sender is local (DKIM)
            }
            mode = new Storing(messageId, staged, endNanos);
            timers.cancel(IdleTimeout.INSTANCE);
            return true;
        } catch (IOException e) {
            context.getLog().error("id={} staging failed: {}", messageId, e.toString());
            return false;
        }
    }

    private Behavior<Command> onTlsStarted(TlsInbound.Established tls) {
        state = SessionState.afterTlsHandshake(new TlsSession(tls.protocol(), tls.cipherSuite()));
        mode = COMMANDS;
        pending.clear();
        context.getLog().debug("client {} TLS {} {}", peerAddress, tls.protocol(), tls.cipherSuite());
        if (setup.encryption() == SessionSetup.Encryption.IMPLICIT) {
            reply(dialogue.greeting());
        }
        restartIdleTimer();
        flushReplies();
        requestInput();
        return this;
    }

    private Behavior<Command> onAuthVerdict(AuthVerdict verdict) {
        ServerDialogue.Step step = dialogue.authenticated(state, verdict.verdict().user(), verdict.verdict().outcome());
        state = step.state();
        step.replies().forEach(this::reply);
        mode = COMMANDS;
        restartIdleTimer();
        return processPending();
    }

    private Envelope envelope(String messageId) {
        Transaction transaction = state.transaction();
        return new Envelope(messageId, transaction.sender(), transaction.recipients(), transaction.encoding(),
                transaction.dsn(), transaction.tls());
    }

    /** The authenticated copy goes to the router in place of the staged file; a refusal ends the message. */
    private Behavior<Command> onMailAuthenticated(MailAuthenticated authenticated) {
        if (!(mode instanceof Storing storing)) {
            return this;
        }
        deleteStaged(storing.staged());
        InboundAuthenticator.Outcome outcome = authenticated.outcome();
        if (outcome instanceof InboundAuthenticator.Deliver deliver) {
            context.getLog().info("id={} {}", storing.messageId(), deliver.summary());
            setup.router().tell(new Router.Deliver(envelope(storing.messageId()), deliver.staged(), storageOutcomes));
            mode = new Storing(storing.messageId(), deliver.staged(), storing.finalDotNanos());
            return this;
        }
        SmtpReply reply = Replies.STORAGE_FAILED;
        if (outcome instanceof InboundAuthenticator.Refuse refuse) {
            reply = refuse.reply();
            context.getLog().info("id={} from={} rejected: {} ({})", storing.messageId(),
                    state.transaction().sender().bracketed(), reply, refuse.summary());
        } else {
            context.getLog().error("id={} authentication failed: {}", storing.messageId(), outcome);
        }
        finishMessage(reply);
        restartIdleTimer();
        return processPending();
    }

    private Behavior<Command> onStorageOutcome(StorageOutcome outcome) {
        if (!(mode instanceof Storing storing)) {
            return this; // the router answers once for each message
        }
        deleteStaged(storing.staged());
        if (outcome.outcome() instanceof Router.Stored) {
            setup.metrics().accepted(System.nanoTime() - storing.finalDotNanos());
            finishMessage(Replies.queued(storing.messageId()));
        } else {
            finishMessage(Replies.STORAGE_FAILED);
        }
        restartIdleTimer();
        return processPending();
    }

    private void finishMessage(SmtpReply reply) {
        countIfRejection(reply);
        state = state.afterMessage();
        mode = COMMANDS;
        reply(reply);
        closeIfDrainedAndIdle();
    }

    private Behavior<Command> onInputEnded() {
        inputEnded = true;
        if (mode instanceof Storing) {
            return this; // the message is complete: store it, then stop
        }
        return Behaviors.stopped();
    }

    private Behavior<Command> onDrain(Drain drain) {
        draining = true;
        closeIfDrainedAndIdle();
        flushReplies();
        return closing && !(mode instanceof Storing) ? Behaviors.stopped() : this;
    }

    private Behavior<Command> onIdleTimeout() {
        if (mode instanceof Storing) {
            return this;
        }
        reply(Replies.IDLE_TIMEOUT);
        close();
        flushReplies();
        return Behaviors.stopped();
    }

    private Behavior<Command> onStop() {
        if (mode instanceof Staging message) {
            message.staging().abandon();
        } // a message being stored is the router's: its staged file stays until the router is done
        // Closing the reply side closes the connection once the last reply is written; failing
        // the input side instead would abort it and could drop that reply (the 221 to QUIT).
        connection.close();
        setup.metrics().sessionClosed();
        return this;
    }

    private void closeIfDrainedAndIdle() {
        if (draining && mode instanceof Commands && state.transaction() == null) {
            reply(Replies.SHUTTING_DOWN);
            close();
        }
    }

    private void close() {
        closing = true;
        pending.clear();
    }

    private void deleteStaged(StagedMessage staged) {
        try {
            Files.deleteIfExists(staged.file());
        } catch (IOException e) {
            context.getLog().warn("cannot remove staged {}: {}", staged.file(), e.toString());
        }
    }

    /**
     * {@code tern_messages_rejected_total}: the 4xx and 5xx replies to MAIL, RCPT and DATA and
     * at a message's end. Lines the parser cannot read (500, 501) are protocol errors, not
     * rejections, and are not counted, nor are refusals of HELO, AUTH or STARTTLS.
     */
    private void countIfRejection(SmtpReply reply) {
        if (!reply.isPositive()) {
            setup.metrics().rejected(reply.code());
        }
    }

    private void reply(SmtpReply reply) {
        replies.append(ByteString.fromArrayUnsafe(reply.toBytes()));
    }

    /** RFC 2920 §3.2: replies to a pipelined group go out together, before the server waits. */
    private void flushReplies() {
        if (replies.length() == 0) {
            return;
        }
        ByteString bytes = replies.result();
        replies.clear();
        connection.send(bytes);
    }

    private void restartIdleTimer() {
        timers.startSingleTimer(IdleTimeout.INSTANCE, IdleTimeout.INSTANCE, setup.idleTimeout());
    }

    private static String addressLiteral(InetSocketAddress peer) {
        return peer.getAddress() == null ? peer.getHostString() : AddressLiteral.of(peer.getAddress());
    }
}
