package dev.tern.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.IntStream;

import dev.tern.testing.PrivatePostgres;

/**
 * Three {@code tern run} processes on loopback forming one cluster ({@code ../shared/CLI.md},
 * "Cluster"): each with its own data directory and listeners, all with the same users file,
 * mail root and domain, the queue in a private PostgreSQL ({@link PrivatePostgres}), every node
 * naming all three cluster addresses as seeds in the same order (so the first forms the cluster
 * and a restarted node joins the others). The nodes relay into a {@link FakeInternet}.
 */
final class ClusterNodes implements AutoCloseable {

    static final int SIZE = 3;
    /** A node's start, cluster joining included, on a machine of two shared cores. */
    static final Duration JOIN_TIMEOUT = Duration.ofSeconds(60);
    /** What {@link TernProcess} writes into the log before each start. */
    private static final String START_MARKER = "===== test harness: start #";

    private final PrivatePostgres postgres;
    private final String queueDb;
    private final Path shared;
    private final int[] clusterPorts;
    private final TernProcess[] nodes;

    private ClusterNodes(PrivatePostgres postgres, String queueDb, Path shared, int[] clusterPorts,
                         TernProcess[] nodes) {
        this.postgres = postgres;
        this.queueDb = queueDb;
        this.shared = shared;
        this.clusterPorts = clusterPorts;
        this.nodes = nodes;
    }

    /**
     * Starts PostgreSQL (or skips the calling test class when it is not installed) and three
     * nodes relaying into {@code net}, with {@code hocon} as their shared -c file and the relay
     * retry options given.
     */
    static ClusterNodes start(FakeInternet net, String hocon, String retryInitial, String retryMax, String lifetime) {
        PrivatePostgres postgres = startPostgres();
        Path shared = TestDirs.create("cluster");
        try {
            String queueDb = postgres.createDatabase("tern");
            Path config = Files.writeString(shared.resolve("cluster.conf"), FakeInternet.SHORT_TIMEOUTS + hocon);
            Path mailRoot = Files.createDirectory(shared.resolve("mail"));
            Path users = shared.resolve("users");
            int[] ports = IntStream.range(0, SIZE).map(i -> TestDirs.freePort()).toArray();
            List<String> seeds = new ArrayList<>();
            for (int port : ports) {
                seeds.addAll(List.of("--cluster-seed", "127.0.0.1:" + port));
            }
            TernProcess[] nodes = new TernProcess[SIZE];
            for (int i = 0; i < SIZE; i++) {
                TernProcess.Options options = net.ternOptions(retryInitial, retryMax, lifetime)
                        .config(config).sharedFiles(users, mailRoot).http()
                        .extra("--cluster-bind", "127.0.0.1:" + ports[i], "--queue-db", queueDb)
                        .extra(seeds.toArray(String[]::new));
                nodes[i] = TernProcess.unstarted(options);
            }
            ClusterNodes cluster = new ClusterNodes(postgres, queueDb, shared, ports, nodes);
            try {
                cluster.startAll(IntStream.range(0, SIZE).toArray());
            } catch (RuntimeException | AssertionError e) {
                cluster.close();
                throw e;
            }
            return cluster;
        } catch (IOException | SQLException e) {
            closeQuietly(postgres);
            TestDirs.deleteQuietly(shared);
            throw new AssertionError("cannot set up the cluster", e);
        }
    }

    private static PrivatePostgres startPostgres() {
        try {
            return PrivatePostgres.startOrSkip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    TernProcess node(int index) {
        return nodes[index];
    }

    List<TernProcess> nodes() {
        return List.of(nodes);
    }

    /** The JDBC URL every node was given as {@code --queue-db}. */
    String queueDb() {
        return queueDb;
    }

    /** The node's {@code --cluster-bind}, e.g. {@code 127.0.0.1:40123}. */
    String clusterAddress(int index) {
        return "127.0.0.1:" + clusterPorts[index];
    }

    /** The shared users file and mail root. */
    Path mailRoot() {
        return nodes[0].mailRoot();
    }

    /** Starts every node that is not running (in parallel), and waits until each is ready. */
    void startStopped() {
        startAll(IntStream.range(0, SIZE).filter(i -> !nodes[i].isAlive()).toArray());
    }

    private void startAll(int[] indexes) {
        List<CompletableFuture<Void>> starting = Arrays.stream(indexes)
                .mapToObj(i -> CompletableFuture.runAsync(nodes[i]::start)).toList();
        try {
            starting.forEach(CompletableFuture::join);
        } catch (CompletionException e) {
            throw new AssertionError("a node did not start: " + e.getCause().getMessage() + logTails(), e.getCause());
        }
        for (int i : indexes) {
            awaitMembersUp(i);
        }
    }

    /**
     * Waits until the node, since its last start, has logged every running node as an Up member
     * ({@code cluster: member pekko://tern@HOST:PORT is Up}, itself included): it has joined,
     * and sees the others.
     */
    private void awaitMembersUp(int index) {
        List<String> expected = IntStream.range(0, SIZE).filter(i -> nodes[i].isAlive())
                .mapToObj(i -> "@" + clusterAddress(i) + " is Up").toList();
        boolean up = FakeInternet.await(JOIN_TIMEOUT, () -> {
            String sinceStart = logSinceStart(index);
            return expected.stream().allMatch(sinceStart::contains);
        });
        if (!up) {
            throw new AssertionError("node " + index + " did not log " + expected + " within " + JOIN_TIMEOUT
                    + logTails());
        }
    }

    /**
     * The indexes of the nodes whose log has a line holding every one of {@code parts}, e.g.
     * the relay's delivery lines for a domain: which node runs that domain's relay.
     */
    List<Integer> nodesLogging(String... parts) {
        return IntStream.range(0, SIZE).filter(i -> nodes[i].log().lines()
                .anyMatch(line -> Arrays.stream(parts).allMatch(line::contains))).boxed().toList();
    }

    /** Waits until some node's log has a line with every one of {@code parts}; returns those nodes (maybe none). */
    List<Integer> awaitNodesLogging(Duration timeout, String... parts) {
        FakeInternet.await(timeout, () -> !nodesLogging(parts).isEmpty());
        return nodesLogging(parts);
    }

    /** The node's log since its last start. */
    String logSinceStart(int index) {
        String log = nodes[index].log();
        return log.substring(Math.max(0, log.lastIndexOf(START_MARKER)));
    }

    /** How the node's log (since its last start) names another node's membership, e.g. {@code "Down"}. */
    static String memberIs(String clusterAddress, String status) {
        return "cluster: member pekko://tern@" + clusterAddress + " is " + status;
    }

    /** {@code tern queue ARGS --queue-db URL}, run with node 0's file options: the whole cluster's queue. */
    Exec.Result queueWithDatabase(String... args) {
        List<String> all = new ArrayList<>(List.of("queue"));
        all.addAll(List.of(args));
        all.addAll(List.of("--queue-db", queueDb));
        return nodes[0].admin(null, all.toArray(String[]::new));
    }

    /** The tails of every node's log, for an assertion message. */
    String logTails() {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < SIZE; i++) {
            out.append("\n===== node ").append(i).append(" (").append(clusterAddress(i)).append(")")
                    .append(nodes[i].logTail());
        }
        return out.toString();
    }

    /** SIGTERMs every node that runs, then PostgreSQL; deletes the shared files. */
    @Override
    public void close() {
        List<AssertionError> failures = new ArrayList<>();
        for (TernProcess node : nodes) {
            if (node != null && node.isAlive()) {
                node.terminate();
            }
        }
        for (TernProcess node : nodes) {
            try {
                if (node != null) {
                    node.close();
                }
            } catch (AssertionError e) {
                failures.add(e);
            }
        }
        closeQuietly(postgres);
        TestDirs.deleteQuietly(shared);
        if (!failures.isEmpty()) {
            throw failures.get(0);
        }
    }

    private static void closeQuietly(PrivatePostgres postgres) {
        try {
            postgres.close();
        } catch (IOException e) {
            System.err.println("could not stop the private PostgreSQL: " + e);
        }
    }
}
