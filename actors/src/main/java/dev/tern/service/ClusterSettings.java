package dev.tern.service;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

/**
 * Where the queue lives and whether this node is one of a cluster (CLI.md "Cluster"): {@code --queue-db} puts the
 * queue in PostgreSQL instead of {@code --queue-dir}; {@code --cluster-bind} with {@code --cluster-seed} makes the
 * actor system a Pekko Cluster member whose relays are Cluster Sharding entities. Without either, Tern is one process
 * with its file spool, exactly as before.
 *
 * @param queueDb      the JDBC URL of the shared queue, if any
 * @param bind         this node's cluster address, if it is one of a cluster
 * @param seeds        the nodes to join (the first forms the cluster when it names itself)
 * @param wakeInterval how often every node wakes the relays of the domains with queued mail
 * @param queueDbConnections the most connections this node holds to the queue database
 */
record ClusterSettings(Optional<String> queueDb, Optional<ClusterAddress> bind, List<ClusterAddress> seeds,
                       Duration wakeInterval, int queueDbConnections) {

    static ClusterSettings parse(Config tern) throws UsageException {
        Optional<String> queueDb = Optional.of(tern.getString("queue-db")).filter(url -> !url.isBlank());
        if (queueDb.isPresent() && !queueDb.get().startsWith("jdbc:postgresql:")) {
            throw new UsageException("--queue-db: '" + JdbcUrls.withoutPassword(queueDb.get())
                    + "' is not a PostgreSQL JDBC URL (jdbc:postgresql://HOST:PORT/DATABASE?user=U&password=P)");
        }
        Optional<ClusterAddress> bind = tern.getString("cluster-bind").isBlank() ? Optional.empty()
                : Optional.of(ClusterAddress.parse("--cluster-bind", tern.getString("cluster-bind")));
        List<ClusterAddress> seeds = new ArrayList<>();
        for (String seed : tern.getStringList("cluster-seed")) {
            seeds.add(ClusterAddress.parse("--cluster-seed", seed));
        }
        if (bind.isPresent() && seeds.isEmpty()) {
            throw new UsageException("--cluster-bind needs --cluster-seed: the nodes to join (a node may name itself)");
        }
        if (bind.isPresent() && queueDb.isEmpty()) {
            throw new UsageException("--cluster-bind needs --queue-db: the nodes of a cluster share their queue "
                    + "in PostgreSQL");
        }
        if (bind.isEmpty() && !seeds.isEmpty()) {
            throw new UsageException("--cluster-seed needs --cluster-bind: this node's own cluster address");
        }
        Duration wake = tern.getDuration("cluster.wake-interval");
        if (wake.isNegative() || wake.isZero()) {
            throw new UsageException("tern.cluster.wake-interval: must be positive");
        }
        int connections = tern.getInt("queue-db-connections");
        if (connections < 1) {
            throw new UsageException("tern.queue-db-connections: must be 1 or more");
        }
        return new ClusterSettings(queueDb, bind, List.copyOf(seeds), wake, connections);
    }

    /** Where the queue is, as the log says it: never the database password. */
    String describeQueue(Path queueDir) {
        return queueDb.map(url -> "in PostgreSQL " + JdbcUrls.withoutPassword(url)).orElse(queueDir.toString());
    }

    boolean clustered() {
        return bind.isPresent();
    }

    /**
     * What a cluster member's actor system needs over the built-in settings (application.conf has the rest: the
     * split-brain resolver, sharding without passivation, the serializer of cluster messages): the cluster provider,
     * this node's Artery TCP address and the seed nodes. Empty for one node.
     */
    Config pekkoConfig() {
        if (bind.isEmpty()) {
            return ConfigFactory.empty();
        }
        return ConfigFactory.parseMap(Map.of(
                "pekko.actor.provider", "cluster",
                "pekko.remote.artery.canonical.hostname", bind.get().host(),
                "pekko.remote.artery.canonical.port", bind.get().port(),
                "pekko.cluster.seed-nodes", seeds.stream().map(ClusterAddress::pekkoAddress).toList()),
                "--cluster-bind and --cluster-seed");
    }
}
