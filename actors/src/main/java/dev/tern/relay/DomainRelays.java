package dev.tern.relay;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;

import dev.tern.queue.QueueEntry;

/**
 * Where the domains' relays live: children of the node's {@link Relays} ({@link #local}), or Cluster Sharding
 * entities, one per domain cluster-wide ({@link #sharded}).
 */
public sealed interface DomainRelays {

    /** The relay of {@code domain}, started if it was not running. */
    RecipientRef<DomainRelay.Command> of(String domain);

    /** How new entries travel to their relay. */
    DomainRelay.Command enqueued(List<QueueEntry> entries);

    /** The domains whose relay runs here (a flush restarts them too). */
    Set<String> running();

    /** How often every domain with queued mail is woken; empty when the start's one look suffices. */
    Optional<Duration> wakeInterval();

    /** The relay of {@code domain} stopped (it failed in a way its supervisors do not restart). */
    void stopped(String domain, ActorRef<DomainRelay.Command> relay);

    static DomainRelays local(ActorContext<Relays.Command> context, RelayContext relayContext) {
        return new Local(context, relayContext);
    }

    /**
     * Relays as Cluster Sharding entities ({@link DomainRelay#ENTITY}): initialised here, once per node. Entities run
     * on the blocking-I/O dispatcher (they read the shared queue); sharding's hand-off stops them with
     * {@link DomainRelay.Stop}, which closes the relay's sessions.
     */
    static DomainRelays sharded(ActorSystem<?> system, RelayContext relayContext, Duration wakeInterval) {
        ClusterSharding sharding = ClusterSharding.get(system);
        sharding.init(Entity.of(DomainRelay.ENTITY, entity -> DomainRelay.create(entity.getEntityId(), relayContext))
                .withStopMessage(DomainRelay.Stop.INSTANCE)
                .withEntityProps(relayContext.dispatcher()));
        return new Sharded(sharding, wakeInterval);
    }

    /** One node: a child per domain, kept for the life of the service, as the relay's retry state is in it. */
    final class Local implements DomainRelays {
        private final ActorContext<Relays.Command> context;
        private final RelayContext relayContext;
        private final Map<String, ActorRef<DomainRelay.Command>> relays = new HashMap<>();

        private Local(ActorContext<Relays.Command> context, RelayContext relayContext) {
            this.context = context;
            this.relayContext = relayContext;
        }

        @Override
        public RecipientRef<DomainRelay.Command> of(String domain) {
            return relays.computeIfAbsent(domain, d -> {
                ActorRef<DomainRelay.Command> relay = context.spawn(DomainRelay.create(d, relayContext),
                        "domain-" + URLEncoder.encode(d, StandardCharsets.UTF_8), relayContext.dispatcher());
                context.watchWith(relay, new Relays.DomainRelayStopped(d, relay)); // the next mail starts another
                return relay;
            });
        }

        @Override
        public void stopped(String domain, ActorRef<DomainRelay.Command> relay) {
            relays.remove(domain, relay);
        }

        @Override
        public DomainRelay.Command enqueued(List<QueueEntry> entries) {
            return new DomainRelay.Enqueued(entries);
        }

        @Override
        public Set<String> running() {
            return Set.copyOf(relays.keySet());
        }

        @Override
        public Optional<Duration> wakeInterval() {
            return Optional.empty();
        }
    }

    /** A cluster: the entity of each domain, wherever sharding placed it; new entries travel as ids. */
    record Sharded(ClusterSharding sharding, Duration interval) implements DomainRelays {

        @Override
        public RecipientRef<DomainRelay.Command> of(String domain) {
            return sharding.entityRefFor(DomainRelay.ENTITY, domain);
        }

        @Override
        public void stopped(String domain, ActorRef<DomainRelay.Command> relay) {
            // sharding watches its entities itself
        }

        @Override
        public DomainRelay.Command enqueued(List<QueueEntry> entries) {
            return new DomainRelay.Queued(entries.stream().map(QueueEntry::id).toList());
        }

        @Override
        public Set<String> running() {
            return Set.of(); // the queue's domains: every entity with work has mail queued
        }

        @Override
        public Optional<Duration> wakeInterval() {
            return Optional.of(interval);
        }
    }
}
