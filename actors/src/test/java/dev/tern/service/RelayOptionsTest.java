package dev.tern.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tern.relay.RelaySettings;
import dev.tern.streams.client.TlsPolicy;

/** The relaying options of shared/CLI.md: defaults, values, and errors that name the option. */
class RelayOptionsTest {

    @TempDir
    Path dir;

    private RelaySettings relay(String... args) throws UsageException {
        return TestSettings.load(dir, args).relay();
    }

    @Test
    void defaultsAreThoseOfTheCommandLineContract() throws UsageException {
        RelaySettings relay = relay();
        assertThat(relay.dns()).isEmpty();
        assertThat(relay.remotePort()).isEqualTo(25);
        assertThat(relay.tls()).isEqualTo(TlsPolicy.OPPORTUNISTIC);
        assertThat(relay.queueDir()).isEqualTo(dir.resolve("queue"));
        assertThat(relay.backoff().initial()).isEqualTo(Duration.ofMinutes(1));
        assertThat(relay.backoff().max()).isEqualTo(Duration.ofHours(1));
        assertThat(relay.queueLifetime()).isEqualTo(Duration.ofDays(5));
        assertThat(relay.timeouts().greeting()).isEqualTo(Duration.ofMinutes(5));
        assertThat(relay.timeouts().dataEnd()).isEqualTo(Duration.ofMinutes(10));
    }

    @Test
    void optionsSetEveryRelayValue() throws UsageException {
        RelaySettings relay = relay("--dns", "127.0.0.1:5353", "--dns", "::1", "--remote-port", "2525",
                "--outbound-tls", "required", "--queue-dir", dir.resolve("q").toString(), "--retry-initial", "500ms",
                "--retry-max", "30s", "--queue-lifetime", "2h");
        assertThat(relay.dns()).containsExactly(new InetSocketAddress("127.0.0.1", 5353), new InetSocketAddress("::1", 53));
        assertThat(relay.remotePort()).isEqualTo(2525);
        assertThat(relay.tls()).isEqualTo(TlsPolicy.REQUIRED);
        assertThat(relay.queueDir()).isEqualTo(dir.resolve("q"));
        assertThat(relay.backoff().initial()).isEqualTo(Duration.ofMillis(500));
        assertThat(relay.backoff().max()).isEqualTo(Duration.ofSeconds(30));
        assertThat(relay.queueLifetime()).isEqualTo(Duration.ofHours(2));
    }

    @Test
    void dnsServersTakeEveryNumericForm() throws UsageException {
        assertThat(RelaySettingsParser.dnsServer("127.0.0.53")).isEqualTo(new InetSocketAddress("127.0.0.53", 53));
        assertThat(RelaySettingsParser.dnsServer("[::1]:5300")).isEqualTo(new InetSocketAddress("::1", 5300));
        assertThat(RelaySettingsParser.dnsServer("[::1]")).isEqualTo(new InetSocketAddress("::1", 53));
        assertThatThrownBy(() -> RelaySettingsParser.dnsServer("dns.example")).hasMessageStartingWith("--dns: ");
    }

    @Test
    void badValuesNameTheirOption() {
        assertThatThrownBy(() -> relay("--remote-port", "0")).hasMessageStartingWith("--remote-port: ");
        assertThatThrownBy(() -> relay("--outbound-tls", "maybe")).hasMessageStartingWith("--outbound-tls: ");
        assertThatThrownBy(() -> relay("--retry-initial", "soon")).hasMessageStartingWith("--retry-initial: ");
        assertThatThrownBy(() -> relay("--queue-lifetime", "0s")).hasMessageStartingWith("--queue-lifetime: ");
        assertThatThrownBy(() -> relay("--retry-initial", "2h", "--retry-max", "1h")).hasMessageStartingWith("--retry-max: ");
    }

    @Test
    void queueCommandsWorkWithoutARunningService() {
        TestSettings.Run list = run("queue", "list");
        assertThat(list.exit()).isZero();
        assertThat(list.out()).contains("Mail queue is empty");

        TestSettings.Run flush = run("queue", "flush");
        assertThat(flush.exit()).isEqualTo(Main.FAILURE);
        assertThat(flush.err()).contains("not running");

        TestSettings.Run remove = run("queue", "remove", "NOSUCHID-1");
        assertThat(remove.exit()).isEqualTo(Main.FAILURE);
        assertThat(remove.err()).contains("no queue entry NOSUCHID-1");

        assertThat(run("queue", "remove", "../etc").exit()).isEqualTo(Main.USAGE);
        assertThat(run("queue", "purge").exit()).isEqualTo(Main.USAGE);
        assertThat(run("queue").exit()).isEqualTo(Main.USAGE);
    }

    private TestSettings.Run run(String... words) {
        return TestSettings.run(dir, words);
    }
}
