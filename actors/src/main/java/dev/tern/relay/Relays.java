package dev.tern.relay;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

import dev.tern.queue.QueueEntry;
import dev.tern.supervision.RelaySupervision;

/**
 * Keeps one {@link Relay} per destination domain with mail in the queue, each under a
 * supervisor whose backoff restarts are the destination's retry schedule. At start it
 * finds every domain in the spool, so queued mail resumes after a restart or a crash.
 *
 * <p>{@code queue flush} stops each relay (and with it any backoff in progress), waits until
 * it is gone, so that no two relays ever own one domain's entries, and starts it again told
 * to try everything queued before that moment.
 */
public final class Relays extends AbstractBehavior<Relays.Command> {

    public sealed interface Command {
    }

    /** New entries, durable in the spool: each goes to its domain's relay. */
    public record Enqueued(List<QueueEntry> entries) implements Command {
    }

    /** Retry every queued entry now; answered with the number of domains started. */
    public record Flush(ActorRef<Flushed> replyTo) implements Command {
    }

    public record Flushed(int domains) {
    }

    /** {@code queue remove ID}: answered whether the entry existed. */
    public record Remove(String entryId, ActorRef<Removed> replyTo) implements Command {
    }

    public record Removed(String entryId, boolean removed) {
    }

    private record RelayStopped(String domain, ActorRef<Relay.Command> relay) implements Command {
    }

    private final ActorContext<Command> context;
    private final RelayContext relayContext;
    private final Map<String, ActorRef<Relay.Command>> relays = new HashMap<>();
    /** What to do once a stopping relay is gone, before its successor starts. */
    private record PendingRestart(Instant flushRequestedAt, List<Remove> removals) {
        PendingRestart with(Remove removal) {
            List<Remove> all = new ArrayList<>(removals);
            all.add(removal);
            return new PendingRestart(flushRequestedAt, all);
        }

        PendingRestart flushedAt(Instant at) {
            return new PendingRestart(at, removals);
        }
    }

    /** Domains whose relay is stopping for a flush or a removal. */
    private final Map<String, PendingRestart> restarts = new LinkedHashMap<>();
    private long generation;

    private Relays(ActorContext<Command> context, RelayContext relayContext) {
        super(context);
        this.context = context;
        this.relayContext = relayContext;
    }

    public static Behavior<Command> create(RelayContext relayContext) {
        return Behaviors.setup(context -> {
            Relays relays = new Relays(context, relayContext);
            relays.resumeQueue();
            return relays;
        });
    }

    private void resumeQueue() {
        try {
            int swept = relayContext.spool().sweep();
            if (swept > 0) {
                context.getLog().info("queue: removed {} unacknowledged leftovers of an interrupted run", swept);
            }
            List<String> domains = relayContext.spool().domains();
            for (String domain : domains) {
                start(domain, null);
            }
            if (!domains.isEmpty()) {
                context.getLog().info("queue: resuming delivery to {} domains", domains.size());
            }
        } catch (IOException e) {
            // The service still receives; mail queued now is delivered, the rest at the next start or flush.
            context.getLog().error("queue: cannot read the spool {}: {}", relayContext.settings().queueDir(), e.toString());
        }
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Enqueued.class, this::onEnqueued)
                .onMessage(Flush.class, this::onFlush)
                .onMessage(Remove.class, this::onRemove)
                .onMessage(RelayStopped.class, this::onRelayStopped)
                .build();
    }

    private Behavior<Command> onEnqueued(Enqueued enqueued) {
        Map<String, List<QueueEntry>> byDomain = new LinkedHashMap<>();
        for (QueueEntry entry : enqueued.entries()) {
            byDomain.computeIfAbsent(entry.domain(), d -> new ArrayList<>()).add(entry);
        }
        byDomain.forEach((domain, entries) -> {
            ActorRef<Relay.Command> relay = relays.get(domain);
            if (relay == null && !restarts.containsKey(domain)) {
                relay = start(domain, null);
            }
            if (relay != null) {
                relay.tell(new Relay.Enqueued(entries));
            } // else: a flush restarts this domain's relay, which reads these entries from the spool
        });
        return this;
    }

    private Behavior<Command> onFlush(Flush flush) {
        Instant now = relayContext.clock().instant();
        Set<String> domains = new LinkedHashSet<>(relays.keySet());
        try {
            domains.addAll(relayContext.spool().domains());
        } catch (IOException e) {
            context.getLog().error("queue flush: cannot list the spool: {}", e.toString());
        }
        for (String domain : domains) {
            ActorRef<Relay.Command> running = relays.get(domain);
            PendingRestart pending = restarts.get(domain);
            if (pending != null) {
                restarts.put(domain, pending.flushedAt(now));
            } else if (running != null) {
                restarts.put(domain, new PendingRestart(now, List.of()));
                context.stop(running);
            } else {
                start(domain, now);
            }
        }
        context.getLog().info("queue flush: retrying {} domains now", domains.size());
        flush.replyTo().tell(new Flushed(domains.size()));
        return this;
    }

    /**
     * The entry's relay is stopped first and started again after the removal, so that no
     * copy of the entry lives on in a relay's memory (nor in a backoff's stash).
     */
    private Behavior<Command> onRemove(Remove remove) {
        Optional<QueueEntry> entry;
        try {
            entry = relayContext.spool().find(remove.entryId());
        } catch (IOException e) {
            context.getLog().error("queue remove: cannot read the spool: {}", e.toString());
            entry = Optional.empty();
        }
        if (entry.isEmpty()) {
            remove.replyTo().tell(new Removed(remove.entryId(), false));
            return this;
        }
        String domain = entry.get().domain();
        ActorRef<Relay.Command> running = relays.get(domain);
        PendingRestart pending = restarts.get(domain);
        if (running == null && pending == null) {
            removeFromSpool(remove);
            return this;
        }
        restarts.put(domain, (pending == null ? new PendingRestart(null, List.of()) : pending).with(remove));
        if (running != null && pending == null) {
            context.stop(running);
        }
        return this;
    }

    private void removeFromSpool(Remove remove) {
        boolean removed;
        try {
            removed = relayContext.spool().remove(remove.entryId());
        } catch (IOException e) {
            context.getLog().error("queue remove {}: {}", remove.entryId(), e.toString());
            removed = false;
        }
        if (removed) {
            context.getLog().info("id={} removed from the queue by the administrator", remove.entryId());
        }
        remove.replyTo().tell(new Removed(remove.entryId(), removed));
    }

    private Behavior<Command> onRelayStopped(RelayStopped stopped) {
        if (relays.get(stopped.domain()) == stopped.relay()) {
            relays.remove(stopped.domain());
        }
        PendingRestart pending = restarts.remove(stopped.domain());
        if (pending != null) {
            pending.removals().forEach(this::removeFromSpool);
            start(stopped.domain(), pending.flushRequestedAt());
        }
        return this;
    }

    private ActorRef<Relay.Command> start(String domain, Instant flushRequestedAt) {
        Behavior<Relay.Command> supervised = RelaySupervision.supervise(
                Relay.create(domain, relayContext, flushRequestedAt), relayContext.settings().backoff());
        ActorRef<Relay.Command> relay = context.spawn(supervised,
                "relay-" + URLEncoder.encode(domain, StandardCharsets.UTF_8) + "-" + (++generation),
                relayContext.dispatcher());
        context.watchWith(relay, new RelayStopped(domain, relay));
        relays.put(domain, relay);
        return relay;
    }
}
