package dev.tern.streams.client;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;

import javax.net.ssl.SSLContext;

import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.Tcp;
import org.apache.pekko.util.ByteString;

import dev.tern.protocol.ClientDialogue;
import dev.tern.protocol.ClientDialogue.Stage;
import dev.tern.protocol.ClientDialogue.Step;
import dev.tern.protocol.EhloCapabilities;
import dev.tern.protocol.MailAddress;
import dev.tern.protocol.SmtpReply;
import dev.tern.protocol.TlsRequirement;
import dev.tern.streams.TlsInbound;
import dev.tern.streams.client.SmtpClientException.BodyUnreadable;
import dev.tern.streams.client.SmtpClientException.SessionRejected;
import dev.tern.streams.client.SmtpClientException.TlsHandshakeFailed;
import dev.tern.streams.client.SmtpClientException.TlsVerificationFailed;

/**
 * An SMTP client conversation with one server (RFC 5321 §3, §4): opened with greeting,
 * EHLO (HELO when EHLO is refused) and STARTTLS as the {@link TlsPolicy} says, then any
 * number of {@link #send} transactions — with {@link #reset} between them — and {@link #quit}.
 *
 * <p>One operation at a time: each returns a {@link CompletionStage}, and the next may start
 * when it has completed (a second concurrent call fails with {@link IllegalStateException}).
 * Stages fail with an {@link SmtpClientException} (never wrapped); apart from
 * {@link BodyUnreadable} found before MAIL, a failure closes the connection and every later
 * operation fails with the same exception.
 *
 * <p>What is said when is {@link ClientDialogue}, pure protocol. This class carries out its
 * steps over a {@link ClientConnection} (Pekko Streams): writes the commands, switches to
 * TLS, streams the message file, hands each reply back, keeps the {@link ClientTimeouts},
 * and reconnects in clear after a failed handshake under {@link TlsPolicy#OPPORTUNISTIC}.
 */
public final class SmtpClientSession {

    private final ClassicActorSystemProvider system;
    private final ClientConnection connection;
    private final InetSocketAddress remote;
    private final String serverName;
    private final ClientDialogue dialogue;
    private final ClientTimeouts timeouts;
    private final ClientFailures failures;
    private final AtomicBoolean busy = new AtomicBoolean(true); // opening
    private final ConnectionSecurity security;
    private volatile TlsInbound.Established tls;
    private volatile TlsVerdict verdict;
    private volatile SmtpClientException failure;
    private volatile boolean closed;
    private volatile TlsHandshakeFailed fellBackFrom;

    private SmtpClientSession(ClassicActorSystemProvider system, ClientConnection connection, InetSocketAddress remote,
                              String serverName, ClientDialogue dialogue, ClientTimeouts timeouts,
                              ConnectionSecurity security) {
        this.system = system;
        this.security = security;
        this.connection = connection;
        this.remote = remote;
        this.serverName = serverName;
        this.dialogue = dialogue;
        this.timeouts = timeouts;
        this.failures = new ClientFailures(serverName, remote, timeouts.dataBlock());
    }

    /**
     * Connects and gets the session ready for {@link #send}: greeting (220 expected), EHLO —
     * HELO when EHLO gets a 5xx — and, unless the policy is {@link TlsPolicy#OFF}, STARTTLS
     * when offered, followed by a fresh EHLO whose capabilities replace the first. With
     * {@link TlsPolicy#OPPORTUNISTIC} a failed handshake is followed by one new connection
     * without STARTTLS; a refused or unoffered STARTTLS continues in clear.
     *
     * @param address    where to connect
     * @param serverName the server's host name (MX name): TLS SNI, and messages
     * @param heloName   this host's name for EHLO/HELO
     * @param tlsContext client TLS context, e.g. {@link OpportunisticTls#context()}; may be
     *                   null only with {@link TlsPolicy#OFF}
     */
    public static CompletionStage<SmtpClientSession> open(ClassicActorSystemProvider system, InetSocketAddress address,
                                                         String serverName, String heloName, TlsPolicy policy,
                                                         SSLContext tlsContext, ClientTimeouts timeouts) {
        Objects.requireNonNull(policy, "policy");
        return open(system, address, serverName, heloName, ConnectionSecurity.of(policy), tlsContext, timeouts);
    }

    /**
     * As {@link #open(ClassicActorSystemProvider, InetSocketAddress, String, String, TlsPolicy, SSLContext, ClientTimeouts)},
     * and every completed handshake judged by the security's {@link CertificateCheck}: the
     * verdict is {@link #tlsVerdict()}, and when the security enforces, a failed one ends the
     * session with {@link TlsVerificationFailed} before EHLO. The handshake itself accepts any
     * chain ({@code tlsContext} need not verify): the check decides, with reasons a trust
     * manager could not give.
     */
    public static CompletionStage<SmtpClientSession> open(ClassicActorSystemProvider system, InetSocketAddress address,
                                                         String serverName, String heloName, ConnectionSecurity security,
                                                         SSLContext tlsContext, ClientTimeouts timeouts) {
        Objects.requireNonNull(system, "system");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(serverName, "serverName");
        Objects.requireNonNull(heloName, "heloName");
        Objects.requireNonNull(security, "security");
        Objects.requireNonNull(timeouts, "timeouts");
        TlsPolicy policy = security.startTls();
        if (policy != TlsPolicy.OFF && tlsContext == null) {
            throw new IllegalArgumentException("TLS policy " + policy + " needs a TLS context");
        }
        CompletionStage<SmtpClientSession> first = attempt(system, address, serverName, heloName, security, tlsContext,
                timeouts);
        if (policy != TlsPolicy.OPPORTUNISTIC) {
            return first;
        }
        ConnectionSecurity inClear = new ConnectionSecurity(TlsPolicy.OFF, security.check(), false, security.policy(),
                security.hostAuthenticated());
        CompletableFuture<SmtpClientSession> result = new CompletableFuture<>();
        first.whenComplete((session, error) -> {
            CompletionStage<SmtpClientSession> outcome;
            try {
                outcome = error instanceof TlsHandshakeFailed handshake
                        ? attempt(system, address, serverName, heloName, inClear, null, timeouts)
                                .thenApply(clear -> clear.afterFailedHandshake(handshake))
                        : first;
            } catch (RuntimeException e) { // the result completes whatever happens: a caller waits on it
                outcome = CompletableFuture.failedFuture(e);
            }
            outcome.whenComplete((retried, retryError) -> {
                if (retryError == null) {
                    result.complete(retried);
                } else {
                    result.completeExceptionally(retryError instanceof CompletionException wrapped
                            && wrapped.getCause() != null ? wrapped.getCause() : retryError);
                }
            });
        });
        return result;
    }

    private static CompletionStage<SmtpClientSession> attempt(ClassicActorSystemProvider system, InetSocketAddress address,
                                                             String serverName, String heloName,
                                                             ConnectionSecurity security, SSLContext tlsContext,
                                                             ClientTimeouts timeouts) {
        TlsPolicy policy = security.startTls();
        ClientConnection connection = ClientConnection.open(system, address, serverName,
                policy == TlsPolicy.OFF ? null : tlsContext, timeouts.connect());
        SmtpClientSession session = new SmtpClientSession(system, connection, address, serverName,
                new ClientDialogue(serverName, heloName, policy.startTls()), timeouts, security);
        return session.finish(session.connected()
                .thenCompose(done -> session.run(session.dialogue.connected(), null))
                .thenApply(ready -> session));
    }

    // ------------------------------------------------------------------ what the session knows

    /** The TLS session when STARTTLS succeeded; empty in clear. */
    public Optional<TlsInbound.Established> tls() {
        return Optional.ofNullable(tls);
    }

    /** What the server's certificate proved, judged by the session's {@link CertificateCheck}; empty in clear. */
    public Optional<TlsVerdict> tlsVerdict() {
        return Optional.ofNullable(verdict);
    }

    /**
     * Why the STARTTLS handshake failed, when this session is the one opened in clear after it
     * ({@link TlsPolicy#OPPORTUNISTIC}); empty otherwise. The server offered STARTTLS: such a
     * session is a failed TLS negotiation, not a server without TLS (RFC 8460 §4.3).
     */
    public Optional<String> fellBackToClear() {
        return Optional.ofNullable(fellBackFrom).map(Throwable::getMessage);
    }

    private SmtpClientSession afterFailedHandshake(TlsHandshakeFailed handshake) {
        fellBackFrom = handshake;
        return this;
    }

    /** What this session was opened to require. */
    public ConnectionSecurity security() {
        return security;
    }

    /** The server's extensions from the latest EHLO (after STARTTLS, the one inside TLS); none after HELO. */
    public EhloCapabilities capabilities() {
        return dialogue.capabilities();
    }

    /** The 220 greeting. */
    public SmtpReply greeting() {
        return dialogue.greeting();
    }

    /** The first word of the greeting: the name the server gives itself. */
    public String greetingName() {
        return dialogue.greetingName();
    }

    public InetSocketAddress remote() {
        return remote;
    }

    public String serverName() {
        return serverName;
    }

    /** False after a failure, {@link #quit} or {@link #abort}. */
    public boolean isUsable() {
        return failure == null && !closed;
    }

    // ------------------------------------------------------------------ operations

    /**
     * One mail transaction, as {@link ClientDialogue#send} says: MAIL FROM, RCPT TO for each
     * recipient and DATA — in one write with PIPELINING — then the message. The report holds
     * the reply that decides each recipient: MAIL's rejection for all, RCPT's rejection,
     * DATA's rejection, or the final reply after the data. A message above the server's SIZE
     * limit is not offered at all: every recipient gets a synthesized {@code 552 5.3.4}.
     *
     * <p>Call {@link #reset} before the next transaction (a transaction rejected at RCPT is
     * still open on the server).
     */
    public CompletionStage<MessageReport> send(OutboundMessage message) {
        Optional<SmtpReply> unverified = requireTlsUnverified(message);
        if (unverified.isPresent()) {
            Map<MailAddress, SmtpReply> replies = new LinkedHashMap<>();
            message.recipients().forEach(recipient -> replies.put(recipient, unverified.get()));
            return CompletableFuture.completedFuture(new MessageReport(replies)); // nothing said: the session goes on
        }
        return operation(() -> {
            if (dialogue.fits(message.size())) {
                BodySource.check(message.body(), message.offset(), message.size());
            }
            return run(dialogue.send(message.sender(), message.recipients(), message.size(), message.encoding(),
                    new MessageOctets(message.body(), message.offset(), message.size()), message.dsn(),
                    message.recipientDsn(), message.tls()), message)
                    .thenApply(report -> new MessageReport(((Step.Report) report).replies()));
        });
    }

    /**
     * RFC 8689 §4.2.1: a REQUIRETLS message goes only to an authenticated MX host (its name vouched for by DANE or an
     * MTA-STS policy listing it, {@link ConnectionSecurity#hostAuthenticated()}: Tern does not validate MX answers
     * with DNSSEC) whose certificate verified for that name, whatever the session's policy enforces; the reply that
     * refuses it (5.7.10) when the session is in TLS without both. A certificate valid for a name that a spoofed MX
     * answer supplied proves nothing. In clear, and without REQUIRETLS in EHLO, {@link ClientDialogue} refuses it.
     */
    private Optional<SmtpReply> requireTlsUnverified(OutboundMessage message) {
        if (message.tls() != TlsRequirement.REQUIRETLS || verdict == null) {
            return Optional.empty();
        }
        if (verdict instanceof TlsVerdict.Failed failed) {
            return Optional.of(ClientDialogue.requireTlsRefusal("5.7.10", "the certificate of " + serverName
                    + " did not verify: " + failed.reason()));
        }
        if (!security.hostAuthenticated()) {
            return Optional.of(ClientDialogue.requireTlsRefusal("5.7.10", "MX host " + serverName
                    + " not authenticated by DANE or MTA-STS (policy " + security.policy() + ")"));
        }
        return Optional.empty();
    }

    /** RSET: ends any transaction; a reply other than 2xx fails with {@link SessionRejected}. */
    public CompletionStage<Void> reset() {
        return operation(() -> run(dialogue.reset(), null).thenApply(ready -> null));
    }

    /**
     * QUIT, a short wait for the 221, close. Never fails: the session ends either way. On a
     * failed or busy session it closes at once.
     */
    public CompletionStage<Void> quit() {
        if (closed) {
            return CompletableFuture.completedFuture(null);
        }
        closed = true;
        if (failure != null || !busy.compareAndSet(false, true)) {
            connection.abort();
            return CompletableFuture.completedFuture(null);
        }
        return sayQuit();
    }

    /** Closes the connection at once, whatever is in progress. */
    public void abort() {
        closed = true;
        connection.abort();
    }

    // ------------------------------------------------------------------ carrying out the dialogue's steps

    /**
     * Carries out steps until one ends the operation: completes with that {@link Step.Ready}
     * or {@link Step.Report}, or fails.
     *
     * @param message what {@link Step.SendContent} sends; null outside {@link #send}
     */
    private CompletionStage<Step> run(Step step, OutboundMessage message) {
        if (step instanceof Step.Write write) {
            return connection.write(write.text()) ? await(write.awaiting(), message)
                    : failed(failures.closed(write.awaiting()));
        }
        if (step instanceof Step.Await await) {
            return await(await.stage(), message);
        }
        if (step instanceof Step.Handshake) {
            return connection.startTls() ? await(Stage.TLS, message) : failed(failures.handshakeNotStarted());
        }
        if (step instanceof Step.SendContent) {
            return sendContent(message).thenCompose(next -> run(next, message));
        }
        if (step instanceof Step.SendChunk chunk) {
            return sendChunk(message, chunk).thenCompose(next -> run(next, message));
        }
        if (step instanceof Step.Fail fail) {
            SmtpClientException reason = failures.of(fail.failure());
            if (!fail.quit()) {
                return failed(reason);
            }
            failure = reason;
            return sayQuit().thenCompose(done -> failed(reason));
        }
        return CompletableFuture.completedFuture(step);
    }

    private CompletionStage<Step> await(Stage stage, OutboundMessage message) {
        return next(stage, timeouts.reply(stage)).thenCompose(event -> run(feed(event), message));
    }

    private Step feed(ServerEvent event) {
        if (event instanceof ServerEvent.Reply reply) {
            return dialogue.onReply(reply.reply());
        }
        Step next = dialogue.onTlsStarted();
        if (!(next instanceof Step.Fail)) {
            tls = ((ServerEvent.TlsStarted) event).session();
            verdict = security.check().check(PeerChain.of(tls.session()), serverName);
            if (security.enforce() && verdict instanceof TlsVerdict.Failed failed) {
                throw new TlsVerificationFailed(failures.server(), failed, security.policy());
            }
        }
        return next;
    }

    /** QUIT, a short wait for the 221 (or anything, or nothing), close. */
    private CompletionStage<Void> sayQuit() {
        return run(dialogue.quit(), null).handle((close, error) -> {
            closed = true;
            connection.close();
            return null;
        });
    }

    /**
     * Streams the message file, then reads the final reply. Until the last octet has been
     * handed to the connection the data-block timeout of {@link BodySource} guards the
     * transfer, from then on the dataEnd timeout. When the body failed on its own, that is
     * what went wrong.
     */
    private CompletionStage<Step> sendContent(OutboundMessage message) {
        return transfer(BodySource.of(message.body(), message.offset(), message.size(), timeouts.dataBlock()),
                Stage.DATA, Stage.END_OF_DATA);
    }

    /**
     * RFC 3030 BDAT: the command line and the chunk's octets in one write, streamed from the
     * message file like DATA content (no dot-stuffing, no terminator), then the chunk's reply.
     */
    private CompletionStage<Step> sendChunk(OutboundMessage message, Step.SendChunk chunk) {
        Source<ByteString, NotUsed> octets = Source.single(ByteString.fromString(chunk.command(), StandardCharsets.US_ASCII))
                .concat(BodySource.chunk(message.body(), message.offset() + chunk.offset(), chunk.length(),
                        timeouts.dataBlock()));
        return transfer(octets, Stage.BDAT, Stage.BDAT);
    }

    /** Streams octets, then reads the reply {@code awaiting}; {@code sending} names a connection closed before. */
    private CompletionStage<Step> transfer(Source<ByteString, NotUsed> octets, Stage sending, Stage awaiting) {
        Optional<CompletionStage<Done>> taken = connection.stream(octets);
        if (taken.isEmpty()) {
            return failed(failures.closed(sending));
        }
        return taken.get().handle((done, bodyError) -> bodyError).thenCompose(bodyError -> {
            SmtpClientException local = bodyError == null ? null : failures.body(bodyError);
            if (local != null) {
                return failed(local);
            }
            return next(awaiting, timeouts.reply(awaiting)).thenApply(event -> {
                Step step = feed(event);
                if (bodyError != null && !(step instanceof Step.Fail)) { // a server that answered early, then hung up
                    throw failures.earlyReply(((ServerEvent.Reply) event).reply(), bodyError);
                }
                return step;
            });
        });
    }

    private CompletionStage<Tcp.OutgoingConnection> connected() {
        // Pekko's own connect timeout normally fires first; this is the backstop
        return guard(connection.connected(), failures::connect, timeouts.connect().plusSeconds(1),
                () -> failures.connectTimedOut(timeouts.connect()));
    }

    /**
     * The next event; fails when the stream fails, the server closes the connection or the
     * timeout expires.
     */
    private CompletionStage<ServerEvent> next(Stage stage, Duration timeout) {
        return guard(connection.next(), error -> failures.failed(stage, error), timeout,
                () -> failures.timedOut(stage, timeout))
                .thenApply(event -> event.orElseThrow(() -> failures.closed(stage)));
    }

    // ------------------------------------------------------------------ bookkeeping

    /** One operation at a time, on a session that has not failed or closed. */
    private <T> CompletionStage<T> operation(Supplier<CompletionStage<T>> steps) {
        if (failure != null) {
            return CompletableFuture.failedStage(failure);
        }
        if (closed) {
            return CompletableFuture.failedStage(new IllegalStateException("session closed"));
        }
        if (!busy.compareAndSet(false, true)) {
            return CompletableFuture.failedStage(
                    new IllegalStateException("another operation on this session is in progress"));
        }
        try {
            return finish(steps.get());
        } catch (BodyUnreadable beforeMail) { // nothing was said: the session goes on
            busy.set(false);
            return CompletableFuture.failedStage(beforeMail);
        }
    }

    /**
     * Ends an operation: a failure breaks the session and closes the connection. The stage
     * fails with the {@link SmtpClientException} itself, not the {@link CompletionException}
     * the chain of steps wraps it in.
     */
    private <T> CompletionStage<T> finish(CompletionStage<T> steps) {
        CompletableFuture<T> result = new CompletableFuture<>();
        steps.whenComplete((value, error) -> {
            busy.set(false);
            if (error == null) {
                result.complete(value);
                return;
            }
            SmtpClientException reason = failures.of(error instanceof CompletionException ? error.getCause() : error);
            if (failure == null) {
                failure = reason;
            }
            if (!closed) {
                closed = true;
                connection.abort();
            }
            result.completeExceptionally(reason);
        });
        return result;
    }

    /** {@code source}, failing as {@code failure} says, or with {@code expired} after {@code timeout}. */
    private <T> CompletionStage<T> guard(CompletionStage<T> source, Function<Throwable, SmtpClientException> failure,
                                         Duration timeout, Supplier<SmtpClientException> expired) {
        CompletableFuture<T> result = new CompletableFuture<>();
        source.whenComplete((value, error) -> {
            if (error == null) {
                result.complete(value);
            } else {
                result.completeExceptionally(failure.apply(error));
            }
        });
        Cancellable timer = system.classicSystem().scheduler().scheduleOnce(timeout,
                () -> result.completeExceptionally(expired.get()), system.classicSystem().dispatcher());
        result.whenComplete((value, error) -> timer.cancel());
        return result;
    }

    private static <T> CompletableFuture<T> failed(Throwable reason) {
        return CompletableFuture.failedFuture(reason);
    }
}
