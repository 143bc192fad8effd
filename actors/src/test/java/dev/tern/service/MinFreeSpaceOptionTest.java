package dev.tern.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --min-free-space} / {@code tern.min-free-space}: the reserve below which MAIL gets 452 4.3.1. */
class MinFreeSpaceOptionTest {

    @TempDir
    Path dir;

    private TernSettings settings(String... args) throws UsageException {
        return SettingsFromArgs.load(dir, args);
    }

    @Test
    void theDefaultIs64MiB() throws UsageException {
        assertThat(settings().minFreeSpace()).isEqualTo(64L * 1024 * 1024);
    }

    @Test
    void theOptionSetsItAndZeroTurnsItOff() throws UsageException {
        assertThat(settings("--min-free-space", "1000000000000000").minFreeSpace()).isEqualTo(1_000_000_000_000_000L);
        assertThat(settings("--min-free-space=0").minFreeSpace()).isZero();
    }

    @Test
    void aBadValueNamesTheOption() {
        assertThatThrownBy(() -> settings("--min-free-space", "lots")).isInstanceOf(UsageException.class)
                .hasMessageStartingWith("--min-free-space: 'lots'");
        assertThatThrownBy(() -> settings("--min-free-space=-1")).isInstanceOf(UsageException.class)
                .hasMessageStartingWith("--min-free-space:");
    }

    @Test
    void helpListsIt() {
        assertThat(CommandLine.help()).contains("--min-free-space BYTES", "452 4.3.1");
    }
}
