package dev.tern.relay;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

import dev.tern.queue.QueueEntry;

/**
 * The node's door to the relays: one {@link DomainRelay} per destination domain with mail in the queue, each keeping
 * its {@link Relay} under a supervisor whose backoff restarts are the destination's retry schedule. Where those live
 * is its {@link DomainRelays}: children of this actor on one node, or Cluster Sharding entities spread over the
 * cluster. At start it finds every domain in the queue, so queued mail resumes after a restart or a crash; in a
 * cluster it looks again every wake interval, which is how the relays of a node that died start on the survivors.
 */
public final class Relays extends AbstractBehavior<Relays.Command> {

    public sealed interface Command {
    }

    /** New entries, durable in the queue: each goes to its domain's relay. */
    public record Enqueued(List<QueueEntry> entries) implements Command {
    }

    /** Retry every queued entry now; answered with the number of domains told. */
    public record Flush(ActorRef<Flushed> replyTo) implements Command {
    }

    public record Flushed(int domains) {
    }

    /** {@code queue remove ID}: answered whether the entry existed. */
    public record Remove(String entryId, ActorRef<Removed> replyTo) implements Command {
    }

    public record Removed(String entryId, boolean removed) implements ClusterMessage {
    }

    /** A domain's relay, a child of this actor on one node, has stopped. */
    record DomainRelayStopped(String domain, ActorRef<DomainRelay.Command> relay) implements Command {
    }

    /** Time to wake the relays of every domain with queued mail (a cluster). */
    private enum WakeAll implements Command { INSTANCE }

    private final ActorContext<Command> context;
    private final RelayContext relayContext;
    private final DomainRelays domainRelays;

    private Relays(ActorContext<Command> context, RelayContext relayContext, DomainRelays domainRelays) {
        super(context);
        this.context = context;
        this.relayContext = relayContext;
        this.domainRelays = domainRelays;
    }

    /** One node: every domain's relay is a child of this actor. */
    public static Behavior<Command> create(RelayContext relayContext) {
        return create(relayContext, context -> DomainRelays.local(context, relayContext));
    }

    /** Where the domains' relays live is {@code placement}'s choice, made once this actor exists. */
    public static Behavior<Command> create(RelayContext relayContext,
                                           Function<ActorContext<Command>, DomainRelays> placement) {
        return Behaviors.withTimers(timers -> Behaviors.setup(context -> {
            Relays relays = new Relays(context, relayContext, placement.apply(context));
            relays.resumeQueue(timers);
            return relays;
        }));
    }

    private void resumeQueue(TimerScheduler<Command> timers) {
        try {
            int swept = relayContext.queue().sweep();
            if (swept > 0) {
                context.getLog().info("queue: removed {} unacknowledged leftovers of an interrupted run", swept);
            }
        } catch (IOException e) {
            context.getLog().error("queue: cannot sweep {}: {}", relayContext.settings().queueDir(), e.toString());
        }
        int domains = wakeAll();
        if (domains > 0) {
            context.getLog().info("queue: resuming delivery to {} domains", domains);
        }
        domainRelays.wakeInterval().ifPresent(interval -> timers.startTimerWithFixedDelay(WakeAll.INSTANCE, interval));
    }

    /** Wakes the relay of every domain with queued mail; how many there are. */
    private int wakeAll() {
        try {
            List<String> domains = relayContext.queue().domains();
            domains.forEach(domain -> domainRelays.of(domain).tell(DomainRelay.Wake.INSTANCE));
            return domains.size();
        } catch (IOException e) {
            // The service still receives; mail queued now is delivered, the rest at the next wake, start or flush.
            context.getLog().error("queue: cannot list the queue's domains: {}", e.toString());
            return 0;
        }
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Enqueued.class, this::onEnqueued)
                .onMessage(Flush.class, this::onFlush)
                .onMessage(Remove.class, this::onRemove)
                .onMessage(DomainRelayStopped.class, stopped -> {
                    domainRelays.stopped(stopped.domain(), stopped.relay());
                    return this;
                })
                .onMessage(WakeAll.class, wake -> {
                    wakeAll();
                    return this;
                })
                .build();
    }

    private Behavior<Command> onEnqueued(Enqueued enqueued) {
        Map<String, List<QueueEntry>> byDomain = new LinkedHashMap<>();
        for (QueueEntry entry : enqueued.entries()) {
            byDomain.computeIfAbsent(entry.domain(), d -> new ArrayList<>()).add(entry);
        }
        byDomain.forEach((domain, entries) -> domainRelays.of(domain).tell(domainRelays.enqueued(entries)));
        return this;
    }

    private Behavior<Command> onFlush(Flush flush) {
        Instant now = relayContext.clock().instant();
        Set<String> domains = new LinkedHashSet<>(domainRelays.running());
        try {
            domains.addAll(relayContext.queue().domains());
        } catch (IOException e) {
            context.getLog().error("queue flush: cannot list the queue: {}", e.toString());
        }
        domains.forEach(domain -> domainRelays.of(domain).tell(new DomainRelay.Flush(now)));
        context.getLog().info("queue flush: retrying {} domains now", domains.size());
        flush.replyTo().tell(new Flushed(domains.size()));
        return this;
    }

    private Behavior<Command> onRemove(Remove remove) {
        Optional<QueueEntry> entry;
        try {
            entry = relayContext.queue().find(remove.entryId());
        } catch (IOException e) {
            context.getLog().error("queue remove: cannot read the queue: {}", e.toString());
            entry = Optional.empty();
        }
        if (entry.isEmpty()) {
            remove.replyTo().tell(new Removed(remove.entryId(), false));
        } else {
            domainRelays.of(entry.get().domain()).tell(new DomainRelay.Remove(remove.entryId(), remove.replyTo()));
        }
        return this;
    }
}
