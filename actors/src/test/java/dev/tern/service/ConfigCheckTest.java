package dev.tern.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tern.tls.PemEncoding;
import dev.tern.tls.SelfSignedCertificate;
import dev.tern.tls.TlsCredentials;

/** {@code tern check}: the configuration validated as run would, the settings printed as postconf -n does. */
class ConfigCheckTest {

    @TempDir
    Path dir;

    private record Outcome(int exit, String stdout, String stderr) {
        List<String> stdoutLines() {
            return stdout.lines().toList();
        }

        List<String> stderrLines() {
            return stderr.lines().filter(line -> !line.isBlank()).toList();
        }
    }

    private Outcome check(String configText, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("check"));
        if (configText != null) {
            Path file = dir.resolve("tern.conf");
            Files.writeString(file, configText);
            all.addAll(List.of("-c", file.toString()));
        }
        all.addAll(List.of(args));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Main.run(all.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void printsTheSettingsThatDifferFromTheDefaultsSortedAsHocon() throws Exception {
        Outcome outcome = check("""
                tern {
                  store = numbered
                  inbound = ["127.0.0.1:2600"]
                  idle-timeout = 10m
                  max-recipients = 100
                  relay.timeouts.connect = 10s
                }
                """, "--hostname", "mx.example.test", "--data-dir", dir.toString());

        assertThat(outcome.exit()).as(outcome.stderr()).isZero();
        assertThat(outcome.stderr()).isEmpty();
        assertThat(outcome.stdoutLines()).containsExactly(
                "tern.data-dir = \"" + dir + "\"",
                "tern.hostname = \"mx.example.test\"",
                "tern.idle-timeout = \"10m\"",
                "tern.inbound = [\"127.0.0.1:2600\"]",
                "tern.relay.timeouts.connect = \"10s\"",
                "tern.store = \"numbered\"");
    }

    @Test
    void allPrintsEverySettingDefaultsIncluded() throws Exception {
        Outcome outcome = check("tern.store = numbered\n", "--all");

        assertThat(outcome.exit()).as(outcome.stderr()).isZero();
        assertThat(outcome.stdoutLines()).contains("tern.store = \"numbered\"", "tern.max-recipients = 100",
                "tern.outbound = [\"127.0.0.1:2587\",\"[::1]:2587\"]", "tern.relay.timeouts.data-end = \"10m\"",
                "tern.shutdown-grace = \"30s\"");
        assertThat(outcome.stdoutLines()).isSorted().allMatch(line -> line.matches("tern\\.[a-z.-]+ = .+"));
    }

    @Test
    void withoutAnyConfigurationNothingDiffers() throws Exception {
        Outcome outcome = check(null);
        assertThat(outcome.exit()).as(outcome.stderr()).isZero();
        assertThat(outcome.stdout()).isEmpty();
    }

    @Test
    void aBadValueInTheFileExitsTwoWithOneLineNamingTheKey() throws Exception {
        record Case(String config, String key) {
        }
        for (Case c : List.of(
                new Case("tern.store = mbox", "tern.store"),
                new Case("tern.max-message-size = lots", "tern.max-message-size"),
                new Case("tern.inbound = [\"127.0.0.1:99999\"]", "tern.inbound"),
                new Case("tern.min-free-space = -1", "tern.min-free-space"),
                new Case("tern.max-recipients = 0", "tern.max-recipients"),
                new Case("tern.idle-timeout = soon", "idle-timeout"),
                new Case("tern.outbound = [\"192.0.2.1:25\"]", "tern.outbound"))) {
            Outcome outcome = check(c.config() + "\n");
            assertThat(outcome.exit()).as(c + ": " + outcome).isEqualTo(2);
            assertThat(outcome.stderrLines()).as(c.toString()).hasSize(1);
            assertThat(outcome.stderrLines().get(0)).as(c.toString()).startsWith("tern: ").contains(c.key());
            assertThat(outcome.stdout()).as(c.toString()).isEmpty();
        }
    }

    @Test
    void aBadOptionIsNamedByKeyAndOption() throws Exception {
        Outcome outcome = check(null, "--store", "mbox");
        assertThat(outcome.exit()).isEqualTo(2);
        assertThat(outcome.stderrLines()).containsExactly("tern: tern.store (--store): 'mbox' is not maildir or numbered");
    }

    @Test
    void anUnknownKeyIsAWarningAndNotPrinted() throws Exception {
        Outcome outcome = check("tern { store = numbered, stroe = maildir, relay.timeouts.conect = 1s }\n");
        assertThat(outcome.exit()).as(outcome.stderr()).isZero();
        assertThat(outcome.stderrLines()).containsExactly(
                "tern: warning: tern.relay.timeouts.conect is not a setting Tern knows; it is ignored (a typo?)",
                "tern: warning: tern.stroe is not a setting Tern knows; it is ignored (a typo?)");
        assertThat(outcome.stdoutLines()).containsExactly("tern.store = \"numbered\"");
    }

    @Test
    void theCertificateAndKeyAreLoadedAndABadOneIsNamed() throws Exception {
        TlsCredentials pair = SelfSignedCertificate.generate("mail.example.test");
        TlsCredentials other = SelfSignedCertificate.generate("other.example.test");
        Path cert = Files.writeString(dir.resolve("fullchain.pem"), PemEncoding.certificates(pair.chain()));
        Path key = Files.writeString(dir.resolve("privkey.pem"), PemEncoding.pkcs8(pair.privateKey()));
        Path wrongKey = Files.writeString(dir.resolve("other.pem"), PemEncoding.pkcs8(other.privateKey()));
        Path missing = dir.resolve("missing.pem");

        Outcome good = check(null, "--tls-cert", cert.toString(), "--tls-key", key.toString());
        assertThat(good.exit()).as(good.stderr()).isZero();
        assertThat(good.stdoutLines()).containsExactly("tern.tls-cert = \"" + cert + "\"",
                "tern.tls-key = \"" + key + "\"");

        Outcome noCert = check(null, "--tls-cert", missing.toString(), "--tls-key", key.toString());
        assertThat(noCert.exit()).isEqualTo(2);
        assertThat(noCert.stderrLines()).singleElement().asString()
                .startsWith("tern: tern.tls-cert (--tls-cert): certificate file " + missing).contains("does not exist");

        Outcome keySwapped = check(null, "--tls-cert", cert.toString(), "--tls-key", cert.toString());
        assertThat(keySwapped.exit()).isEqualTo(2);
        assertThat(keySwapped.stderrLines()).singleElement().asString().startsWith("tern: tern.tls-key (--tls-key): ");

        Outcome notItsKey = check(null, "--tls-cert", cert.toString(), "--tls-key", wrongKey.toString());
        assertThat(notItsKey.exit()).isEqualTo(2);
        assertThat(notItsKey.stderrLines()).singleElement().asString()
                .startsWith("tern: tern.tls-key (--tls-key): private key file " + wrongKey).contains("does not match");
    }

    @Test
    void checkTakesNoWordsAndIsInTheHelp() throws Exception {
        Outcome outcome = check(null, "now");
        assertThat(outcome.exit()).isEqualTo(2);
        assertThat(outcome.stderrLines()).singleElement().asString().contains("check");
        assertThat(CommandLine.help()).contains("./tern check", "--all");
    }
}
