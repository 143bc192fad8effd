package dev.tern.relay;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.PreRestart;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

import dev.tern.metrics.TernMetrics;
import dev.tern.protocol.DeliveryStatusNotification;
import dev.tern.protocol.MailAddress;
import dev.tern.protocol.RecipientDsn;
import dev.tern.protocol.Recipient;
import dev.tern.protocol.ReversePath;
import dev.tern.protocol.SmtpReply;
import dev.tern.queue.BodyFile;
import dev.tern.queue.QueueEntry;
import dev.tern.queue.RecipientState;
import dev.tern.queue.RecipientStatus;
import dev.tern.store.StagedMessage;
import dev.tern.streams.client.MessageReport;
import dev.tern.streams.client.OutboundMessage;
import dev.tern.streams.client.SmtpClientSession;
import dev.tern.streams.client.TlsVerdict;
import dev.tern.supervision.Causes;
import dev.tern.supervision.DeliveryFailure;
import dev.tern.supervision.DestinationUnavailable;
import dev.tern.supervision.FailureClassifier;
import dev.tern.supervision.FailureKind;
import dev.tern.supervision.RetrySchedule;
import dev.tern.transport.DestinationSecurity;
import dev.tern.transport.HostSecurity;

/**
 * Delivers the queued mail of one destination domain. It owns that domain's spool
 * entries: it reads them when it starts, and alone updates and removes them.
 *
 * <p>An attempt resolves the domain's MX hosts, opens a session to the first host that
 * answers, adds parallel sessions up to the limit while there is work, and sends each due
 * entry in turn (RSET between messages on one session). Each recipient's reply is written
 * to the spool before the next step: 2xx delivered, 5xx failed, 4xx deferred to the next
 * attempt on the retry curve. Entries whose every recipient is final leave the queue, with
 * a DSN to the sender first if any recipient failed.
 *
 * <p>When the destination itself is unreachable — DNS cannot answer, every MX host
 * refuses, times out or answers 421 — the due entries are deferred and the relay fails
 * with {@link DestinationUnavailable} (at once, or once the router has answered for the
 * bounces still out; it makes no attempt meanwhile): its supervisor restarts it after a
 * backoff (the whole domain waits, as Postfix does for a dead site), and the restarted relay
 * reads its entries from the spool again. Entries that arrive meanwhile are safe in the spool.
 *
 * <p>REQUIRETLS (RFC 8689) is decided per message on the session at hand: {@link SmtpClientSession#send} refuses a
 * REQUIRETLS message on a session without verified TLS or without REQUIRETLS in its EHLO, and the refusal is a
 * permanent reply like a server's (5.7.10, 5.7.30), so it bounces while the session goes on. When the destination's
 * TLS policy holds an attempt back, the messages that say {@code TLS-Required: No} go on sessions of their own with
 * opportunistic TLS ({@link #sendWaivedAnyway}).
 *
 * <p>What the relay is doing is its {@link State}: {@link Idle} between attempts,
 * {@link Attempting} with the attempt's work and sessions, {@link DestinationDown} while it
 * waits to fail.
 */
public final class Relay extends AbstractBehavior<Relay.Command> {

    public sealed interface Command {
    }

    /** New entries for this domain, already durable in the spool. */
    public record Enqueued(List<QueueEntry> entries) implements Command {
    }

    /**
     * {@code queue flush}, to a relay that is running (not waiting out a backoff, where this waits in the stash and
     * its {@link DomainRelay} restarts it instead): entries not attempted since {@code requestedAt} are due now. An
     * attempt under way goes on undisturbed (no message in flight is cut off and sent twice); what it left is
     * retried when it ends.
     */
    public record Flush(Instant requestedAt, ActorRef<FlushTaken> replyTo) implements Command {
    }

    /** The relay took the flush. */
    public enum FlushTaken { INSTANCE }

    /**
     * The domain moves to another node, or this one stops: start nothing new, let the messages in flight finish,
     * and answer once no session is open. What is left stays queued, as it was, for the next owner.
     */
    public record Drain(ActorRef<DrainProgress> replyTo) implements Command {
    }

    /** Answers to {@link Drain}: {@code DRAINING} at once while messages are in flight, {@code DRAINED} when done. */
    public enum DrainProgress { DRAINING, DRAINED }

    /** The next deferred entry is due. */
    private enum Tick implements Command { INSTANCE }

    // What an attempt's asynchronous steps bring back, tagged with that attempt: after a
    // restart (its backoff stashes them) they reach a new instance, whose attempt is another.

    private record Resolved(Attempting attempt, Resolution resolution) implements Command {
    }

    private record Secured(Attempting attempt, List<MxHost> hosts, DestinationSecurity security, Throwable failure)
            implements Command {
    }

    private record Connected(Attempting attempt, MxConnector.Connection connection, Throwable failure)
            implements Command {
    }

    private record ExtraConnected(Attempting attempt, MxConnector.Connection connection, Throwable failure)
            implements Command {
    }

    private record Sent(Attempting attempt, Session session, String entryId, List<MailAddress> recipients,
                        MessageReport report, Throwable failure) implements Command {
    }

    private record BounceAnswered(BounceDelivery.Outcome outcome) implements Command {
    }

    /** An open SMTP session of this relay and how many messages it has carried. */
    private static final class Session {
        final MxConnector.Connection connection;
        int messages;

        Session(MxConnector.Connection connection) {
            this.connection = connection;
        }

        SmtpClientSession client() {
            return connection.session();
        }

        String relayName() {
            InetSocketAddress address = connection.address();
            return connection.host().name() + "[" + address.getAddress().getHostAddress() + "]:" + address.getPort();
        }
    }

    /**
     * A DSN handed to the router, and the entry it reports on: a final report (the entry leaves the queue once
     * it is stored) or a delay warning (the entry stays).
     */
    private record PendingBounce(String entryId, StagedMessage staged, boolean warning) {
        PendingBounce(String entryId, StagedMessage staged) {
            this(entryId, staged, false);
        }
    }

    /** What the relay is doing. What an attempt needs exists only while there is one. */
    private sealed interface State permits Idle, Attempting, DestinationDown {
    }

    /** No attempt under way: the timer is set for the next entry due, if there is one. */
    private record Idle() implements State {
    }

    /**
     * An attempt under way: it resolves the domain, connects, and feeds its sessions the
     * work. It ends once no session is open and none is being opened; entries still left
     * then are deferred with why the last session broke.
     */
    private static final class Attempting implements State {
        /** The ids of the entries still to send, in turn. */
        final Deque<String> work;
        final List<Session> sessions = new ArrayList<>();
        /** Sessions being opened, besides the open ones. */
        int opening;
        /** What the destination's hosts require of TLS, once decided. */
        SecureConnections connections;
        /** The destination's MX hosts, once resolved: all of them, whatever a policy allows. */
        List<MxHost> hosts = List.of();
        /**
         * Whether this attempt carries only messages whose {@code TLS-Required: No} waived the TLS policy that held
         * the attempt back (RFC 8689 §5): its sessions use opportunistic TLS, and nothing else rides them.
         */
        boolean waived;
        DeliveryFailure lastSessionFailure;

        Attempting(Deque<String> work) {
            this.work = work;
        }
    }

    /**
     * The destination failed while bounces were still out: the relay makes no attempt, and
     * fails with {@code failure} once the router has answered for them.
     */
    private record DestinationDown(DeliveryFailure failure) implements State {
    }

    private final ActorContext<Command> context;
    private final TimerScheduler<Command> timers;
    private final String domain;
    private final RelayContext relay;
    private final RetrySchedule schedule;
    /** {@code queue flush}: entries not attempted since this moment are due at once; null for none. */
    private Instant flushRequestedAt;
    private final ActorRef<BounceDelivery.Outcome> bounceAnswers;

    private final Map<String, QueueEntry> entries = new LinkedHashMap<>();
    private final Map<String, PendingBounce> bounces = new HashMap<>();
    private State state = new Idle();
    /** Who waits for this relay to drain, once it is told to (in any state). */
    private Optional<ActorRef<DrainProgress>> drainer = Optional.empty();

    private Relay(ActorContext<Command> context, TimerScheduler<Command> timers, String domain, RelayContext relay,
                  Instant flushRequestedAt) {
        super(context);
        this.context = context;
        this.timers = timers;
        this.domain = domain;
        this.relay = relay;
        this.schedule = relay.settings().retrySchedule();
        this.flushRequestedAt = flushRequestedAt;
        this.bounceAnswers = context.messageAdapter(BounceDelivery.Outcome.class, BounceAnswered::new);
    }

    /**
     * @param flushRequestedAt entries not attempted since this moment are due at once
     *                         ({@code queue flush}); null for none
     */
    public static Behavior<Command> create(String domain, RelayContext relay, Instant flushRequestedAt) {
        return Behaviors.withTimers(timers -> Behaviors.setup(context -> {
            Relay behavior = new Relay(context, timers, domain, relay, flushRequestedAt);
            behavior.loadSpool();
            behavior.processDue();
            return behavior;
        }));
    }

    private void loadSpool() {
        try {
            for (QueueEntry entry : relay.queue().load(domain)) {
                entries.put(entry.id(), entry);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the queue of " + domain, e);
        }
        entriesChanged();
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Enqueued.class, this::onEnqueued)
                .onMessage(Flush.class, this::onFlush)
                .onMessage(Drain.class, this::onDrain)
                .onMessage(Tick.class, tick -> {
                    processDue();
                    return this;
                })
                .onMessage(Resolved.class, this::onResolved)
                .onMessage(Secured.class, this::onSecured)
                .onMessage(Connected.class, this::onConnected)
                .onMessage(ExtraConnected.class, this::onExtraConnected)
                .onMessage(Sent.class, this::onSent)
                .onMessage(BounceAnswered.class, this::onBounceAnswered)
                .onSignal(PostStop.class, signal -> {
                    relay.metrics().queued(domain, 0); // a successor, if any, counts them again
                    return closeSessions();
                })
                .onSignal(PreRestart.class, signal -> closeSessions())
                .build();
    }

    private Behavior<Command> closeSessions() {
        if (state instanceof Attempting attempt) {
            attempt.sessions.forEach(session -> session.client().abort());
            attempt.sessions.clear();
        }
        return this;
    }

    private Behavior<Command> onEnqueued(Enqueued enqueued) {
        for (QueueEntry entry : enqueued.entries()) {
            if (entries.putIfAbsent(entry.id(), entry) == null && state instanceof Attempting attempt
                    && !attempt.waived) { // a waived attempt's sessions are for its waived messages only
                attempt.work.add(entry.id()); // rides the attempt in progress, on a session already open
            }
        }
        entriesChanged();
        if (state instanceof Attempting attempt && !attempt.waived) {
            attempt.sessions.stream().findFirst().ifPresent(session -> openExtraSessions(attempt, session));
        } else {
            processDue();
        }
        return this;
    }

    private Behavior<Command> onFlush(Flush flush) {
        if (state instanceof DestinationDown) {
            return this; // unanswered: about to back off, so the DomainRelay restarts it
        }
        flushRequestedAt = flush.requestedAt();
        flush.replyTo().tell(FlushTaken.INSTANCE);
        processDue(); // when idle; else once the attempt under way ends
        return this;
    }

    private Behavior<Command> onDrain(Drain drain) {
        drainer = Optional.of(drain.replyTo());
        timers.cancel(Tick.INSTANCE);
        // DRAINED at once unless messages are in flight: then when the attempt's last session has closed
        drain.replyTo().tell(state instanceof Attempting ? DrainProgress.DRAINING : DrainProgress.DRAINED);
        return this;
    }

    /** When idle: starts an attempt for every due entry, or sets the timer for the next one. */
    private void processDue() {
        if (!(state instanceof Idle) || drainer.isPresent()) {
            return;
        }
        Instant now = relay.clock().instant();
        for (QueueEntry entry : List.copyOf(entries.values())) {
            if (entry.isComplete() && bouncesFor(entry.id()).isEmpty()) {
                finish(entry); // a bounce that could not be stored before (or before a restart)
            }
        }
        Deque<String> work = new ArrayDeque<>();
        entries.values().stream()
                .filter(entry -> !entry.isComplete() && entry.isDue(now, flushRequestedAt))
                .sorted(Comparator.comparing(QueueEntry::arrival))
                .forEach(entry -> work.add(entry.id()));
        if (work.isEmpty()) {
            scheduleNext(now);
            return;
        }
        Attempting attempt = new Attempting(work);
        state = attempt;
        timers.cancel(Tick.INSTANCE);
        context.pipeToSelf(relay.resolver().resolve(domain), (resolution, failure) -> new Resolved(attempt,
                resolution != null ? resolution
                        : new Resolution.TryLater("4.4.3", "DNS lookup failed: " + failure)));
    }

    private void scheduleNext(Instant now) {
        entries.values().stream()
                .filter(entry -> !entry.isComplete())
                .map(QueueEntry::nextAttempt)
                .flatMap(Optional::stream)
                .min(Comparator.naturalOrder())
                .ifPresent(next -> timers.startSingleTimer(Tick.INSTANCE, Tick.INSTANCE,
                        Duration.between(now, next).isNegative() ? Duration.ZERO : Duration.between(now, next)));
    }

    private Behavior<Command> onResolved(Resolved resolved) {
        if (state != resolved.attempt()) {
            return this; // from an attempt before a restart
        }
        Attempting attempt = resolved.attempt();
        Resolution resolution = resolved.resolution();
        if (resolution instanceof Resolution.Unroutable unroutable) {
            context.getLog().warn("domain={} unroutable: {}", domain, unroutable.diagnostic());
            DeliveryFailure failure = new DeliveryFailure(FailureKind.PERMANENT, unroutable.status(),
                    FailureClassifier.diagnostic(FailureClassifier.TERN, unroutable.diagnostic()));
            settleRemainingWork(attempt, failure);
            attemptEnded();
            return this;
        }
        if (resolution instanceof Resolution.TryLater later) {
            return destinationFailed(attempt, new DeliveryFailure(FailureKind.TRANSIENT, later.status(),
                    FailureClassifier.diagnostic(FailureClassifier.TERN, later.diagnostic())));
        }
        List<MxHost> hosts = ((Resolution.Hosts) resolution).hosts();
        context.pipeToSelf(policyDecision(hosts), (security, failure) -> new Secured(attempt, hosts, security,
                failure));
        return this;
    }

    /**
     * What the destination's TLS policies require of {@code hosts}, within {@link RelaySettings#policyDecisionDeadline}:
     * a lookup stuck for good would otherwise hold the destination in this attempt for good, since nothing else
     * ends it. A copy gets the deadline, not the policies' own stage, which they may share among deliveries.
     */
    private CompletionStage<DestinationSecurity> policyDecision(List<MxHost> hosts) {
        Duration deadline = relay.settings().policyDecisionDeadline();
        try {
            return relay.policies().forDestination(domain, hosts.stream().map(MxHost::name).toList())
                    .toCompletableFuture().copy().orTimeout(deadline.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** The hosts' TLS requirements are known: connect to the first host a policy allows (RFC 8461 §4.1: the others are skipped). */
    private Behavior<Command> onSecured(Secured secured) {
        if (state != secured.attempt()) {
            return this; // from an attempt before a restart
        }
        Attempting attempt = secured.attempt();
        if (secured.failure() != null) {
            String why = Causes.unwrap(secured.failure()) instanceof TimeoutException
                    ? "TLS policy decision timed out after " + relay.settings().policyDecisionDeadline().toMillis()
                            + " ms"
                    : "TLS policy lookup failed: " + secured.failure();
            return destinationFailed(attempt, new DeliveryFailure(FailureKind.TRANSIENT, "4.7.5",
                    FailureClassifier.diagnostic(FailureClassifier.TERN, why)));
        }
        DestinationSecurity security = secured.security();
        Optional<String> refusal = security.refusal();
        attempt.hosts = secured.hosts();
        if (refusal.isPresent()) {
            context.getLog().warn("domain={} no MX host allowed by its TLS policy: {}", domain, refusal.get());
            DeliveryFailure failure = new DeliveryFailure(FailureKind.TRANSIENT, "4.7.5",
                    FailureClassifier.diagnostic(FailureClassifier.TERN, refusal.get()));
            return sendWaivedAnyway(attempt, failure) ? this : destinationFailed(attempt, failure);
        }
        attempt.connections = new SecureConnections(context.getSystem(), relay, security);
        List<MxHost> allowed = new ArrayList<>();
        for (MxHost host : secured.hosts()) {
            HostSecurity decided = security.host(host.name());
            if (decided.allowed()) {
                allowed.add(host);
            } else {
                context.getLog().info("domain={} skipping MX host {}: {}", domain, host.name(),
                        decided.excludedBecause().orElseThrow());
            }
        }
        context.pipeToSelf(MxConnector.connect(allowed, relay.settings().remotePort(), attempt.connections::open),
                (connection, failure) -> new Connected(attempt, connection, failure));
        return this;
    }

    private Behavior<Command> onConnected(Connected connected) {
        if (state != connected.attempt()) {
            return quitIfOpen(connected.connection()); // from an attempt before a restart
        }
        Attempting attempt = connected.attempt();
        if (connected.failure() != null) {
            DeliveryFailure failure = OutboundFailures.ofAllHosts(connected.failure());
            if (failure.kind() == FailureKind.PERMANENT) {
                // Every host said 5xx at the greeting: no host of this domain takes mail.
                context.getLog().warn("domain={} refused by every MX host: {}", domain, failure.diagnostic());
                settleRemainingWork(attempt, failure);
                attemptEnded();
                return this;
            }
            if (TlsWaiver.isPolicyFailure(connected.failure()) && sendWaivedAnyway(attempt, failure)) {
                return this;
            }
            return destinationFailed(attempt, failure);
        }
        Session session = new Session(connected.connection());
        attempt.sessions.add(session);
        context.getLog().info("domain={} connected to {} tls={}", domain, session.relayName(), tlsOf(session));
        openExtraSessions(attempt, session);
        feed(attempt, session);
        return this;
    }

    /**
     * RFC 8689 §5: the destination's TLS policy held this attempt back ({@code failure}), but the messages whose
     * sender waived it with {@code TLS-Required: No} are sent anyway, on new sessions with opportunistic TLS to every
     * MX host; the others are deferred as the policy wants. False, with nothing done, when no message waives it,
     * when this attempt already is such a one, or while the relay drains.
     */
    private boolean sendWaivedAnyway(Attempting attempt, DeliveryFailure failure) {
        if (attempt.waived || drainer.isPresent()) {
            return false;
        }
        List<String> waived = attempt.work.stream().filter(id -> TlsWaiver.waives(entries.get(id), relay.queue(),
                context.getLog())).toList();
        if (waived.isEmpty()) {
            return false;
        }
        attempt.work.removeAll(waived);
        settleRemainingWork(attempt, failure);
        attempt.work.addAll(waived);
        attempt.waived = true;
        attempt.connections = SecureConnections.waived(context.getSystem(), relay, domain, attempt.hosts);
        context.getLog().info("domain={} {} message(s) with TLS-Required: No go despite the TLS policy ({}): {}",
                domain, waived.size(), failure.diagnostic(), waived);
        context.pipeToSelf(MxConnector.connect(attempt.hosts, relay.settings().remotePort(),
                attempt.connections::open), (connection, error) -> new Connected(attempt, connection, error));
        return true;
    }

    /** More sessions to the host that answered, while there is more work than sessions. */
    private void openExtraSessions(Attempting attempt, Session model) {
        while (drainer.isEmpty() && attempt.sessions.size() + attempt.opening < relay.settings().maxConnections()
                && attempt.work.size() > attempt.sessions.size() + attempt.opening) {
            openAnother(attempt, model.connection);
        }
    }

    private void openAnother(Attempting attempt, MxConnector.Connection model) {
        attempt.opening++;
        context.pipeToSelf(attempt.connections.open(model.address(), model.host().name()).thenApply(
                        client -> new MxConnector.Connection(client, model.host(), model.address())),
                (connection, failure) -> new ExtraConnected(attempt, connection, failure));
    }

    private Behavior<Command> onExtraConnected(ExtraConnected connected) {
        if (state != connected.attempt()) {
            return quitIfOpen(connected.connection()); // from an attempt before a restart
        }
        Attempting attempt = connected.attempt();
        attempt.opening--;
        if (connected.failure() != null) {
            attempt.lastSessionFailure = OutboundFailures.of(connected.failure());
            context.getLog().debug("domain={} extra session failed: {}", domain,
                    attempt.lastSessionFailure.diagnostic());
            attemptEndedIfIdle(attempt);
            return this;
        }
        Session session = new Session(connected.connection());
        attempt.sessions.add(session);
        feed(attempt, session);
        return this;
    }

    private Behavior<Command> quitIfOpen(MxConnector.Connection connection) {
        if (connection != null) {
            connection.session().quit();
        }
        return this;
    }

    /** Gives a session its next message, or closes it when there is none (or the relay drains). */
    private void feed(Attempting attempt, Session session) {
        while (!attempt.work.isEmpty() && drainer.isEmpty()) {
            if (session.messages >= relay.settings().maxMessagesPerConnection()) {
                close(attempt, session);
                openAnother(attempt, session.connection); // a fresh connection takes the rest
                return;
            }
            String id = attempt.work.poll();
            QueueEntry entry = entries.get(id);
            if (entry == null || entry.isComplete()) {
                continue;
            }
            List<MailAddress> recipients = entry.pending().stream().map(RecipientState::address).toList();
            Map<MailAddress, RecipientDsn> recipientDsn = new HashMap<>();
            entry.pending().forEach(r -> recipientDsn.put(r.address(), r.dsn()));
            BodyFile body = bodyFile(entry);
            OutboundMessage message = new OutboundMessage(id, entry.sender(), recipients, body.file(), body.offset(),
                    body.size(), entry.encoding(), entry.dsn(), recipientDsn, entry.tls());
            SmtpClientSession client = session.client();
            CompletionStage<MessageReport> sending = (session.messages == 0
                    ? client.send(message)
                    : client.reset().thenCompose(done -> client.send(message)))
                    .whenComplete((report, failure) -> closeQuietly(body));
            session.messages++;
            context.pipeToSelf(sending, (report, failure) -> new Sent(attempt, session, id, recipients, report,
                    failure));
            return;
        }
        close(attempt, session);
        attemptEndedIfIdle(attempt);
    }

    private void close(Attempting attempt, Session session) {
        attempt.sessions.remove(session);
        session.client().quit();
    }

    private Behavior<Command> onSent(Sent sent) {
        Session session = sent.session();
        QueueEntry entry = entries.get(sent.entryId());
        Instant now = relay.clock().instant();
        String remoteMta = session.connection.host().name();
        if (sent.failure() == null) {
            for (MailAddress recipient : sent.recipients()) {
                SmtpReply reply = sent.report().replies().get(recipient);
                entry = recordReply(entry, recipient, reply, session, now);
                countOutcome(entry, recipient, now);
            }
            store(entry); // an earlier attempt's replies count too: the server has the message
            if (state == sent.attempt()) {
                feed(sent.attempt(), session);
            } else {
                session.client().quit();
            }
            return this;
        }
        // The session broke mid-message: whether the server kept it is unknown, so it is deferred.
        DeliveryFailure failure = OutboundFailures.of(sent.failure());
        for (MailAddress recipient : sent.recipients()) {
            entry = defer(entry, recipient, failure, remoteMta, now);
            logRecipient(entry, recipient, session.relayName(), "deferred", failure.diagnostic());
            countOutcome(entry, recipient, now);
        }
        store(entry);
        session.client().abort();
        if (state == sent.attempt()) {
            Attempting attempt = sent.attempt();
            attempt.lastSessionFailure = failure;
            attempt.sessions.remove(session);
            if (!attempt.work.isEmpty() && drainer.isEmpty()
                    && attempt.sessions.size() + attempt.opening < relay.settings().maxConnections()) {
                // A fresh session takes the rest; each broken one costs one deferred message, so this ends.
                openAnother(attempt, session.connection);
            }
            attemptEndedIfIdle(attempt);
        }
        return this;
    }

    private QueueEntry recordReply(QueueEntry entry, MailAddress recipient, SmtpReply reply, Session session,
                                   Instant now) {
        String remoteMta = session.connection.host().name();
        if (reply == null) {
            DeliveryFailure failure = new DeliveryFailure(FailureKind.TRANSIENT, "4.4.2",
                    FailureClassifier.diagnostic(FailureClassifier.TERN, "no reply for this recipient"));
            logRecipient(entry, recipient, session.relayName(), "deferred", failure.diagnostic());
            return defer(entry, recipient, failure, remoteMta, now);
        }
        if (reply.isPositive()) {
            logRecipient(entry, recipient, session.relayName(), "sent", reply.toString());
            if (entry.recipient(recipient).dsn().wants(RecipientDsn.Notify.SUCCESS)
                    && !session.client().capabilities().has("DSN")) {
                return entry.relayed(recipient, remoteMta, now); // RFC 3461 §5.2.2: we report for the next hop
            }
            return entry.delivered(recipient, remoteMta, now);
        }
        DeliveryFailure failure = OutboundFailures.ofReply(reply);
        if (failure.kind() == FailureKind.PERMANENT) {
            logRecipient(entry, recipient, session.relayName(), "bounced", reply.toString());
            return entry.failed(recipient, failure.status(), failure.diagnostic(), remoteMta, now);
        }
        logRecipient(entry, recipient, session.relayName(), "deferred", reply.toString());
        return defer(entry, recipient, failure, remoteMta, now);
    }

    /** A transient failure: retry on the curve, or fail for good once the queue lifetime is over. */
    private QueueEntry defer(QueueEntry entry, MailAddress recipient, DeliveryFailure failure, String remoteMta,
                             Instant now) {
        int attempts = entry.recipient(recipient).attempts() + 1;
        RetrySchedule.Decision decision = schedule.afterTransientFailure(entry.arrival(), attempts, now,
                relay.random().nextDouble());
        if (decision instanceof RetrySchedule.Decision.RetryAt retry) {
            return entry.deferred(recipient, failure.status(), failure.diagnostic(), remoteMta, now, retry.at());
        }
        context.getLog().warn("id={} to=<{}> status=expired after {} in the queue: {}", entry.id(), recipient,
                Duration.between(entry.arrival(), now), failure.diagnostic());
        return entry.failed(recipient, failure.status(), failure.diagnostic(), remoteMta, now);
    }

    /** Every entry still in the attempt's work gets {@code failure}: failed if permanent, else deferred. */
    private void settleRemainingWork(Attempting attempt, DeliveryFailure failure) {
        Instant now = relay.clock().instant();
        while (!attempt.work.isEmpty()) {
            QueueEntry entry = entries.get(attempt.work.poll());
            if (entry == null || entry.isComplete()) {
                continue;
            }
            for (RecipientState recipient : entry.pending()) {
                if (failure.kind() == FailureKind.PERMANENT) {
                    entry = entry.failed(recipient.address(), failure.status(), failure.diagnostic(), null, now);
                    logRecipient(entry, recipient.address(), "none", "bounced", failure.diagnostic());
                } else {
                    entry = defer(entry, recipient.address(), failure, null, now);
                    logRecipient(entry, recipient.address(), "none", "deferred", failure.diagnostic());
                }
                countOutcome(entry, recipient.address(), now);
            }
            store(entry);
        }
    }

    /**
     * The destination cannot be reached at all: every due entry is deferred (its next
     * attempt on the curve, written to the spool), then the relay fails so that its
     * supervisor backs the whole domain off.
     */
    private Behavior<Command> destinationFailed(Attempting attempt, DeliveryFailure failure) {
        context.getLog().warn("domain={} unreachable, backing off: {}", domain, failure.diagnostic());
        settleRemainingWork(attempt, failure);
        if (drainer.isPresent()) {
            attemptEndedIfIdle(attempt); // handing over: no backoff here, the next owner retries on the curve
            return this;
        }
        if (bounces.isEmpty()) {
            throw new DestinationUnavailable(domain, failure);
        }
        state = new DestinationDown(failure); // fail once the router has answered for the bounces in flight
        return this;
    }

    private void attemptEndedIfIdle(Attempting attempt) {
        if (!attempt.sessions.isEmpty() || attempt.opening > 0) {
            return;
        }
        if (drainer.isPresent()) {
            state = new Idle(); // the work left stays queued as it was, for the next owner
            drainer.get().tell(DrainProgress.DRAINED);
            return;
        }
        if (!attempt.work.isEmpty()) {
            // Every session broke and none could be opened again: what is left waits for the next attempt.
            settleRemainingWork(attempt, attempt.lastSessionFailure != null ? attempt.lastSessionFailure
                    : new DeliveryFailure(FailureKind.TRANSIENT, "4.4.2",
                            FailureClassifier.diagnostic(FailureClassifier.TERN, "lost connection to " + domain)));
        }
        attemptEnded();
    }

    private void attemptEnded() {
        state = new Idle();
        processDue();
    }

    /** Writes an entry's new state; an entry whose recipients are all final leaves the queue. */
    private void store(QueueEntry entry) {
        entries.put(entry.id(), entry);
        entriesChanged();
        if (entry.isComplete()) {
            finish(entry);
            return;
        }
        try {
            relay.queue().update(entry);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot update queue entry " + entry.id(), e);
        }
        warnIfDelayed(entry);
    }

    /**
     * One "Action: delayed" DSN for the recipients deferred past {@code tern.relay.delay-warning}. That it was
     * sent is written to the spool first, so that neither a retry nor a restart sends it again.
     */
    private void warnIfDelayed(QueueEntry entry) {
        Instant now = relay.clock().instant();
        List<RecipientState> due = DsnReports.delayWarningDue(entry, now, relay.settings().delayWarning());
        if (due.isEmpty()) {
            return;
        }
        MailAddress sender = ((ReversePath.Sender) entry.sender()).address();
        Optional<Recipient.Route> route = relay.bounceRoute().apply(sender);
        QueueEntry warned = entry.warned(due.stream().map(RecipientState::address).toList(), now);
        try {
            relay.queue().update(warned);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot update queue entry " + entry.id(), e);
        }
        entries.put(warned.id(), warned);
        if (route.isEmpty()) {
            context.getLog().warn("id={} delay warning to <{}> dropped: no such local mailbox", entry.id(), sender);
            return;
        }
        Instant until = entry.arrival().plus(relay.settings().queueLifetime());
        try (BodyFile body = relay.queue().bodyFile(warned, relay.incomingDir())) {
            Bounces.Staged warning = Bounces.stage(warned, due.stream().map(r -> DsnReports.delayed(r, until))
                    .toList(), body, relay.settings().hostname(), relay.incomingDir(), relay.clock());
            bounces.put(warning.messageId(), new PendingBounce(entry.id(), warning.message(), true));
            relay.bounces().tell(new BounceDelivery.Store(warning.envelope(new Recipient(sender, route.get())),
                    warning.message(), bounceAnswers));
        } catch (IOException e) {
            context.getLog().error("id={} cannot write the delay warning: {}", entry.id(), e.toString());
        }
    }

    private void finish(QueueEntry entry) {
        List<DeliveryStatusNotification.RecipientReport> owed = DsnReports.owedAtEnd(entry);
        try {
            if (owed.isEmpty()) {
                if (!entry.failures().isEmpty() && entry.sender() instanceof ReversePath.NullSender) {
                    // RFC 5321 §4.5.5: never a bounce for a bounce.
                    context.getLog().warn("id={} from=<> undeliverable; no bounce for a bounce", entry.id());
                } else if (!entry.failures().isEmpty()) {
                    context.getLog().info("id={} undeliverable; no bounce: NOTIFY excludes FAILURE", entry.id());
                }
                relay.queue().remove(entry);
                entries.remove(entry.id());
                entriesChanged();
                return;
            }
            relay.queue().update(entry); // the final states are durable before the bounce leaves
        } catch (IOException e) {
            throw new UncheckedIOException("cannot finish queue entry " + entry.id(), e);
        }
        bounce(entry, owed);
    }

    private void bounce(QueueEntry entry, List<DeliveryStatusNotification.RecipientReport> reports) {
        MailAddress sender = ((ReversePath.Sender) entry.sender()).address();
        Optional<Recipient.Route> route = relay.bounceRoute().apply(sender);
        if (route.isEmpty()) {
            context.getLog().warn("id={} bounce to <{}> dropped: no such local mailbox", entry.id(), sender);
            removeEntry(entry);
            return;
        }
        try (BodyFile body = relay.queue().bodyFile(entry, relay.incomingDir())) {
            Bounces.Staged bounce = Bounces.stage(entry, reports, body,
                    relay.settings().hostname(), relay.incomingDir(), relay.clock());
            bounces.put(bounce.messageId(), new PendingBounce(entry.id(), bounce.message()));
            relay.bounces().tell(new BounceDelivery.Store(bounce.envelope(new Recipient(sender, route.get())),
                    bounce.message(), bounceAnswers));
        } catch (IOException e) {
            context.getLog().error("id={} cannot write the bounce: {}; retrying later", entry.id(), e.toString());
            timers.startSingleTimer(Tick.INSTANCE, Tick.INSTANCE, relay.settings().backoff().initial());
        }
    }

    private Behavior<Command> onBounceAnswered(BounceAnswered answered) {
        PendingBounce pending = bounces.remove(answered.outcome().messageId());
        if (pending != null && pending.warning()) {
            deleteQuietly(pending.staged());
            context.getLog().info("id={} sender delay warning: {} ({})", pending.entryId(),
                    answered.outcome().messageId(), answered.outcome() instanceof BounceDelivery.Stored
                            ? "stored" : "not stored, not sent again");
        } else if (pending != null) {
            deleteQuietly(pending.staged());
            QueueEntry entry = entries.get(pending.entryId());
            if (answered.outcome() instanceof BounceDelivery.Stored) {
                context.getLog().info("id={} sender non-delivery notification: {}", pending.entryId(),
                        answered.outcome().messageId());
                if (entry != null) {
                    removeEntry(entry);
                }
            } else {
                context.getLog().error("id={} bounce not stored ({}); retrying later", pending.entryId(),
                        ((BounceDelivery.NotStored) answered.outcome()).reason());
                timers.startSingleTimer(Tick.INSTANCE, Tick.INSTANCE, relay.settings().backoff().initial());
            }
        }
        if (bounces.isEmpty() && state instanceof DestinationDown down) {
            throw new DestinationUnavailable(domain, down.failure());
        }
        return this;
    }

    private void removeEntry(QueueEntry entry) {
        try {
            relay.queue().remove(entry);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove queue entry " + entry.id(), e);
        }
        entries.remove(entry.id());
        entriesChanged();
    }

    /** {@code tern_queue_messages}: this domain's entries, delivered ones awaiting their bounce included. */
    private void entriesChanged() {
        relay.metrics().queued(domain, entries.size());
    }

    /** {@code tern_deliveries_total{kind="remote"}} by where the recipient now stands, after an attempt. */
    private void countOutcome(QueueEntry entry, MailAddress recipient, Instant now) {
        RecipientStatus status = entry.recipient(recipient).status();
        TernMetrics.RemoteOutcome outcome = switch (status) {
            case DELIVERED -> TernMetrics.RemoteOutcome.DELIVERED;
            case FAILED -> TernMetrics.RemoteOutcome.BOUNCED;
            case PENDING, DEFERRED -> TernMetrics.RemoteOutcome.DEFERRED;
        };
        relay.metrics().remote(outcome, Duration.between(entry.arrival(), now));
    }

    private List<PendingBounce> bouncesFor(String entryId) {
        return bounces.values().stream().filter(bounce -> bounce.entryId().equals(entryId) && !bounce.warning())
                .toList();
    }

    private void logRecipient(QueueEntry entry, MailAddress recipient, String relayName, String status, String detail) {
        context.getLog().info("id={} to=<{}> relay={} delay={}s status={} ({})", entry.id(), recipient, relayName,
                Duration.between(entry.arrival(), relay.clock().instant()).toSeconds(), status, detail);
    }

    /** e.g. {@code TLSv1.3 TLS_AES_256_GCM_SHA384 verified (PKIX for mx.example.com) policy=opportunistic}. */
    private static String tlsOf(Session session) {
        SmtpClientSession client = session.client();
        String policy = " policy=" + client.security().policy();
        return client.tls().map(tls -> tls.protocol() + " " + tls.cipherSuite() + client.tlsVerdict()
                .map(verdict -> verdict instanceof TlsVerdict.Verified verified ? " verified (" + verified.how() + ")"
                        : " unverified (" + ((TlsVerdict.Failed) verdict).reason() + ")")
                .orElse("")).orElse("none") + policy;
    }

    /** The entry's octets as a file for this attempt; a queue that cannot produce them fails the relay (backoff). */
    private BodyFile bodyFile(QueueEntry entry) {
        try {
            return relay.queue().bodyFile(entry, relay.incomingDir());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the body of queue entry " + entry.id(), e);
        }
    }

    private static void closeQuietly(BodyFile body) {
        try {
            body.close();
        } catch (IOException ignored) {
            // a copy left behind is cleared with the incoming spool at the next start
        }
    }

    private static void deleteQuietly(StagedMessage staged) {
        try {
            Files.deleteIfExists(staged.file());
        } catch (IOException ignored) {
            // a leftover in the incoming spool is swept at the next start
        }
    }
}
