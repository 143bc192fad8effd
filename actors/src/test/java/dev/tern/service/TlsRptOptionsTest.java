package dev.tern.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tern.tlsrpt.TlsRptSettings;

/** {@code tern.tls-rpt}: on by default, daily, counts under the data directory; bad values name their key. */
class TlsRptOptionsTest {

    @TempDir
    Path dir;

    private TlsRptSettings with(String hocon) throws UsageException, IOException {
        Path conf = Files.writeString(dir.resolve("tern.conf"), hocon + "\n");
        return TestSettings.load(dir, "-c", conf.toString(), "--hostname", "mx.tern.test").tlsRpt();
    }

    @Test
    void onAndDailyByDefault() throws Exception {
        TlsRptSettings settings = with("");
        assertThat(settings.enabled()).isTrue();
        assertThat(settings.interval()).isEqualTo(Duration.ofDays(1));
        assertThat(settings.submitter()).isEqualTo("mx.tern.test");
        assertThat(settings.contact()).isEqualTo("postmaster@mx.tern.test");
        assertThat(settings.stateFile().getFileName().toString()).isEqualTo("counts.json");
        assertThat(settings.stateFile().getParent().getFileName().toString()).isEqualTo("tls-rpt");
    }

    @Test
    void offAndAContact() throws Exception {
        TlsRptSettings settings = with("tern.tls-rpt { enabled = off, contact = \"tls@example.com\" }");
        assertThat(settings.enabled()).isFalse();
        assertThat(settings.contact()).isEqualTo("tls@example.com");
    }

    @Test
    void aBadValueIsAUsageErrorNamingTheKey() {
        assertThatThrownBy(() -> TestSettings.load(dir, "-c", Files.writeString(dir.resolve("bad.conf"),
                "tern.tls-rpt.interval = soon\n").toString()))
                .isInstanceOf(UsageException.class).hasMessageStartingWith("tern.tls-rpt.interval: ");
        assertThatThrownBy(() -> with("tern.tls-rpt.max-domains = 0"))
                .hasMessageStartingWith("tern.tls-rpt.max-domains");
        assertThatThrownBy(() -> with("tern.tls-rpt.contact = \"nobody\""))
                .hasMessageStartingWith("tern.tls-rpt.contact: ");
    }
}
