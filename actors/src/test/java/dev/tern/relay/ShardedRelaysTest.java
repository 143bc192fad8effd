package dev.tern.relay;

import static dev.tern.relay.RelayFixture.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.GetClusterShardingStats;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

import dev.tern.queue.QueueEntry;
import dev.tern.queuedb.Connections;
import dev.tern.queuedb.QueueDatabase;
import dev.tern.supervision.BackoffCurve;
import dev.tern.testing.LoopbackPorts;
import dev.tern.testing.PrivatePostgres;
import dev.tern.testing.ScriptedSmtpServer;

/**
 * {@link DomainRelays#sharded} in a real Pekko Cluster of three actor systems in this JVM, with the service's own
 * application.conf (split-brain resolver, Jackson CBOR for cluster messages) and the queue in a private PostgreSQL:
 * whichever node queues a message and announces it, the one relay of the domain, cluster-wide, sends it exactly once;
 * when the node hosting that relay leaves, the relay starts on a survivor (woken by the queue) and sends what was
 * queued. Each node's relay says its own name in EHLO, so the fake MX tells which node sent what.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ShardedRelaysTest {

    private static final String SYSTEM = "ShardedRelaysTest";
    private static final String DOMAIN = "[127.0.0.1]";
    private static final Duration WAKE = Duration.ofSeconds(1);
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final BackoffCurve CURVE = new BackoffCurve(Duration.ofMillis(200), Duration.ofSeconds(1), 0);

    @TempDir
    static Path dir;

    private static PrivatePostgres postgres;
    private static ScriptedSmtpServer mx;
    private static final List<Node> nodes = new ArrayList<>();

    /** One cluster member: its actor system, its own connection to the shared queue, its node's Relays. */
    private record Node(String name, ActorTestKit kit, QueueDatabase queue, ActorRef<Relays.Command> relays) {
        Address address() {
            return Cluster.get(kit.system()).selfMember().address();
        }

        boolean alive() {
            return !kit.system().getWhenTerminated().toCompletableFuture().isDone();
        }
    }

    @BeforeAll
    static void startCluster() throws Exception {
        postgres = PrivatePostgres.startOrSkip();
        String url = postgres.createDatabase("sharded");
        mx = ScriptedSmtpServer.builder().bind("127.0.0.1").start();
        int seedPort = LoopbackPorts.free();
        for (int i = 1; i <= 3; i++) {
            int port = i == 1 ? seedPort : LoopbackPorts.free();
            ActorTestKit kit = ActorTestKit.create(SYSTEM, memberConfig(port, seedPort));
            QueueDatabase queue = QueueDatabase.open(Connections.driverManager(url));
            String name = "node" + i + ".test";
            RelayContext context = RelayFixture.context(queue, dir.resolve(name), mx.port(),
                    kit.createTestProbe(BounceDelivery.Store.class).ref(), CURVE,
                    RelayFixture.timeouts(Duration.ofSeconds(5)), name);
            ActorRef<Relays.Command> relays = kit.spawn(
                    Relays.create(context, c -> DomainRelays.sharded(c.getSystem(), context, WAKE)), "relays");
            nodes.add(new Node(name, kit, queue, relays));
        }
        awaitTrue(() -> nodes.stream().allMatch(node -> upMembers(node) == 3), WAIT, "three members are up");
    }

    @AfterAll
    static void stopCluster() throws Exception {
        for (Node node : nodes) {
            if (node.alive()) {
                node.kit().shutdownTestKit();
            }
        }
        if (mx != null) {
            mx.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    @Order(1)
    void messagesAnnouncedOnAnyNodeAreSentOnceByTheDomainsOneRelay() throws Exception {
        List<QueueEntry> queued = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            Node node = nodes.get(i % nodes.size());
            List<QueueEntry> entries = RelayFixture.enqueue(node.queue(), dir, "message " + i, "user" + i + "@" + DOMAIN);
            queued.addAll(entries);
            node.relays().tell(new Relays.Enqueued(entries)); // as that node's queue writer does
        }

        List<ScriptedSmtpServer.Transaction> sent = mx.awaitTransactions(queued.size(), WAIT);
        awaitTrue(() -> nodes.get(0).queue().all().isEmpty(), WAIT, "every entry leaves the shared queue");
        Thread.sleep(3 * WAKE.toMillis()); // wakes meanwhile must not send anything again
        sent = mx.transactions();

        assertThat(sent).extracting(t -> t.recipients().get(0)).as("each message once")
                .containsExactlyInAnyOrder("user0@[127.0.0.1]", "user1@[127.0.0.1]", "user2@[127.0.0.1]",
                        "user3@[127.0.0.1]", "user4@[127.0.0.1]", "user5@[127.0.0.1]");
        Set<String> senders = sent.stream().map(ScriptedSmtpServer.Transaction::helo).collect(Collectors.toSet());
        assertThat(senders).as("one relay sent them all").hasSize(1);
        Node host = hostOfTheEntity(nodes.get(0));
        assertThat(senders).containsExactly(host.name());
        for (Node node : nodes) {
            assertThat(entities(node)).as("as %s sees the cluster", node.name())
                    .isEqualTo(Map.of(host.address(), 1));
        }
    }

    @Test
    @Order(2)
    void whenTheHostingNodeLeavesTheRelayRestartsOnASurvivorAndSendsWhatIsQueued() throws Exception {
        Node leaving = hostOfTheEntity(nodes.get(0));
        int before = mx.transactions().size();

        leaving.kit().shutdownTestKit(); // leaves the cluster gracefully: sharding hands the domain off
        // shutdownTestKit gives up waiting after its own timeout; a loaded machine may need longer for the hand-off
        awaitTrue(() -> !leaving.alive(), WAIT, "the leaving node's actor system has terminated");
        List<Node> survivors = nodes.stream().filter(Node::alive).toList();
        assertThat(survivors).hasSize(2);
        awaitTrue(() -> survivors.stream().allMatch(node -> upMembers(node) == 2), WAIT, "two members are up");

        // queued on a survivor, announced by no one: the survivors' wake finds it in the shared queue
        List<QueueEntry> unannounced = RelayFixture.enqueue(survivors.get(0).queue(), dir, "after the leave",
                "late@" + DOMAIN);
        ScriptedSmtpServer.Transaction late = mx.awaitTransactions(before + 1, WAIT).get(before);
        assertThat(late.recipients()).containsExactly("late@[127.0.0.1]");
        assertThat(late.helo()).isNotEqualTo(leaving.name())
                .isIn(survivors.stream().map(Node::name).toList());

        // and one announced through the other survivor reaches the same relay
        Node other = survivors.get(1);
        List<QueueEntry> announced = RelayFixture.enqueue(other.queue(), dir, "announced", "next@" + DOMAIN);
        other.relays().tell(new Relays.Enqueued(announced));
        ScriptedSmtpServer.Transaction next = mx.awaitTransactions(before + 2, WAIT).get(before + 1);
        assertThat(next.recipients()).containsExactly("next@[127.0.0.1]");
        assertThat(next.helo()).isEqualTo(late.helo());

        awaitTrue(() -> other.queue().all().isEmpty(), WAIT, "the queue is empty again");
        Thread.sleep(3 * WAKE.toMillis());
        assertThat(mx.transactions()).as("each sent once").hasSize(before + 2);
        Node host = hostOfTheEntity(survivors.get(0));
        assertThat(host.name()).isEqualTo(late.helo());
        assertThat(entities(survivors.get(1))).isEqualTo(Map.of(host.address(), 1));
        assertThat(unannounced).hasSize(1);
    }

    /** Where the domain's relay runs, as Cluster Sharding reports it to {@code asking}: exactly one node. */
    private static Node hostOfTheEntity(Node asking) throws Exception {
        Map<Address, Integer> entities = entities(asking);
        assertThat(entities).as("entities per node").hasSize(1).containsValue(1);
        Address address = entities.keySet().iterator().next();
        return nodes.stream().filter(node -> node.address().equals(address)).findFirst().orElseThrow();
    }

    /** The relay entities per node with any, cluster-wide. */
    private static Map<Address, Integer> entities(Node asking) {
        TestProbe<ShardRegion.ClusterShardingStats> probe =
                asking.kit().createTestProbe(ShardRegion.ClusterShardingStats.class);
        ClusterSharding.get(asking.kit().system()).shardState()
                .tell(new GetClusterShardingStats(DomainRelay.ENTITY, Duration.ofSeconds(5), probe.ref()));
        ShardRegion.ClusterShardingStats stats = probe.expectMessageClass(ShardRegion.ClusterShardingStats.class,
                Duration.ofSeconds(10));
        Map<Address, Integer> entities = new HashMap<>();
        stats.getRegions().forEach((address, region) -> {
            assertThat(region.getFailed()).as("shards that did not answer on %s", address).isEmpty();
            int count = region.getStats().values().stream().mapToInt(n -> ((Number) n).intValue()).sum();
            if (count > 0) {
                entities.put(address, count);
            }
        });
        return entities;
    }

    private static long upMembers(Node node) {
        return node.alive() ? StreamSupport.stream(
                Cluster.get(node.kit().system()).state().getMembers().spliterator(), false)
                .filter(member -> member.status() == MemberStatus.up()).count() : 0;
    }

    private static Config memberConfig(int port, int seedPort) {
        return ConfigFactory.parseString("""
                pekko.actor.provider = cluster
                pekko.remote.artery.canonical.hostname = 127.0.0.1
                pekko.remote.artery.canonical.port = %d
                pekko.cluster.seed-nodes = ["pekko://%s@127.0.0.1:%d"]
                pekko.cluster.jmx.multi-mbeans-in-same-jvm = on
                pekko.coordinated-shutdown.phases.service-requests-done.timeout = 5s
                """.formatted(port, SYSTEM, seedPort)).withFallback(ConfigFactory.load());
    }
}
