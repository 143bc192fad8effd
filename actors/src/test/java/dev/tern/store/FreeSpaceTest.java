package dev.tern.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FreeSpaceTest {

    private static final Path MAIL = Path.of("/mail");
    private static final Path SPOOL = Path.of("/spool");
    private static final long MIB = 1024 * 1024;

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final AtomicInteger readings = new AtomicInteger();

    private FreeSpace space(long reserve, Map<Path, Long> usable) {
        return new FreeSpace(List.copyOf(usable.keySet()), reserve, directory -> {
            readings.incrementAndGet();
            return usable.get(directory);
        }, nanos::get);
    }

    @Test
    void theLeastUsableSpaceAmongTheDirectoriesCounts() {
        FreeSpace space = space(64 * MIB, Map.of(MAIL, 10_000 * MIB, SPOOL, 63 * MIB));
        assertThat(space.low()).isTrue();
        assertThat(space(64 * MIB, Map.of(MAIL, 10_000 * MIB, SPOOL, 64 * MIB)).low()).isFalse();
    }

    @Test
    void aDeclaredSizeMustLeaveTheReserveFree() {
        FreeSpace space = space(64 * MIB, Map.of(MAIL, 100 * MIB));
        assertThat(space.low()).isFalse();
        assertThat(space.roomFor(36 * MIB)).isTrue();
        assertThat(space.roomFor(36 * MIB + 1)).isFalse();
        assertThat(space.roomFor(999_999_999_999_999_999L)).as("no overflow").isFalse();
    }

    @Test
    void oneReadingServesForASecond() {
        FreeSpace space = space(64 * MIB, Map.of(MAIL, 100 * MIB, SPOOL, 100 * MIB));
        for (int i = 0; i < 100; i++) {
            space.low();
            space.roomFor(1000);
        }
        assertThat(readings).as("two directories, read once").hasValue(2);

        nanos.addAndGet(FreeSpace.FRESH.toNanos());
        space.low();
        assertThat(readings).hasValue(4);
    }

    @Test
    void aZeroReserveNeverReadsNorRefuses() {
        FreeSpace space = space(0, Map.of(MAIL, 0L));
        assertThat(space.low()).isFalse();
        assertThat(space.roomFor(Long.MAX_VALUE / 2)).isTrue();
        assertThat(readings).hasValue(0);
    }

    @Test
    void aDirectoryThatCannotBeReadDoesNotRefuseMail() {
        FreeSpace space = new FreeSpace(List.of(MAIL), 64 * MIB, directory -> {
            throw new IOException("no such file system");
        }, nanos::get);
        assertThat(space.low()).isFalse();
    }

    @Test
    void realDirectoriesAreMeasured(@TempDir Path dir) {
        assertThat(new FreeSpace(List.of(dir), 1).low()).as("a test machine has one octet free").isFalse();
        assertThat(new FreeSpace(List.of(dir), Long.MAX_VALUE).low()).isTrue();
    }
}
