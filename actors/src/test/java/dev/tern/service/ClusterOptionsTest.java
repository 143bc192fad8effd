package dev.tern.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.typesafe.config.Config;

/**
 * The cluster options of shared/CLI.md ("Cluster"): {@code --queue-db}, {@code --cluster-bind}, {@code --cluster-seed}.
 * What is missing or malformed is a usage error (exit 2) that names it, never echoing a database password; valid
 * options become the member's Pekko settings.
 */
class ClusterOptionsTest {

    private static final String DB = "jdbc:postgresql://127.0.0.1:5432/tern?user=tern&password=S3cret";

    @TempDir
    Path dir;

    private ClusterSettings cluster(String... args) throws UsageException {
        return TestSettings.load(dir, args).cluster();
    }

    @Test
    void withoutClusterOptionsTernIsOneNodeOnItsSpool() throws UsageException {
        ClusterSettings cluster = cluster();
        assertThat(cluster.clustered()).isFalse();
        assertThat(cluster.queueDb()).isEmpty();
        assertThat(cluster.bind()).isEmpty();
        assertThat(cluster.seeds()).isEmpty();
        assertThat(cluster.wakeInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(cluster.pekkoConfig().isEmpty()).isTrue();
        assertThat(cluster.describeQueue(dir.resolve("queue"))).isEqualTo(dir.resolve("queue").toString());
    }

    @Test
    void aQueueDbAloneIsOneNodeOnPostgresql() throws UsageException {
        ClusterSettings cluster = cluster("--queue-db", DB);
        assertThat(cluster.clustered()).isFalse();
        assertThat(cluster.queueDb()).contains(DB);
        assertThat(cluster.pekkoConfig().isEmpty()).isTrue();
        assertThat(cluster.describeQueue(dir)).isEqualTo(
                "in PostgreSQL jdbc:postgresql://127.0.0.1:5432/tern?user=tern&password=***");
    }

    @Test
    void validOptionsGiveTheMembersPekkoSettings() throws UsageException {
        ClusterSettings cluster = cluster("--cluster-bind", "127.0.0.1:25521", "--cluster-seed", "127.0.0.1:25520",
                "--cluster-seed", "node2.example.net:25520", "--cluster-seed", "[::1]:25522", "--queue-db", DB);
        assertThat(cluster.clustered()).isTrue();
        assertThat(cluster.bind()).contains(new ClusterAddress("127.0.0.1", 25521));

        Config pekko = cluster.pekkoConfig();
        assertThat(pekko.getString("pekko.actor.provider")).isEqualTo("cluster");
        assertThat(pekko.getString("pekko.remote.artery.canonical.hostname")).isEqualTo("127.0.0.1");
        assertThat(pekko.getInt("pekko.remote.artery.canonical.port")).isEqualTo(25521);
        assertThat(pekko.getStringList("pekko.cluster.seed-nodes")).containsExactly(
                "pekko://tern@127.0.0.1:25520", "pekko://tern@node2.example.net:25520", "pekko://tern@[::1]:25522");
    }

    @Test
    void anIpv6BindIsBracketedInAddressesButNotInTheHostname() throws UsageException {
        ClusterSettings cluster = cluster("--cluster-bind", "[::1]:25520", "--cluster-seed", "[::1]:25520",
                "--queue-db", DB);
        assertThat(cluster.bind()).contains(new ClusterAddress("::1", 25520));
        assertThat(cluster.bind().orElseThrow().toString()).isEqualTo("[::1]:25520");
        Config pekko = cluster.pekkoConfig();
        assertThat(pekko.getString("pekko.remote.artery.canonical.hostname")).isEqualTo("::1");
        assertThat(pekko.getStringList("pekko.cluster.seed-nodes")).containsExactly("pekko://tern@[::1]:25520");
    }

    @Test
    void theSettingsComeFromAConfigFileToo() throws Exception {
        Path file = Files.writeString(dir.resolve("tern.conf"), """
                tern.cluster-bind = "127.0.0.1:25530"
                tern.cluster-seed = ["127.0.0.1:25530", "127.0.0.1:25531"]
                tern.queue-db = "%s"
                tern.cluster.wake-interval = 2s
                """.formatted(DB));
        TernSettings settings = TestSettings.load(dir, "-c", file.toString());
        ClusterSettings cluster = settings.cluster();
        assertThat(cluster.seeds()).containsExactly(new ClusterAddress("127.0.0.1", 25530),
                new ClusterAddress("127.0.0.1", 25531));
        assertThat(cluster.wakeInterval()).isEqualTo(Duration.ofSeconds(2));
        // the actor system gets the member's settings over the service's own
        Config system = settings.actorSystemConfig();
        assertThat(system.getString("pekko.actor.provider")).isEqualTo("cluster");
        assertThat(system.getInt("pekko.remote.artery.canonical.port")).isEqualTo(25530);
        assertThat(system.getString("pekko.actor.serialization-bindings.\"dev.tern.relay.ClusterMessage\""))
                .isEqualTo("jackson-cbor");
        assertThat(system.getString("pekko.cluster.split-brain-resolver.active-strategy")).isEqualTo("keep-majority");
    }

    @Test
    void aBindWithoutASeedIsAUsageError() {
        assertThatThrownBy(() -> cluster("--cluster-bind", "127.0.0.1:25520", "--queue-db", DB))
                .isInstanceOf(UsageException.class)
                .hasMessageStartingWith("--cluster-bind needs --cluster-seed");
    }

    @Test
    void aBindWithoutAQueueDbIsAUsageError() {
        assertThatThrownBy(() -> cluster("--cluster-bind", "127.0.0.1:25520", "--cluster-seed", "127.0.0.1:25520"))
                .isInstanceOf(UsageException.class)
                .hasMessageStartingWith("--cluster-bind needs --queue-db");
    }

    @Test
    void aSeedWithoutABindIsAUsageError() {
        assertThatThrownBy(() -> cluster("--cluster-seed", "127.0.0.1:25520", "--queue-db", DB))
                .isInstanceOf(UsageException.class)
                .hasMessageStartingWith("--cluster-seed needs --cluster-bind");
    }

    @Test
    void aQueueDbThatIsNotPostgresqlIsRefusedWithoutItsPassword() {
        for (String url : List.of("jdbc:mysql://127.0.0.1/tern?user=u&password=S3cret",
                "postgresql://127.0.0.1/tern?password=S3cret", "jdbc:h2:mem:tern;USER=u;PASSWORD=S3cret")) {
            assertThatThrownBy(() -> cluster("--queue-db", url))
                    .as(url)
                    .isInstanceOf(UsageException.class)
                    .hasMessageStartingWith("--queue-db: ")
                    .hasMessageContaining("not a PostgreSQL JDBC URL")
                    .hasMessageNotContaining("S3cret");
        }
    }

    @Test
    void badAddressesNameTheirOption() {
        for (String bad : List.of("127.0.0.1", "127.0.0.1:", ":25520", "127.0.0.1:0", "127.0.0.1:65536",
                "127.0.0.1:port", "::1:25520", "[::1:25520", "[node1]:25520", "bad_host:25520", "-x.example:25520",
                "node one:25520")) {
            assertThatThrownBy(() -> cluster("--cluster-bind", bad, "--cluster-seed", "127.0.0.1:25520",
                    "--queue-db", DB))
                    .as(bad)
                    .isInstanceOf(UsageException.class)
                    .hasMessageStartingWith("--cluster-bind: ");
            assertThatThrownBy(() -> cluster("--cluster-bind", "127.0.0.1:25520", "--cluster-seed", bad,
                    "--queue-db", DB))
                    .as(bad)
                    .isInstanceOf(UsageException.class)
                    .hasMessageStartingWith("--cluster-seed: ");
        }
    }

    @Test
    void aBadAddressIsQuotedWithTheFormExpected() {
        assertThatThrownBy(() -> cluster("--cluster-bind", "bad_host:25520", "--cluster-seed", "127.0.0.1:25520",
                "--queue-db", DB))
                .hasMessage("--cluster-bind: 'bad_host:25520' is not HOST:PORT (e.g. 10.0.0.1:25520, "
                        + "node1.example.net:25520 or [::1]:25520)");
        assertThatThrownBy(() -> cluster("--cluster-bind", "127.0.0.1:99999", "--cluster-seed", "127.0.0.1:25520",
                "--queue-db", DB))
                .hasMessage("--cluster-bind: '99999' is not a port number (1-65535)");
    }

    @Test
    void passwordsAreMaskedInJdbcUrls() {
        assertThat(JdbcUrls.withoutPassword(DB))
                .isEqualTo("jdbc:postgresql://127.0.0.1:5432/tern?user=tern&password=***");
        assertThat(JdbcUrls.withoutPassword("jdbc:postgresql://h/db?password=a%26b&user=u&ssl=true"))
                .isEqualTo("jdbc:postgresql://h/db?password=***&user=u&ssl=true");
        assertThat(JdbcUrls.withoutPassword("jdbc:postgresql://h/db?user=u&PASSWORD=x"))
                .isEqualTo("jdbc:postgresql://h/db?user=u&PASSWORD=***");
        assertThat(JdbcUrls.withoutPassword("jdbc:h2:mem:x;password=y;user=z")).isEqualTo("jdbc:h2:mem:x;password=***;user=z");
        assertThat(JdbcUrls.withoutPassword("jdbc:postgresql://h/db?user=u")).isEqualTo("jdbc:postgresql://h/db?user=u");
    }

    @Test
    void aMissingSeedStopsRunWithExitTwoBeforeStartingAnything() {
        TestSettings.Run run = run("run", "--cluster-bind", "127.0.0.1:25520", "--queue-db", DB);
        assertThat(run.exit()).isEqualTo(Main.USAGE);
        assertThat(run.err()).contains("--cluster-bind needs --cluster-seed").doesNotContain("S3cret");
        assertThat(run.out()).doesNotContain("ready");

        TestSettings.Run badDb = run("run", "--queue-db", "jdbc:mysql://127.0.0.1/t?password=S3cret");
        assertThat(badDb.exit()).isEqualTo(Main.USAGE);
        assertThat(badDb.err()).contains("--queue-db").doesNotContain("S3cret");
    }

    @Test
    void helpListsTheClusterOptions() {
        TestSettings.Run help = run("--help");
        assertThat(help.exit()).isZero();
        assertThat(help.out()).containsPattern("--queue-db URL +JDBC URL of a shared PostgreSQL queue")
                .containsPattern("--cluster-bind HOST:PORT +this node's cluster address")
                .containsPattern("--cluster-seed HOST:PORT +a seed node to join.*; repeatable");
    }

    private TestSettings.Run run(String... words) {
        return TestSettings.run(dir, words);
    }
}
