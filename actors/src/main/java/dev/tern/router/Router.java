package dev.tern.router;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.Routers;

import dev.tern.aliases.LocalRecipients;
import dev.tern.metrics.TernMetrics;
import dev.tern.protocol.Envelope;
import dev.tern.protocol.MailAddress;
import dev.tern.protocol.Recipient;
import dev.tern.queue.QueueEntry;
import dev.tern.relay.BounceDelivery;
import dev.tern.relay.Relays;
import dev.tern.store.MailboxStore;
import dev.tern.store.StagedMessage;

/**
 * Takes completed messages from sessions (and bounces from relays) and sees every
 * recipient's copy stored: local mailboxes through {@link MailboxWriter}s, remote domains
 * into the outbound spool through {@link QueueWriter}s. It answers {@link Stored} only when
 * all copies are durable; if any copy fails, the copies already stored are retracted and
 * the answer is {@link NotStored}, so the client's retry after 451 does not duplicate mail.
 * Queued entries are then handed to the per-domain relays.
 */
public final class Router extends AbstractBehavior<Router.Command> {

    public sealed interface Command {
    }

    public record Deliver(Envelope envelope, StagedMessage message, ActorRef<Outcome> replyTo) implements Command {
    }

    /** An administration request for the relays, passed on. */
    public record ToRelays(Relays.Command command) implements Command {
    }

    private record WriterReport(MailboxWriter.Result result) implements Command {
    }

    private record QueueReport(QueueWriter.Result result) implements Command {
    }

    /** A relay's bounce, stored like any message; its answer goes back in the relays' terms. */
    private record BounceFromRelay(BounceDelivery.Store bounce) implements Command {
    }

    private record BounceOutcome(Outcome outcome) implements Command {
    }

    /**
     * Relaying: the spool writers, and the relays that take queued entries on. The relays
     * are the router's children and are handed where to send bounces, since bounces come
     * back through the router.
     */
    public record Remote(Behavior<QueueWriter.Command> queueWriters,
                         Function<ActorRef<BounceDelivery.Store>, Behavior<Relays.Command>> relays,
                         Notifications notifications) {

        /** Without success notifications for local deliveries. */
        public Remote(Behavior<QueueWriter.Command> queueWriters,
                      Function<ActorRef<BounceDelivery.Store>, Behavior<Relays.Command>> relays) {
            this(queueWriters, relays, null);
        }
    }

    /**
     * What a success DSN for a local delivery needs (RFC 3461 NOTIFY=SUCCESS, RFC 3464 Action: delivered): this
     * host's name, where to stage it, the clock, and where mail to the sender goes (empty: nowhere).
     */
    public record Notifications(String hostname, Path incomingDir, Clock clock,
                                Function<MailAddress, Optional<Recipient.Route>> route) {
    }

    public sealed interface Outcome {
        String messageId();
    }

    public record Stored(String messageId) implements Outcome {
    }

    public record NotStored(String messageId, String reason) implements Outcome {
    }

    /** A message whose copies are being written: who waits, which copies are still out. */
    private record InFlight(Deliver request, Set<String> waitingFor, boolean queueing, Map<String, Path> stored,
                            List<QueueEntry> queued, String failure) {

        boolean complete() {
            return waitingFor.isEmpty() && !queueing;
        }

        InFlight report(MailboxWriter.Result result) {
            Set<String> waiting = new LinkedHashSet<>(waitingFor);
            waiting.remove(result.user());
            Map<String, Path> done = new LinkedHashMap<>(stored);
            String failed = failure;
            if (result instanceof MailboxWriter.Stored ok) {
                done.put(ok.user(), ok.file());
            } else if (failed == null) {
                failed = ((MailboxWriter.Failed) result).reason();
            }
            return new InFlight(request, waiting, queueing, done, queued, failed);
        }

        InFlight report(QueueWriter.Result result) {
            if (result instanceof QueueWriter.Queued ok) {
                return new InFlight(request, waitingFor, false, stored, ok.entries(), failure);
            }
            return new InFlight(request, waitingFor, false, stored, queued,
                    failure == null ? ((QueueWriter.Failed) result).reason() : failure);
        }
    }

    /** Spool writers in parallel: each enqueue waits on its own fsyncs. */
    private static final int QUEUE_WRITERS = 4;

    private final ActorContext<Command> context;
    private final MailboxStore store;
    private final TernMetrics metrics;
    private final ActorRef<MailboxWriter.Result> writerReports;
    private final ActorRef<QueueWriter.Result> queueReports;
    private final ActorRef<QueueWriter.Command> queueWriters;
    private final ActorRef<Relays.Command> relays;
    private final ActorRef<Outcome> bounceOutcomes;
    /** Relays waiting to hear whether their bounce was stored, by the bounce's message id. */
    private final Map<String, ActorRef<BounceDelivery.Outcome>> bounceWaiters = new HashMap<>();
    private final Map<String, ActorRef<MailboxWriter.Command>> writers = new HashMap<>();
    private final Map<String, InFlight> inFlight = new HashMap<>();
    /** Aliases and sub-addresses: what each local recipient expands to. */
    private final LocalRecipients locals;
    /** The copies of each message in flight, by message id: which address led to which mailbox (logs). */
    private final Map<String, Routing> routings = new HashMap<>();
    /** Success DSNs of local deliveries being stored, by message id: their staged files go once answered. */
    private final Map<String, StagedMessage> notices = new HashMap<>();
    private final Notifications notifications;

    private Router(ActorContext<Command> context, MailboxStore store, Remote remote, TernMetrics metrics,
                   LocalRecipients locals) {
        super(context);
        this.context = context;
        this.locals = locals;
        this.store = store;
        this.metrics = metrics;
        this.writerReports = context.messageAdapter(MailboxWriter.Result.class, WriterReport::new);
        this.queueReports = context.messageAdapter(QueueWriter.Result.class, QueueReport::new);
        this.bounceOutcomes = context.messageAdapter(Outcome.class, BounceOutcome::new);
        this.notifications = remote == null ? null : remote.notifications();
        if (remote == null) {
            this.queueWriters = null;
            this.relays = null;
        } else {
            this.queueWriters = context.spawn(Routers.pool(QUEUE_WRITERS, remote.queueWriters())
                            .withRouteeProps(DispatcherSelector.blocking()), "queue-writers");
            // the relays read the spool when they start: blocking I/O
            ActorRef<BounceDelivery.Store> bounces = context.messageAdapter(BounceDelivery.Store.class,
                    BounceFromRelay::new);
            this.relays = context.spawn(remote.relays().apply(bounces), "relays", DispatcherSelector.blocking());
        }
    }

    /** A router for local mailboxes only: remote recipients are refused (tests, and a relay-less setup). */
    public static Behavior<Command> create(MailboxStore store) {
        return create(store, null, new TernMetrics());
    }

    public static Behavior<Command> create(MailboxStore store, Remote remote) {
        return create(store, remote, new TernMetrics());
    }

    /** @param metrics counts the local copies stored ({@code tern_deliveries_total{kind="local"}}) */
    public static Behavior<Command> create(MailboxStore store, Remote remote, TernMetrics metrics) {
        return create(store, remote, metrics, LocalRecipients.usersOnly(user -> true));
    }

    /** @param locals expands aliases and sub-addresses into mailboxes and remote addresses */
    public static Behavior<Command> create(MailboxStore store, Remote remote, TernMetrics metrics,
                                           LocalRecipients locals) {
        return Behaviors.setup(context -> new Router(context, store, remote, metrics, locals));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Deliver.class, this::onDeliver)
                .onMessage(ToRelays.class, request -> {
                    if (relays != null) {
                        relays.tell(request.command());
                    }
                    return this;
                })
                .onMessage(WriterReport.class, report -> onReport(report.result().messageId(),
                        flight -> flight.report(report.result()), report.result()))
                .onMessage(QueueReport.class, report -> onReport(report.result().messageId(),
                        flight -> flight.report(report.result()), null))
                .onMessage(BounceFromRelay.class, this::onBounce)
                .onMessage(BounceOutcome.class, this::onBounceOutcome)
                .build();
    }

    private Behavior<Command> onBounce(BounceFromRelay from) {
        BounceDelivery.Store bounce = from.bounce();
        bounceWaiters.put(bounce.envelope().messageId(), bounce.replyTo());
        return onDeliver(new Deliver(bounce.envelope(), bounce.message(), bounceOutcomes));
    }

    private Behavior<Command> onBounceOutcome(BounceOutcome answer) {
        StagedMessage notice = notices.remove(answer.outcome().messageId());
        if (notice != null) {
            SuccessNotices.discard(notice);
            if (answer.outcome() instanceof NotStored refused) {
                context.getLog().error("id={} success notification not stored: {}", refused.messageId(),
                        refused.reason());
            }
        }
        ActorRef<BounceDelivery.Outcome> relay = bounceWaiters.remove(answer.outcome().messageId());
        if (relay != null) {
            relay.tell(answer.outcome() instanceof NotStored refused
                    ? new BounceDelivery.NotStored(refused.messageId(), refused.reason())
                    : new BounceDelivery.Stored(answer.outcome().messageId()));
        }
        return this;
    }

    private Behavior<Command> onDeliver(Deliver deliver) {
        String id = deliver.envelope().messageId();
        // One copy per mailbox, however many addresses (and aliases) lead to it (as Postfix's duplicate filter).
        Routing routing = Routing.of(deliver.envelope(), locals);
        Set<String> mailboxes = new LinkedHashSet<>(routing.mailboxes().keySet());
        List<MailAddress> remote = routing.remote();
        if (!routing.unrouted().isEmpty()) {
            context.getLog().error("id={} to=<{}> leads nowhere now (its alias changed?); not stored", id,
                    routing.unrouted().get(0));
            deliver.replyTo().tell(new NotStored(id, "no mailbox for " + routing.unrouted().get(0)));
            return this;
        }
        if (!remote.isEmpty() && queueWriters == null) {
            context.getLog().error("id={} to=<{}> has no route: this router does not relay", id, remote.get(0));
            deliver.replyTo().tell(new NotStored(id, "no route for " + remote.get(0)));
            return this;
        }
        inFlight.put(id, new InFlight(deliver, mailboxes, !remote.isEmpty(), Map.of(), List.of(), null));
        routings.put(id, routing);
        for (String user : mailboxes) {
            writerFor(user).tell(new MailboxWriter.Store(id, user, deliver.message(), writerReports,
                    routing.deliveredTo(user)));
        }
        if (!remote.isEmpty()) {
            queueWriters.tell(new QueueWriter.Enqueue(id, deliver.envelope().sender(), remote, deliver.message(),
                    queueReports, deliver.envelope().encoding(), deliver.envelope().dsn(), routing.remoteDsn(),
                    deliver.envelope().tls()));
        }
        return this;
    }

    private Behavior<Command> onReport(String messageId, Function<InFlight, InFlight> report,
                                       MailboxWriter.Result copy) {
        InFlight before = inFlight.get(messageId);
        if (before == null) {
            return this;
        }
        InFlight now = report.apply(before);
        if (copy != null) {
            logCopy(now.request().envelope(), copy);
        }
        if (!now.complete()) {
            inFlight.put(messageId, now);
            return this;
        }
        inFlight.remove(messageId);
        routings.remove(messageId);
        ActorRef<Outcome> replyTo = now.request().replyTo();
        if (now.failure() == null) {
            metrics.localDelivered(now.stored().size()); // copies that stay: none is retracted now
            logQueued(now.request().envelope(), now.queued());
            notifyDelivered(now); // before the Stored: the session deletes the staged message then
            replyTo.tell(new Stored(messageId));
            if (!now.queued().isEmpty()) {
                relays.tell(new Relays.Enqueued(now.queued()));
            }
        } else {
            now.stored().forEach((user, file) -> writerFor(user).tell(new MailboxWriter.Retract(messageId, file)));
            if (!now.queued().isEmpty()) {
                queueWriters.tell(new QueueWriter.Retract(now.queued()));
            }
            replyTo.tell(new NotStored(messageId, now.failure()));
        }
        return this;
    }

    /** RFC 3461 NOTIFY=SUCCESS on a local recipient: an "Action: delivered" DSN to the sender. */
    private void notifyDelivered(InFlight done) {
        if (notifications == null) {
            return;
        }
        Deliver request = done.request();
        try {
            SuccessNotices.stage(request.envelope(), request.message(), notifications)
                    .ifPresent(notice -> {
                        notices.put(notice.envelope().messageId(), notice.message());
                        onDeliver(new Deliver(notice.envelope(), notice.message(), bounceOutcomes));
                    });
        } catch (java.io.IOException e) {
            context.getLog().error("id={} cannot write the success notification: {}",
                    request.envelope().messageId(), e.toString());
        }
    }

    private void logQueued(Envelope envelope, List<QueueEntry> entries) {
        for (QueueEntry entry : entries) {
            context.getLog().info("id={} from={} to={} status=queued entry={} domain={}", envelope.messageId(),
                    envelope.sender().bracketed(), entry.recipients().stream()
                            .map(r -> "<" + r.address() + ">").toList(), entry.id(), entry.domain());
        }
    }

    private void logCopy(Envelope envelope, MailboxWriter.Result result) {
        Routing routing = routings.get(envelope.messageId());
        MailAddress address = routing == null ? null : routing.mailboxes().get(result.user());
        if (address == null) {
            return;
        }
        if (result instanceof MailboxWriter.Stored stored) {
            context.getLog().info("id={} from={} to=<{}> mailbox={} status=delivered file={}",
                    envelope.messageId(), envelope.sender().bracketed(), address,
                    result.user(), stored.file().getFileName());
        } else {
            context.getLog().warn("id={} from={} to=<{}> mailbox={} status=failed reason={}",
                    envelope.messageId(), envelope.sender().bracketed(), address,
                    result.user(), ((MailboxWriter.Failed) result).reason());
        }
    }

    private ActorRef<MailboxWriter.Command> writerFor(String user) {
        return writers.computeIfAbsent(user, name -> context.spawn(MailboxWriter.create(store),
                "mailbox-" + URLEncoder.encode(name, StandardCharsets.UTF_8), DispatcherSelector.blocking()));
    }
}
