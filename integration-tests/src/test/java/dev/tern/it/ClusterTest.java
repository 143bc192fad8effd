package dev.tern.it;

import static dev.tern.it.Relaying.message;
import static dev.tern.it.TernProcess.address;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import dev.tern.testing.ScriptedSmtpServer;

/**
 * Issue 11: three {@code tern run} processes on loopback share one queue in PostgreSQL and run
 * one relay per destination domain cluster-wide. Every test relays to a domain of its own whose
 * MX (a {@link ScriptedSmtpServer} on an address of its own) is either up from the start or
 * started late, so that mail first waits in the queue. Retries are fast (500 ms doubling to
 * 2 s), the split-brain resolver downs a killed node after 5 s of stability, and every node
 * looks for domains with queued mail every 2 s. {@code queue flush} runs on one node while
 * another node's relay delivers, and while a dead node's relay waits to be restarted: it must
 * never make a message arrive twice. The node-killing tests run last; every test
 * starts with all three nodes running.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterTest {

    static final int MAX_CONNECTIONS = 2;
    static final String CONFIG = """
            tern.relay.max-connections = %d
            tern.cluster.wake-interval = 2s
            pekko.cluster.split-brain-resolver.stable-after = 5s
            """.formatted(MAX_CONNECTIONS);
    /** A kill -9: downing (stable-after plus failure detection, ~12-15 s), a wake-interval, retries. */
    static final Duration AFTER_NODE_LOSS = Duration.ofSeconds(60);
    static final Duration DELIVERY = Duration.ofSeconds(30);
    private static final Pattern MESSAGE_ID = Pattern.compile("(?m)^Message-ID: (<[^>]+>)\r?$");

    static FakeInternet net;
    static ClusterNodes cluster;

    @BeforeAll
    static void start() {
        net = FakeInternet.start();
        try {
            cluster = ClusterNodes.start(net, CONFIG, "500ms", "2s", "10m");
        } catch (RuntimeException | Error e) {
            net.close();
            throw e;
        }
    }

    @AfterAll
    static void stop() {
        try {
            if (cluster != null) {
                cluster.close();
            }
        } finally {
            net.close();
        }
    }

    @BeforeEach
    void allNodesRun() {
        cluster.startStopped();
    }

    @Test
    @Order(1)
    void mailThroughEveryNodeArrivesAtTheRemoteMxExactlyOnce() {
        ScriptedSmtpServer mx = net.mxServer("once.test");

        Set<String> sent = sendThroughEveryNode("once", "once.test", 3);

        assertEachArrivedOnce(mx, "once.test", sent, DELIVERY, "sent through every node");
    }

    @Test
    @Order(2)
    void concurrentSessionsToOneDestinationStayWithinTheLimitClusterWide() throws Exception {
        String host = net.nextAddress();
        net.mx("limit.test", 10, "mx.limit.test", host);
        // The MX is down while 40 messages pile up through all three nodes at once; then it comes
        // up slow (200 ms per message), so that every relay that may connect has mail to send.
        ExecutorService clients = Executors.newFixedThreadPool(ClusterNodes.SIZE);
        Set<String> sent = new HashSet<>();
        try {
            List<Future<Set<String>>> senders = new ArrayList<>();
            for (int i = 0; i < ClusterNodes.SIZE; i++) {
                int node = i;
                int count = i == 0 ? 14 : 13;
                senders.add(clients.submit(() -> sendThrough(node, "limit" + node, "limit.test", count)));
            }
            for (Future<Set<String>> sender : senders) {
                sent.addAll(sender.get());
            }
        } finally {
            clients.shutdownNow();
        }
        assertThat(sent).hasSize(40);
        ScriptedSmtpServer mx = net.run(net.smtp(host).endOfDataDelay(Duration.ofMillis(200)));
        // A flush while the deliveries are under way (about 4 s) must not cut them.
        assertThat(FakeInternet.await(DELIVERY, () -> mx.transactions().size() >= 4)).as("first deliveries").isTrue();
        flushOn(0);
        System.out.println("limit.test: flushed with " + mx.transactions().size() + " of 40 at the MX");

        assertEachArrivedOnce(mx, "limit.test", sent, DELIVERY, "sent through every node at once");
        System.out.println("limit.test: " + mx.connections() + " sessions, at most " + mx.mostConcurrentConnections()
                + " at once");
        assertThat(mx.mostConcurrentConnections())
                .as("most sessions open at once at the MX, tern.relay.max-connections = " + MAX_CONNECTIONS)
                .isBetween(1, MAX_CONNECTIONS);
    }

    @Test
    @Order(3)
    void localDeliveryWorksFromEveryNode() {
        String user = cluster.node(0).newUser("cluster");
        Set<String> sent = new HashSet<>();
        for (int i = 0; i < ClusterNodes.SIZE; i++) {
            String content = "Subject: through node " + i + "\r\n\r\nlocal delivery from node " + i + "\r\n";
            try (SmtpTranscript smtp = SmtpTranscript.connect(cluster.node(i)).hello()) {
                smtp.deliver("c@client.test", List.of(address(user)), content);
                smtp.quit();
            }
            sent.add(content);
        }

        List<Path> files = Maildirs.awaitNewFiles(cluster.mailRoot(), user, ClusterNodes.SIZE, DELIVERY);
        Set<String> stored = files.stream().map(f -> Maildirs.parse(f).messageLatin1()).collect(Collectors.toSet());
        assertThat(stored).as("messages in " + user + "'s Maildir" + cluster.logTails()).isEqualTo(sent);
        assertThat(files).hasSize(ClusterNodes.SIZE);
    }

    @Test
    @Order(4)
    void queueListWithTheDatabaseShowsEntriesQueuedThroughEveryNode() {
        String host = net.nextAddress();
        net.mx("list.test", 10, "mx.list.test", host);
        Map<Integer, String> ids = new TreeMap<>();
        for (int i = 0; i < ClusterNodes.SIZE; i++) {
            ids.put(i, Relaying.send(cluster.node(i), "alice@example.test", List.of("bob" + i + "@list.test"),
                    message("listed " + i, "queued through node " + i)));
        }

        Exec.Result list = cluster.queueWithDatabase("list");

        assertThat(list.exitCode()).as(list.describe()).isZero();
        for (Map.Entry<Integer, String> queued : ids.entrySet()) {
            assertThat(list.stdout()).as("queue list --queue-db: the message queued through node " + queued.getKey())
                    .contains(queued.getValue() + "-").contains("<bob" + queued.getKey() + "@list.test>");
        }
        ScriptedSmtpServer mx = net.run(net.smtp(host));
        awaitQueueEmptyOf("list.test");
        assertThat(mx.transactions()).hasSize(ClusterNodes.SIZE);
    }

    @Test
    @Order(5)
    void killNineOfANodeDuringABacklogLosesNoAcknowledgedMessage() {
        String host = net.nextAddress();
        net.mx("backlog.test", 10, "mx.backlog.test", host);
        Set<String> acknowledged = new HashSet<>();
        for (int i = 0; i < ClusterNodes.SIZE; i++) {
            acknowledged.addAll(sendThrough(i, "backlog" + i, "backlog.test", 10));
        }
        int victim = relayHolder("backlog.test", 2);

        assertThat(cluster.node(victim).kill()).as("exit code of a SIGKILLed JVM").isEqualTo(137);
        ScriptedSmtpServer mx = net.run(net.smtp(host));
        flushOn((victim + 1) % ClusterNodes.SIZE);

        // The MX was unreachable until the victim was dead: nothing was in flight, so nothing
        // may arrive twice either.
        assertEachArrivedOnce(mx, "backlog.test", acknowledged, AFTER_NODE_LOSS, "after kill -9 of node " + victim);
        for (int survivor : survivorsOf(victim)) {
            assertThat(cluster.logSinceStart(survivor)).as("node " + survivor + " saw the killed node downed")
                    .contains(ClusterNodes.memberIs(cluster.clusterAddress(victim), "Down"));
        }
    }

    @Test
    @Order(6)
    void aNodeStoppedBySigtermHandsItsQueuedMailToTheOthers() {
        String host = net.nextAddress();
        net.mx("handoff.test", 10, "mx.handoff.test", host);
        Set<String> sent = sendThrough(2, "handoff", "handoff.test", 9);
        int leaving = relayHolder("handoff.test", 2);

        assertThat(cluster.node(leaving).stop()).as("exit code after SIGTERM" + cluster.node(leaving).logTail())
                .isZero();
        ScriptedSmtpServer mx = net.run(net.smtp(host));

        assertEachArrivedOnce(mx, "handoff.test", sent, DELIVERY, "after SIGTERM of node " + leaving);
        for (int survivor : survivorsOf(leaving)) {
            // It left: removed, never downed as a node that stopped answering would be.
            String leave = ClusterNodes.memberIs(cluster.clusterAddress(leaving), "Leaving");
            String removed = ClusterNodes.memberIs(cluster.clusterAddress(leaving), "Removed");
            FakeInternet.await(Duration.ofSeconds(10), () -> cluster.logSinceStart(survivor).contains(removed));
            String log = cluster.logSinceStart(survivor);
            assertThat(log).as("node " + survivor + " saw node " + leaving + " leave").contains(leave);
            assertThat(log.substring(log.lastIndexOf(leave)))
                    .as("node " + survivor + " after node " + leaving + " began to leave")
                    .contains(removed)
                    .doesNotContain(ClusterNodes.memberIs(cluster.clusterAddress(leaving), "Down"));
        }
    }

    private static List<Integer> survivorsOf(int node) {
        return IntStream.range(0, ClusterNodes.SIZE).filter(i -> i != node).boxed().toList();
    }

    // ----- helpers

    /** {@code count} messages through each node's outbound listener; returns their Message-IDs. */
    private static Set<String> sendThroughEveryNode(String tag, String domain, int count) {
        Set<String> sent = new HashSet<>();
        for (int i = 0; i < ClusterNodes.SIZE; i++) {
            sent.addAll(sendThrough(i, tag + i, domain, count));
        }
        return sent;
    }

    /** {@code count} messages on one session to the node's outbound listener, each taken with a 250. */
    private static Set<String> sendThrough(int node, String tag, String domain, int count) {
        Set<String> ids = new HashSet<>();
        try (SmtpTranscript smtp = SmtpTranscript.connectOutbound(cluster.node(node)).hello()) {
            for (int n = 0; n < count; n++) {
                String subject = tag + " " + n;
                String content = message(subject, "message " + n + " through node " + node);
                smtp.deliver("alice@example.test", List.of("bob@" + domain), content);
                ids.add("<" + subject.replace(' ', '-') + "@client.test>");
            }
            smtp.quit();
        }
        return ids;
    }

    /**
     * The node running the domain's relay: the one whose log has its deferred deliveries (the
     * MX is down). Falls back to {@code otherwise} when no node logs one within a few seconds.
     */
    private static int relayHolder(String domain, int otherwise) {
        List<Integer> holders = cluster.awaitNodesLogging(Duration.ofSeconds(10), "@" + domain + ">",
                "status=deferred");
        System.out.println("relay of " + domain + " logged on nodes " + holders);
        return holders.size() == 1 ? holders.get(0) : otherwise;
    }

    /** {@code queue flush} through the node's control socket: acts on the whole cluster's queue. */
    private static void flushOn(int node) {
        Exec.Result flush = Relaying.queue(cluster.node(node), "flush");
        assertThat(flush.exitCode()).as(flush.describe()).isZero();
    }

    /** The Message-ID of every transaction the MX received, duplicates kept. */
    private static List<String> messageIds(ScriptedSmtpServer mx) {
        List<String> ids = new ArrayList<>();
        for (ScriptedSmtpServer.Transaction t : mx.transactions()) {
            Matcher id = MESSAGE_ID.matcher(new String(t.data(), StandardCharsets.ISO_8859_1));
            ids.add(id.find() ? id.group(1) : "(no Message-ID in " + t.dataAsString() + ")");
        }
        return ids;
    }

    /**
     * Waits until the MX has as many messages as were sent and the queue holds none for the
     * domain, then checks that each Message-ID arrived exactly once.
     */
    private static void assertEachArrivedOnce(ScriptedSmtpServer mx, String domain, Set<String> sent,
                                              Duration timeout, String when) {
        boolean arrived = FakeInternet.await(timeout, () -> mx.transactions().size() >= sent.size());
        assertThat(arrived).as(sent.size() + " messages at the MX within " + timeout + " " + when + "; got "
                + mx.transactions().size() + cluster.logTails()).isTrue();
        awaitQueueEmptyOf(domain);
        assertThat(messageIds(mx)).as("Message-IDs received " + when + cluster.logTails())
                .containsExactlyInAnyOrderElementsOf(sent);
    }

    /** Waits until {@code queue list --queue-db} names no recipient at the domain. */
    private static void awaitQueueEmptyOf(String domain) {
        String[] listing = new String[1];
        boolean gone = FakeInternet.await(DELIVERY, () -> {
            Exec.Result list = cluster.queueWithDatabase("list");
            assertThat(list.exitCode()).as(list.describe()).isZero();
            listing[0] = list.stdout();
            return !listing[0].contains("@" + domain + ">");
        });
        assertThat(gone).as("queue entries for " + domain + " left:\n" + listing[0] + cluster.logTails()).isTrue();
    }
}
