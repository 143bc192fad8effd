package dev.tern.relay;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

import dev.tern.queue.QueueEntry;
import dev.tern.supervision.RelaySupervision;

/**
 * One destination domain's {@link Relay}, as a child under its backoff supervisor, and the restarts that
 * {@code queue remove} (and a {@code queue flush} that finds the relay waiting out a backoff) need: the relay is
 * stopped, and started again only once it is gone, so that no two relays ever own the domain's entries and no removed
 * entry lives on in a relay's memory (nor in a backoff's stash).
 *
 * <p>On one node {@link Relays} keeps one per domain. In a cluster it is the Cluster Sharding entity of its domain
 * ({@link #ENTITY}, the id is the domain), so there is one per domain cluster-wide and the relay's connection limit
 * holds for the whole cluster; a node that leaves hands it over, and one that dies has it started on a survivor.
 */
public final class DomainRelay extends AbstractBehavior<DomainRelay.Command> {

    /** The Cluster Sharding entity type: one per destination domain, cluster-wide. */
    public static final EntityTypeKey<Command> ENTITY = EntityTypeKey.create(Command.class, "relay");

    public sealed interface Command {
    }

    /** New entries, durable in the queue, handed over as they are (on one node). */
    public record Enqueued(List<QueueEntry> entries) implements Command {
    }

    /** New entries by id, read back from the shared queue (across nodes, entries stay in the database). */
    public record Queued(List<String> entryIds) implements Command, ClusterMessage {
    }

    /** The domain has mail queued: a relay that was not running now is. */
    public enum Wake implements Command, ClusterMessage { INSTANCE }

    /** Retry every entry not attempted since {@code requestedAt} now. */
    public record Flush(Instant requestedAt) implements Command, ClusterMessage {
    }

    /** Removes a queued entry of this domain; answered whether it existed. */
    public record Remove(String entryId, ActorRef<Relays.Removed> replyTo) implements Command, ClusterMessage {
    }

    /** Cluster Sharding hands the domain over to another node: stop, closing the relay's sessions. */
    public enum Stop implements Command, ClusterMessage { INSTANCE }

    private record RelayStopped(ActorRef<Relay.Command> relay) implements Command {
    }

    /** The relay did not take a flush in time: it is waiting out a backoff (or busy), so it is restarted. */
    private record FlushUnanswered(ActorRef<Relay.Command> relay, Instant requestedAt) implements Command {
    }

    private enum FlushAnswered implements Command { INSTANCE }

    /** How long a running relay has to take a flush before it is restarted instead. */
    static final Duration FLUSH_ANSWER = Duration.ofSeconds(10);

    /** What the domain's relay is doing: running, stopping to be started again, or draining to hand over. */
    private sealed interface State permits Running, Restarting, Draining {
    }

    /** Handing the domain over: the relay finishes what is in flight, then this stops. */
    private record Draining() implements State {
    }

    /** How the relay's drain goes: {@code DRAINING} (messages in flight), {@code DRAINED}, or no answer in time. */
    private record DrainAnswer(Relay.DrainProgress progress) implements Command {
    }

    /** The relay did not answer the drain in time: it waits out a backoff (no session open), or it is stuck. */
    private enum DrainTimedOut implements Command { INSTANCE }

    /** How long a running relay has to acknowledge a drain; one waiting out a backoff never does. */
    static final Duration DRAIN_ACKNOWLEDGED = Duration.ofSeconds(5);
    /** How long a handover waits for the messages in flight (within the shard region's shutdown phase, 25 s). */
    static final Duration DRAIN = Duration.ofSeconds(20);

    private record Running(ActorRef<Relay.Command> relay) implements State {
    }

    /** Stopping {@code relay}; once it is gone, {@code removals} are done and a successor starts. */
    private record Restarting(ActorRef<Relay.Command> relay, Instant flushRequestedAt, List<Remove> removals)
            implements State {
        Restarting with(Remove removal) {
            List<Remove> all = new ArrayList<>(removals);
            all.add(removal);
            return new Restarting(relay, flushRequestedAt, List.copyOf(all));
        }

        Restarting flushedAt(Instant at) {
            return new Restarting(relay, at, removals);
        }
    }

    private final ActorContext<Command> context;
    private final TimerScheduler<Command> timers;
    private final String domain;
    private final RelayContext relayContext;
    private State state;
    private long generation;

    private DomainRelay(ActorContext<Command> context, TimerScheduler<Command> timers, String domain,
                        RelayContext relayContext) {
        super(context);
        this.context = context;
        this.timers = timers;
        this.domain = domain;
        this.relayContext = relayContext;
        this.state = new Running(start(null));
    }

    public static Behavior<Command> create(String domain, RelayContext relayContext) {
        return Behaviors.withTimers(timers -> Behaviors.setup(context -> new DomainRelay(context, timers, domain,
                relayContext)));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Enqueued.class, enqueued -> hand(enqueued.entries()))
                .onMessage(Queued.class, this::onQueued)
                .onMessage(Wake.class, wake -> this)
                .onMessage(Flush.class, this::onFlush)
                .onMessage(Remove.class, this::onRemove)
                .onMessage(Stop.class, this::onStop)
                .onMessage(DrainAnswer.class, this::onDrainAnswer)
                .onMessage(DrainTimedOut.class, timedOut -> Behaviors.stopped())
                .onMessage(RelayStopped.class, this::onRelayStopped)
                .onMessage(FlushUnanswered.class, this::onFlushUnanswered)
                .onMessage(FlushAnswered.class, answered -> this)
                .build();
    }

    private Behavior<Command> hand(List<QueueEntry> entries) {
        if (state instanceof Running running && !entries.isEmpty()) {
            running.relay().tell(new Relay.Enqueued(entries));
        } // else: the successor reads them from the queue when it starts
        return this;
    }

    /**
     * Sharding hands the domain over (this node leaves, or shards are rebalanced): the relay sends nothing new and
     * this stops once the messages in flight are answered, so the next owner does not send them again.
     */
    private Behavior<Command> onStop(Stop stop) {
        if (state instanceof Restarting restarting) {
            restarting.removals().forEach(this::removeFromQueue);
            return Behaviors.stopped();
        }
        if (state instanceof Running running) {
            running.relay().tell(new Relay.Drain(context.messageAdapter(Relay.DrainProgress.class, DrainAnswer::new)));
            timers.startSingleTimer(DrainTimedOut.INSTANCE, DRAIN_ACKNOWLEDGED);
            state = new Draining();
        }
        return this;
    }

    private Behavior<Command> onDrainAnswer(DrainAnswer answer) {
        if (answer.progress() == Relay.DrainProgress.DRAINED) {
            return Behaviors.stopped();
        }
        timers.startSingleTimer(DrainTimedOut.INSTANCE, DRAIN); // replaces the acknowledgement's timer
        return this;
    }

    private Behavior<Command> onQueued(Queued queued) {
        if (!(state instanceof Running)) {
            return this;
        }
        List<QueueEntry> entries = new ArrayList<>();
        for (String id : queued.entryIds()) {
            try {
                Optional<QueueEntry> entry = relayContext.queue().find(id);
                entry.filter(e -> e.domain().equals(domain)).ifPresent(entries::add);
            } catch (IOException e) {
                // the entry is safe in the queue: the relay's next start or the next wake finds it
                context.getLog().warn("domain={} cannot read queued entry {}: {}", domain, id, e.toString());
            }
        }
        return hand(entries);
    }

    /**
     * A running relay is asked to flush, so that an attempt under way is not cut off (a message in flight would be
     * sent again); one that does not answer in time is waiting out a backoff, with no session open, and is restarted
     * told to try everything at once.
     */
    private Behavior<Command> onFlush(Flush flush) {
        if (state instanceof Draining) {
            return this; // the next owner starts with everything due
        }
        if (state instanceof Running running) {
            ActorRef<Relay.Command> relay = running.relay();
            context.ask(Relay.FlushTaken.class, relay, FLUSH_ANSWER,
                    replyTo -> new Relay.Flush(flush.requestedAt(), replyTo),
                    (taken, failure) -> taken != null ? FlushAnswered.INSTANCE
                            : new FlushUnanswered(relay, flush.requestedAt()));
        } else {
            state = ((Restarting) state).flushedAt(flush.requestedAt());
        }
        return this;
    }

    private Behavior<Command> onFlushUnanswered(FlushUnanswered unanswered) {
        if (state instanceof Running running && running.relay().equals(unanswered.relay())) {
            state = new Restarting(running.relay(), unanswered.requestedAt(), List.of());
            context.stop(running.relay());
        } else if (state instanceof Restarting restarting) {
            state = restarting.flushedAt(unanswered.requestedAt());
        }
        return this;
    }

    private Behavior<Command> onRemove(Remove remove) {
        if (state instanceof Draining) {
            removeFromQueue(remove); // the draining relay starts nothing new, so it will not send this entry
            return this;
        }
        if (state instanceof Running running) {
            state = new Restarting(running.relay(), null, List.of(remove));
            context.stop(running.relay());
        } else {
            state = ((Restarting) state).with(remove);
        }
        return this;
    }

    private Behavior<Command> onRelayStopped(RelayStopped stopped) {
        if (state instanceof Restarting restarting && restarting.relay().equals(stopped.relay())) {
            restarting.removals().forEach(this::removeFromQueue);
            state = new Running(start(restarting.flushRequestedAt()));
        } else if (state instanceof Running running && running.relay().equals(stopped.relay())) {
            // its supervisors restart it on any exception; what stopped it is worse, but the domain's mail must go on
            context.getLog().error("domain={} relay stopped unexpectedly; starting it again", domain);
            state = new Running(start(null));
        }
        return this;
    }

    private void removeFromQueue(Remove remove) {
        boolean removed;
        try {
            removed = relayContext.queue().remove(remove.entryId());
        } catch (IOException e) {
            context.getLog().error("queue remove {}: {}", remove.entryId(), e.toString());
            removed = false;
        }
        if (removed) {
            context.getLog().info("id={} removed from the queue by the administrator", remove.entryId());
        }
        remove.replyTo().tell(new Relays.Removed(remove.entryId(), removed));
    }

    private ActorRef<Relay.Command> start(Instant flushRequestedAt) {
        Behavior<Relay.Command> supervised = RelaySupervision.supervise(
                Relay.create(domain, relayContext, flushRequestedAt), relayContext.settings().backoff());
        ActorRef<Relay.Command> relay = context.spawn(supervised,
                "relay-" + URLEncoder.encode(domain, StandardCharsets.UTF_8) + "-" + (++generation),
                relayContext.dispatcher());
        context.watchWith(relay, new RelayStopped(relay));
        return relay;
    }
}
