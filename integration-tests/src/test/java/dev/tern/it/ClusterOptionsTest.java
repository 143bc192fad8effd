package dev.tern.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** {@code --cluster-bind} needs {@code --cluster-seed} and {@code --queue-db}: without either, exit 2 naming it. */
class ClusterOptionsTest {

    @Test
    void clusterBindWithoutQueueDbExitsTwoNamingIt() {
        String bind = "127.0.0.1:" + TestDirs.freePort();
        assertExitsTwoNaming("--queue-db", "--cluster-bind", bind, "--cluster-seed", bind);
    }

    @Test
    void clusterBindWithoutASeedExitsTwoNamingIt() {
        assertExitsTwoNaming("--cluster-seed", "--cluster-bind", "127.0.0.1:" + TestDirs.freePort(),
                "--queue-db", "jdbc:postgresql://127.0.0.1:" + TestDirs.freePort() + "/tern?user=tern&password=x");
    }

    private static void assertExitsTwoNaming(String missing, String... clusterArgs) {
        Path dir = TestDirs.create("cluster-cli");
        try {
            List<String> args = new ArrayList<>(List.of("run", "--data-dir", dir.toString(),
                    "--inbound", "127.0.0.1:" + TestDirs.freePort(), "--outbound", "127.0.0.1:" + TestDirs.freePort(),
                    "--smtps", "127.0.0.1:" + TestDirs.freePort(), "--http", "off"));
            args.addAll(List.of(clusterArgs));
            Exec.Result result = Exec.run(TernProcess.ADMIN_TIMEOUT, null,
                    Exec.java(TernProcess.ADMIN_JVM, TernProcess.MAIN, args));
            assertThat(result.exitCode()).as(result.describe()).isEqualTo(2);
            assertThat(result.stderrLines()).as(result.describe()).hasSize(1);
            assertThat(result.stderrLines().get(0)).as(result.describe()).contains(missing);
            assertThat(result.stdout().lines()).as("stdout lines").doesNotContain("ready");
        } finally {
            TestDirs.deleteQuietly(dir);
        }
    }
}
