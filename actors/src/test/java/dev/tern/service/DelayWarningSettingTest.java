package dev.tern.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code tern.relay.delay-warning}: 4h by default, a duration, or off. */
class DelayWarningSettingTest {

    @TempDir
    Path dir;

    private Duration with(String value) throws UsageException, IOException {
        Path conf = Files.writeString(dir.resolve("tern.conf"), "tern.relay.delay-warning = " + value + "\n");
        return TestSettings.load(dir, "-c", conf.toString()).relay().delayWarning();
    }

    @Test
    void fourHoursByDefault() throws UsageException {
        assertThat(TestSettings.load(dir).relay().delayWarning()).isEqualTo(Duration.ofHours(4));
    }

    @Test
    void aDuration() throws Exception {
        assertThat(with("30m")).isEqualTo(Duration.ofMinutes(30));
    }

    @ParameterizedTest
    @ValueSource(strings = {"off", "\"off\"", "0", "0s"})
    void offOrZeroTurnsThemOff(String value) throws Exception {
        assertThat(with(value)).isZero();
    }

    @Test
    void aBadValueNamesTheKey() {
        assertThatThrownBy(() -> with("soon")).hasMessageStartingWith("tern.relay.delay-warning: ");
        assertThatThrownBy(() -> with("on")).hasMessageStartingWith("tern.relay.delay-warning: ");
    }
}
