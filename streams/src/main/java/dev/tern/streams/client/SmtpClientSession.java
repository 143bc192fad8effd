package dev.tern.streams.client;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import javax.net.ssl.SSLContext;

import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.stream.StreamTcpException;
import org.apache.pekko.stream.StreamTimeoutException;
import org.apache.pekko.stream.javadsl.Source;

import dev.tern.protocol.EhloCapabilities;
import dev.tern.protocol.MailAddress;
import dev.tern.protocol.SmtpReply;
import dev.tern.streams.TlsInbound;
import dev.tern.streams.TlsOutbound;
import dev.tern.streams.client.SmtpClientException.BodyUnreadable;
import dev.tern.streams.client.SmtpClientException.ConnectFailed;
import dev.tern.streams.client.SmtpClientException.ProtocolViolation;
import dev.tern.streams.client.SmtpClientException.ReplyTimeout;
import dev.tern.streams.client.SmtpClientException.SessionRejected;
import dev.tern.streams.client.SmtpClientException.TlsHandshakeFailed;
import dev.tern.streams.client.SmtpClientException.TlsUnavailable;

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
 * <p>Built on Pekko Streams: {@link ClientConnection} carries the octets both ways, this class
 * is the conversation's state machine on top, driven by the completion of reply futures.
 */
public final class SmtpClientSession {

    /** The longest the client waits for the 221 after QUIT. */
    private static final Duration QUIT_WAIT = Duration.ofSeconds(10);

    private final ClassicActorSystemProvider system;
    private final ClientConnection connection;
    private final InetSocketAddress remote;
    private final String serverName;
    private final String heloName;
    private final ClientTimeouts timeouts;
    private final AtomicBoolean busy = new AtomicBoolean(true); // opening
    private volatile SmtpReply greeting;
    private volatile EhloCapabilities capabilities;
    private volatile TlsInbound.Established tls;
    private volatile SmtpClientException failure;
    private volatile boolean closed;

    private SmtpClientSession(ClassicActorSystemProvider system, ClientConnection connection, InetSocketAddress remote,
                              String serverName, String heloName, ClientTimeouts timeouts) {
        this.system = system;
        this.connection = connection;
        this.remote = remote;
        this.serverName = serverName;
        this.heloName = heloName;
        this.timeouts = timeouts;
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
        Objects.requireNonNull(system, "system");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(serverName, "serverName");
        Objects.requireNonNull(heloName, "heloName");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(timeouts, "timeouts");
        if (policy != TlsPolicy.OFF && tlsContext == null) {
            throw new IllegalArgumentException("TLS policy " + policy + " needs a TLS context");
        }
        CompletionStage<SmtpClientSession> first = attempt(system, address, serverName, heloName, policy, tlsContext, timeouts);
        if (policy != TlsPolicy.OPPORTUNISTIC) {
            return first;
        }
        return settle(first.exceptionallyCompose(error -> unwrap(error) instanceof TlsHandshakeFailed
                ? attempt(system, address, serverName, heloName, TlsPolicy.OFF, null, timeouts)
                : CompletableFuture.failedStage(unwrap(error))));
    }

    private static CompletionStage<SmtpClientSession> attempt(ClassicActorSystemProvider system, InetSocketAddress address,
                                                             String serverName, String heloName, TlsPolicy policy,
                                                             SSLContext tlsContext, ClientTimeouts timeouts) {
        ClientConnection connection = ClientConnection.open(system, address, serverName,
                policy == TlsPolicy.OFF ? null : tlsContext, timeouts.connect());
        SmtpClientSession session = new SmtpClientSession(system, connection, address, serverName, heloName, timeouts);
        return session.finish(session.establish(policy).thenApply(done -> session));
    }

    // ------------------------------------------------------------------ what the session knows

    /** The TLS session when STARTTLS succeeded; empty in clear. */
    public Optional<TlsInbound.Established> tls() {
        return Optional.ofNullable(tls);
    }

    /** The server's extensions from the latest EHLO (after STARTTLS, the one inside TLS); none after HELO. */
    public EhloCapabilities capabilities() {
        return capabilities;
    }

    /** The 220 greeting. */
    public SmtpReply greeting() {
        return greeting;
    }

    /** The first word of the greeting: the name the server gives itself. */
    public String greetingName() {
        return firstWord(greeting);
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
     * One mail transaction. MAIL FROM (with SIZE= when the server has SIZE), RCPT TO for each
     * recipient and DATA go out in one write when the server offers PIPELINING (RFC 2920),
     * otherwise one at a time. The report holds the reply that decides each recipient: MAIL's
     * rejection for all, RCPT's rejection, DATA's rejection, or the final reply after the data.
     * Without an accepted recipient no data is sent. A message above the server's SIZE limit is
     * not offered at all: every recipient gets a synthesized {@code 552 5.3.4}.
     *
     * <p>Call {@link #reset} before the next transaction (a transaction rejected at RCPT is
     * still open on the server).
     */
    public CompletionStage<MessageReport> send(OutboundMessage message) {
        Optional<CompletionStage<MessageReport>> refused = enter();
        if (refused.isPresent()) {
            return refused.get();
        }
        List<MailAddress> recipients = new ArrayList<>(new LinkedHashSet<>(message.recipients()));
        OptionalLong limit = capabilities.sizeLimit();
        if (limit.isPresent() && message.size() > limit.getAsLong()) {
            busy.set(false);
            SmtpReply tooBig = SmtpReply.of(552, "5.3.4", "Message size " + message.size()
                    + " exceeds the fixed maximum message size " + limit.getAsLong() + " of " + serverName);
            return CompletableFuture.completedFuture(allGet(recipients, tooBig));
        }
        Optional<BodyUnreadable> unreadable = checkBody(message);
        if (unreadable.isPresent()) {
            busy.set(false);
            return CompletableFuture.failedStage(unreadable.get());
        }
        String mail = "MAIL FROM:" + message.sender().bracketed() + (capabilities.size() ? " SIZE=" + message.size() : "");
        return finish(capabilities.pipelining()
                ? pipelined(message, recipients, mail)
                : lockstep(message, recipients, mail));
    }

    /** RSET: ends any transaction; a reply other than 2xx fails with {@link SessionRejected}. */
    public CompletionStage<Void> reset() {
        Optional<CompletionStage<Void>> refused = enter();
        if (refused.isPresent()) {
            return refused.get();
        }
        return finish(command("RSET", "RSET", timeouts.command()).thenCompose(reply -> reply.code() / 100 == 2
                ? CompletableFuture.<Void>completedFuture(null)
                : failed(new SessionRejected("RSET", reply))));
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
        if (!connection.write("QUIT\r\n")) {
            connection.abort();
            return CompletableFuture.completedFuture(null);
        }
        return next("QUIT", shorter(QUIT_WAIT, timeouts.command())).handle((event, error) -> {
            connection.close();
            return null;
        });
    }

    /** Closes the connection at once, whatever is in progress. */
    public void abort() {
        closed = true;
        connection.abort();
    }

    // ------------------------------------------------------------------ opening

    private CompletionStage<Void> establish(TlsPolicy policy) {
        return connected()
                .thenCompose(done -> reply("greeting", timeouts.greeting()))
                .thenCompose(reply -> {
                    greeting = reply;
                    return reply.code() == 220 ? hello() : quitAndFail(new SessionRejected("greeting", reply));
                })
                .thenCompose(caps -> {
                    capabilities = caps;
                    return startTls(policy);
                });
    }

    private CompletionStage<Void> connected() {
        CompletableFuture<Void> result = new CompletableFuture<>();
        connection.connected().whenComplete((outgoing, error) -> {
            if (error == null) {
                result.complete(null);
            } else {
                Throwable cause = unwrap(error);
                result.completeExceptionally(new ConnectFailed("connect to " + describe() + ": "
                        + connectProblem(cause), cause));
            }
        });
        // Pekko's own connect timeout normally fires first; this is the backstop
        Duration limit = timeouts.connect().plusSeconds(1);
        expireWith(result, limit, () -> new ConnectFailed("connect to " + describe() + " timed out after "
                + timeouts.connect(), null));
        return result;
    }

    /**
     * The operating system's words ("Connection refused") out of Pekko's "Tcp command
     * [Connect(...)] failed because of java.net.ConnectException: Connection refused", as
     * Postfix logs them.
     */
    private static String connectProblem(Throwable cause) {
        String text = message(cause);
        int because = text.lastIndexOf("because of ");
        if (because >= 0) {
            text = text.substring(because + "because of ".length());
        }
        return text.replaceFirst("^[\\w.$]+(Exception|Error): ", "");
    }

    private CompletionStage<EhloCapabilities> hello() {
        return command("EHLO " + heloName, "EHLO", timeouts.command()).thenCompose(ehlo -> {
            if (ehlo.code() / 100 == 2) {
                return CompletableFuture.completedFuture(EhloCapabilities.parse(ehlo));
            }
            if (!ehlo.isPermanentFailure()) {
                return quitAndFail(new SessionRejected("EHLO", ehlo));
            }
            return command("HELO " + heloName, "HELO", timeouts.command()).thenCompose(helo -> helo.code() / 100 == 2
                    ? CompletableFuture.completedFuture(EhloCapabilities.none(firstWord(helo)))
                    : quitAndFail(new SessionRejected("HELO", helo)));
        });
    }

    private CompletionStage<Void> startTls(TlsPolicy policy) {
        CompletableFuture<Void> inClear = CompletableFuture.completedFuture(null);
        if (policy == TlsPolicy.OFF) {
            return inClear;
        }
        if (!capabilities.startTls()) {
            return policy == TlsPolicy.REQUIRED
                    ? quitAndFail(new TlsUnavailable(describe() + " does not offer STARTTLS", null))
                    : inClear;
        }
        return command("STARTTLS", "STARTTLS", timeouts.command()).thenCompose(reply -> {
            if (reply.code() != 220) {
                return policy == TlsPolicy.REQUIRED
                        ? quitAndFail(new TlsUnavailable(describe() + " refused STARTTLS: " + reply, reply))
                        : inClear;
            }
            if (!connection.startTls()) {
                // e.g. garbage after the 220 already failed the connection: a failed handshake
                return failed(new TlsHandshakeFailed("connection to " + describe()
                        + " ended before the TLS handshake could start", null));
            }
            return handshake()
                    .thenCompose(established -> {
                        tls = established;
                        return hello();
                    })
                    .thenAccept(caps -> capabilities = caps);
        });
    }

    /**
     * Waits for the TLS boundary. Replies before it arrived in clear after the 220 — injected
     * by someone on the path (CVE-2011-0411) — and are dropped. Any failure, or the connection
     * ending, counts as a failed handshake, so that OPPORTUNISTIC can fall back.
     */
    private CompletionStage<TlsInbound.Established> handshake() {
        CompletableFuture<TlsInbound.Established> result = new CompletableFuture<>();
        awaitBoundary(result);
        expireWith(result, timeouts.command(), () -> new TlsHandshakeFailed("TLS handshake with " + describe()
                + " did not finish within " + timeouts.command(), null));
        return result;
    }

    private void awaitBoundary(CompletableFuture<TlsInbound.Established> result) {
        connection.next().whenComplete((event, error) -> {
            if (result.isDone()) {
                return;
            }
            if (error != null) {
                Throwable cause = unwrap(error);
                result.completeExceptionally(new TlsHandshakeFailed("TLS handshake with " + describe() + " failed: "
                        + message(cause), cause));
            } else if (event.isEmpty()) {
                result.completeExceptionally(new TlsHandshakeFailed(describe()
                        + " closed the connection during the TLS handshake", null));
            } else if (event.get() instanceof ServerEvent.TlsStarted started) {
                result.complete(started.session());
            } else {
                awaitBoundary(result); // a cleartext reply after the 220: discarded
            }
        });
    }

    // ------------------------------------------------------------------ a transaction

    private CompletionStage<MessageReport> pipelined(OutboundMessage message, List<MailAddress> recipients, String mail) {
        StringBuilder batch = new StringBuilder(mail).append("\r\n");
        for (MailAddress recipient : recipients) {
            batch.append("RCPT TO:<").append(recipient).append(">\r\n");
        }
        batch.append("DATA\r\n");
        if (!connection.write(batch.toString())) {
            return failed(closedDuring("MAIL"));
        }
        return reply("MAIL", timeouts.mail()).thenCompose(mailReply ->
                rcptReplies(recipients.size(), new ArrayList<>()).thenCompose(rcptReplies ->
                        reply("DATA", timeouts.dataInit()).thenCompose(dataReply ->
                                conclude(message, recipients, mailReply, rcptReplies, dataReply))));
    }

    private CompletionStage<List<SmtpReply>> rcptReplies(int count, List<SmtpReply> replies) {
        if (replies.size() == count) {
            return CompletableFuture.completedFuture(replies);
        }
        return reply("RCPT", timeouts.rcpt()).thenCompose(reply -> {
            replies.add(reply);
            return rcptReplies(count, replies);
        });
    }

    private CompletionStage<MessageReport> lockstep(OutboundMessage message, List<MailAddress> recipients, String mail) {
        return command(mail, "MAIL", timeouts.mail()).thenCompose(mailReply -> {
            if (!mailReply.isPositive()) {
                return conclude(message, recipients, mailReply, List.of(), null);
            }
            return rcptOneByOne(recipients, new ArrayList<>()).thenCompose(rcptReplies -> {
                if (rcptReplies.stream().noneMatch(SmtpReply::isPositive)) {
                    return conclude(message, recipients, mailReply, rcptReplies, null);
                }
                return command("DATA", "DATA", timeouts.dataInit()).thenCompose(dataReply ->
                        conclude(message, recipients, mailReply, rcptReplies, dataReply));
            });
        });
    }

    private CompletionStage<List<SmtpReply>> rcptOneByOne(List<MailAddress> recipients, List<SmtpReply> replies) {
        if (replies.size() == recipients.size()) {
            return CompletableFuture.completedFuture(replies);
        }
        return command("RCPT TO:<" + recipients.get(replies.size()) + ">", "RCPT", timeouts.rcpt()).thenCompose(reply -> {
            replies.add(reply);
            return rcptOneByOne(recipients, replies);
        });
    }

    /**
     * Decides every recipient from the replies so far and, after a 354, sends the data: the
     * message when a recipient was accepted, otherwise only the dot (a server that answers
     * DATA with 354 despite no valid recipient still needs its data phase ended).
     *
     * @param dataReply null when DATA was not sent
     */
    private CompletionStage<MessageReport> conclude(OutboundMessage message, List<MailAddress> recipients,
                                                    SmtpReply mailReply, List<SmtpReply> rcptReplies, SmtpReply dataReply) {
        Map<MailAddress, SmtpReply> decided = new LinkedHashMap<>();
        List<MailAddress> accepted = new ArrayList<>();
        for (int i = 0; i < recipients.size(); i++) {
            SmtpReply reply = mailReply.isPositive() ? rcptReplies.get(i) : mailReply;
            decided.put(recipients.get(i), reply);
            if (reply.isPositive()) {
                accepted.add(recipients.get(i));
            }
        }
        if (dataReply == null) {
            return CompletableFuture.completedFuture(new MessageReport(decided));
        }
        if (dataReply.code() == 354) {
            if (accepted.isEmpty()) {
                return endEmptyData().thenApply(ignored -> new MessageReport(decided));
            }
            return sendBody(message).thenApply(finalReply -> {
                accepted.forEach(recipient -> decided.put(recipient, finalReply));
                return new MessageReport(decided);
            });
        }
        if (dataReply.isPositive()) {
            return failed(new ProtocolViolation("DATA answered " + dataReply + " instead of 354", null));
        }
        accepted.forEach(recipient -> decided.put(recipient, dataReply));
        return CompletableFuture.completedFuture(new MessageReport(decided));
    }

    private CompletionStage<SmtpReply> endEmptyData() {
        return command(".", "end of data", timeouts.dataEnd());
    }

    /**
     * Streams the message file and reads the final reply. The dataEnd timeout starts once the
     * last octet has been handed to the connection; until then the data-block timeout of
     * {@link BodySource} guards the transfer.
     */
    private CompletionStage<SmtpReply> sendBody(OutboundMessage message) {
        CompletableFuture<Done> sent = new CompletableFuture<>();
        Source<TlsOutbound, NotUsed> octets = BodySource.of(message.body(), message.offset(), message.size(),
                        timeouts.dataBlock())
                .watchTermination((mat, done) -> {
                    done.whenComplete((ok, error) -> {
                        if (error == null) {
                            sent.complete(ok);
                        } else {
                            sent.completeExceptionally(error);
                        }
                    });
                    return mat;
                })
                .map(bytes -> (TlsOutbound) new TlsOutbound.Bytes(bytes));
        if (!connection.write(octets)) {
            return failed(closedDuring("DATA"));
        }
        CompletableFuture<SmtpReply> result = new CompletableFuture<>();
        reply("end of data", null).whenComplete((reply, error) -> {
            if (error == null) {
                // The last chunk's completion reaches us only after it went to TCP, so on a fast
                // link the real reply can overtake it: wait for the body (the data-block timeout
                // bounds that) before taking the reply. A server that answers early and then
                // hangs up is reported through the body's failure.
                sent.whenComplete((ok, bodyError) -> {
                    if (bodyError == null) {
                        result.complete(reply);
                    } else {
                        SmtpClientException local = bodyFailure(bodyError);
                        result.completeExceptionally(local != null ? local : new ProtocolViolation(
                                describe() + " replied " + reply + " before the end of the data", bodyError));
                    }
                });
            } else {
                // the connection died: if the body's own failure caused it, report that
                sent.whenComplete((ok, bodyError) -> {
                    SmtpClientException local = bodyError == null ? null : bodyFailure(bodyError);
                    result.completeExceptionally(local != null ? local : unwrap(error));
                });
            }
        });
        sent.whenComplete((ok, error) -> {
            SmtpClientException local = error == null ? null : bodyFailure(error);
            if (local != null) {
                result.completeExceptionally(local);
            } else {
                expireWith(result, timeouts.dataEnd(), () -> new ReplyTimeout("end of data", timeouts.dataEnd()));
            }
        });
        return result;
    }

    /** The body's own failure as the session reports it, or null when it just went down with the connection. */
    private SmtpClientException bodyFailure(Throwable error) {
        Throwable cause = unwrap(error);
        if (find(cause, StreamTimeoutException.class) != null) {
            return new ReplyTimeout("data block", timeouts.dataBlock());
        }
        if (find(cause, StreamTcpException.class) == null && find(cause, IOException.class) != null) {
            return new BodyUnreadable("cannot read the message file: " + message(cause), cause);
        }
        return null;
    }

    private static Optional<BodyUnreadable> checkBody(OutboundMessage message) {
        try {
            long available = Files.size(message.body()) - message.offset();
            if (available < message.size()) {
                return Optional.of(new BodyUnreadable("message file " + message.body() + " holds " + available
                        + " octets after offset " + message.offset() + ", expected " + message.size(), null));
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of(new BodyUnreadable("cannot read the message file: " + e, e));
        }
    }

    private static MessageReport allGet(List<MailAddress> recipients, SmtpReply reply) {
        Map<MailAddress, SmtpReply> decided = new LinkedHashMap<>();
        recipients.forEach(recipient -> decided.put(recipient, reply));
        return new MessageReport(decided);
    }

    // ------------------------------------------------------------------ reading and writing

    private CompletionStage<SmtpReply> command(String line, String stage, Duration timeout) {
        if (!connection.write(line + "\r\n")) {
            return failed(closedDuring(stage));
        }
        return reply(stage, timeout);
    }

    /** The next reply; a 421 (the server is going away) fails with {@link SessionRejected}. */
    private CompletionStage<SmtpReply> reply(String stage, Duration timeout) {
        return next(stage, timeout).thenCompose(event -> {
            if (!(event instanceof ServerEvent.Reply reply)) {
                return failed(new ProtocolViolation("TLS started unasked while waiting for " + stage, null));
            }
            if (reply.reply().code() == 421) {
                return failed(new SessionRejected(stage, reply.reply()));
            }
            return CompletableFuture.completedFuture(reply.reply());
        });
    }

    /** @param timeout null for none */
    private CompletionStage<ServerEvent> next(String stage, Duration timeout) {
        CompletableFuture<ServerEvent> result = new CompletableFuture<>();
        connection.next().whenComplete((event, error) -> {
            if (error != null) {
                result.completeExceptionally(streamFailure(stage, unwrap(error)));
            } else if (event.isEmpty()) {
                result.completeExceptionally(closedDuring(stage));
            } else {
                result.complete(event.get());
            }
        });
        if (timeout != null) {
            expireWith(result, timeout, () -> new ReplyTimeout(stage, timeout));
        }
        return result;
    }

    private SmtpClientException streamFailure(String stage, Throwable cause) {
        if (cause instanceof SmtpClientException known) {
            return known;
        }
        if (find(cause, StreamTimeoutException.class) != null) {
            return new ReplyTimeout("data block", timeouts.dataBlock());
        }
        return new ConnectFailed("connection to " + describe() + " failed during " + stage + ": " + message(cause), cause);
    }

    private ConnectFailed closedDuring(String stage) {
        return new ConnectFailed("connection to " + describe() + " closed during " + stage, null);
    }

    /** Says goodbye after a refusal (RFC 5321 §3.1: QUIT even after a 554 greeting), then fails. */
    private <T> CompletionStage<T> quitAndFail(SmtpClientException reason) {
        failure = reason;
        if (!connection.write("QUIT\r\n")) {
            return failed(reason);
        }
        return next("QUIT", shorter(QUIT_WAIT, timeouts.command())).handle((event, error) -> {
            closed = true;
            connection.close();
            return null;
        }).thenCompose(ignored -> failed(reason));
    }

    // ------------------------------------------------------------------ bookkeeping

    private <T> Optional<CompletionStage<T>> enter() {
        if (failure != null) {
            return Optional.of(CompletableFuture.failedStage(failure));
        }
        if (closed) {
            return Optional.of(CompletableFuture.failedStage(new IllegalStateException("session closed")));
        }
        if (!busy.compareAndSet(false, true)) {
            return Optional.of(CompletableFuture.failedStage(
                    new IllegalStateException("another operation on this session is in progress")));
        }
        return Optional.empty();
    }

    /** Ends an operation: a failure breaks the session and closes the connection; unwrapped result. */
    private <T> CompletionStage<T> finish(CompletionStage<T> operation) {
        CompletableFuture<T> result = new CompletableFuture<>();
        operation.whenComplete((value, error) -> {
            busy.set(false);
            if (error == null) {
                result.complete(value);
            } else {
                SmtpClientException reason = asClientException(unwrap(error));
                markFailed(reason);
                result.completeExceptionally(reason);
            }
        });
        return result;
    }

    private void markFailed(SmtpClientException reason) {
        if (failure == null) {
            failure = reason;
        }
        if (!closed) {
            closed = true;
            connection.abort();
        }
    }

    private SmtpClientException asClientException(Throwable error) {
        if (error instanceof SmtpClientException known) {
            return known;
        }
        return new ConnectFailed("session with " + describe() + " failed: " + message(error), error);
    }

    private void expireWith(CompletableFuture<?> future, Duration after, Supplier<? extends Throwable> reason) {
        Cancellable timer = system.classicSystem().scheduler().scheduleOnce(after,
                () -> future.completeExceptionally(reason.get()), system.classicSystem().dispatcher());
        future.whenComplete((value, error) -> timer.cancel());
    }

    private String describe() {
        return serverName + "[" + remote.getAddress().getHostAddress() + "]:" + remote.getPort();
    }

    private static Duration shorter(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static String firstWord(SmtpReply reply) {
        if (reply == null) {
            return null;
        }
        String text = reply.lines().get(0).strip();
        int space = text.indexOf(' ');
        return space < 0 ? text : text.substring(0, space);
    }

    private static <T> CompletableFuture<T> failed(Throwable reason) {
        return CompletableFuture.failedFuture(reason);
    }

    /** A stage that fails with the cause itself rather than a {@link CompletionException}. */
    private static <T> CompletionStage<T> settle(CompletionStage<T> stage) {
        CompletableFuture<T> result = new CompletableFuture<>();
        stage.whenComplete((value, error) -> {
            if (error == null) {
                result.complete(value);
            } else {
                result.completeExceptionally(unwrap(error));
            }
        });
        return result;
    }

    private static Throwable unwrap(Throwable error) {
        Throwable t = error;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static <T extends Throwable> T find(Throwable error, Class<T> type) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }

    private static String message(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String text = root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
        return root == error || error.getMessage() == null ? text : error.getMessage() + " (" + text + ")";
    }
}
