package dev.tern.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

import dev.tern.tls.PemEncoding;
import dev.tern.tls.SelfSignedCertificate;
import dev.tern.tls.TlsCredentials;

/**
 * deploy/: the systemd unit is valid for systemd, the production configuration loads, and the
 * installed launcher runs Java as ./tern does.
 */
class DeployFilesTest {

    private static final Path REPO = Path.of(System.getProperty("tern.repo", "..")).toAbsolutePath().normalize();
    private static final Path DEPLOY = REPO.resolve("deploy");
    private static final String INSTALLED_LAUNCHER = "/opt/tern/bin/tern";

    /**
     * {@code systemd-analyze verify} checks that ExecStart's program exists, so the unit is verified
     * as a copy whose launcher path points at deploy/tern in this repository (the file installed
     * there); every other line is the unit as shipped.
     */
    @Test
    void systemdAcceptsTheUnitWithoutAWarning() throws Exception {
        Assumptions.assumeTrue(Exec.onPath("systemd-analyze"), "systemd-analyze is not installed");
        String unit = Files.readString(DEPLOY.resolve("tern.service"), StandardCharsets.UTF_8);
        assertThat(unit).contains("ExecStart=" + INSTALLED_LAUNCHER + " ");
        Path dir = TestDirs.create("unit");
        try {
            Path copy = Files.writeString(dir.resolve("tern.service"),
                    unit.replace(INSTALLED_LAUNCHER, DEPLOY.resolve("tern").toString()), StandardCharsets.UTF_8);
            Exec.Result verify = Exec.run(Duration.ofSeconds(60), "systemd-analyze", "verify", copy.toString());
            assertThat(verify.exitCode()).as(verify.describe()).isZero();
            List<String> output = new ArrayList<>(verify.stdout().lines().toList());
            output.addAll(verify.stderrLines());
            assertThat(output).as("warnings about the unit (unknown keys, bad values, missing programs): "
                    + verify.describe()).noneMatch(line -> line.contains("tern.service") || line.contains("Unknown"));
        } finally {
            TestDirs.deleteQuietly(dir);
        }
    }

    @Test
    void theUnitRunsTheInstalledLauncherWithTheConfigurationUnprivilegedAndHardened() throws Exception {
        List<String> lines = Files.readAllLines(DEPLOY.resolve("tern.service"), StandardCharsets.UTF_8);
        assertThat(lines).contains(
                "User=tern",
                "ExecStart=" + INSTALLED_LAUNCHER + " run -c /etc/tern/tern.conf",
                "ExecReload=/bin/kill -HUP $MAINPID",
                "Restart=on-failure",
                "AmbientCapabilities=CAP_NET_BIND_SERVICE",
                "CapabilityBoundingSet=CAP_NET_BIND_SERVICE",
                "NoNewPrivileges=yes",
                "ProtectSystem=strict",
                "ReadWritePaths=/var/lib/tern",
                "PrivateTmp=yes",
                "ProtectHome=yes",
                "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX");
        assertThat(lines).as("the JIT writes code it then runs").noneMatch(line -> line.startsWith("MemoryDenyWriteExecute="));
        assertThat(lines).as("a capability inside a user namespace binds no port 25")
                .noneMatch(line -> line.startsWith("PrivateUsers="));
    }

    /** Everything tern.conf has Tern write lies in the one directory the unit lets it write. */
    @Test
    void theConfigurationWritesOnlyWhereTheUnitAllows() {
        Config tern = ConfigFactory.parseFile(DEPLOY.resolve("tern.conf").toFile()).getConfig("tern");
        for (String key : List.of("data-dir", "mail-root", "users", "queue-dir")) {
            assertThat(tern.getString(key)).as(key).startsWith("/var/lib/tern");
        }
        assertThat(tern.getStringList("inbound")).containsExactly("[::]:25");
        assertThat(tern.getStringList("smtps")).containsExactly("[::]:465");
        assertThat(tern.getStringList("submission")).containsExactly("[::]:587");
        assertThat(tern.getStringList("http")).containsExactly("127.0.0.1:8025");
        assertThat(tern.getString("tls-cert")).isEqualTo("/etc/tern/tls/fullchain.pem");
        assertThat(tern.getString("tls-key")).isEqualTo("/etc/tern/tls/privkey.pem");
    }

    /** {@code tern check -c deploy/tern.conf}, the certificate paths pointed at test files. */
    @Test
    void theProductionConfigurationPassesCheck() throws Exception {
        Path dir = TestDirs.create("deploy-conf");
        try {
            TlsCredentials pair = SelfSignedCertificate.generate("mail.example.org");
            Path cert = Files.writeString(dir.resolve("fullchain.pem"), PemEncoding.certificates(pair.chain()));
            Path key = Files.writeString(dir.resolve("privkey.pem"), PemEncoding.pkcs8(pair.privateKey()));
            Exec.Result check = Exec.run(TernProcess.ADMIN_TIMEOUT, null, Exec.java(TernProcess.ADMIN_JVM, TernProcess.MAIN,
                    List.of("check", "-c", DEPLOY.resolve("tern.conf").toString(),
                            "--tls-cert", cert.toString(), "--tls-key", key.toString())));
            assertThat(check.exitCode()).as(check.describe()).isZero();
            assertThat(check.stdout().lines().toList()).as(check.describe()).contains(
                    "tern.data-dir = \"/var/lib/tern\"",
                    "tern.domains = [\"example.org\"]",
                    "tern.hostname = \"mail.example.org\"",
                    "tern.inbound = [\"[::]:25\"]",
                    "tern.mail-root = \"/var/lib/tern/mail\"",
                    "tern.queue-dir = \"/var/lib/tern/queue\"",
                    "tern.smtps = [\"[::]:465\"]",
                    "tern.tls-cert = \"" + cert + "\"",
                    "tern.tls-key = \"" + key + "\"",
                    "tern.users = \"/var/lib/tern/users\"");
            assertThat(check.stdout().lines().toList()).isSorted();

            Exec.Result unreadable = Exec.run(TernProcess.ADMIN_TIMEOUT, null, Exec.java(TernProcess.ADMIN_JVM,
                    TernProcess.MAIN, List.of("check", "-c", DEPLOY.resolve("tern.conf").toString(),
                            "--tls-cert", dir.resolve("none.pem").toString(), "--tls-key", key.toString())));
            assertThat(unreadable.exitCode()).as(unreadable.describe()).isEqualTo(2);
            assertThat(unreadable.stderrLines()).as(unreadable.describe()).hasSize(1);
            assertThat(unreadable.stderrLines().get(0)).contains("tern.tls-cert").contains("none.pem");
        } finally {
            TestDirs.deleteQuietly(dir);
        }
    }

    /** deploy/tern (installed as /opt/tern/bin/tern) starts the JVM exactly as ./tern does. */
    @Test
    void theInstalledLauncherUsesTheJvmOptionsOfTheRepositoryLauncher() throws Exception {
        String installed = javaOptions(DEPLOY.resolve("tern"));
        assertThat(installed).isEqualTo(javaOptions(REPO.resolve("tern"))).contains("-XX:+ExitOnOutOfMemoryError");
        assertThat(Files.isExecutable(DEPLOY.resolve("tern"))).isTrue();
        assertThat(Files.readString(DEPLOY.resolve("tern"))).contains("exec java ").contains("-jar \"$home/tern.jar\"");
    }

    private static String javaOptions(Path launcher) throws Exception {
        Matcher matcher = Pattern.compile("\\$\\{TERN_JAVA_OPTS:-([^}]*)}").matcher(Files.readString(launcher));
        assertThat(matcher.find()).as("TERN_JAVA_OPTS default in " + launcher).isTrue();
        return matcher.group(1);
    }
}
