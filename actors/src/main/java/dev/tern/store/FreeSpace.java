package dev.tern.store;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tern.protocol.StorageSpace;

/**
 * Free space where mail is written (mail root, incoming spool, queue), as the dialogue asks
 * at MAIL FROM: below {@code tern.min-free-space} new mail gets 452 4.3.1 before it is sent,
 * as with Postfix's {@code queue_minfree}. The least usable space of the directories counts.
 * One reading serves every session for a second, so MAIL does not statvfs(2) each time.
 *
 * <p>This only answers early: a write that fails later still gives a 4xx with nothing half stored.
 * A directory whose space cannot be read is left out (and logged) rather than refusing mail.
 */
public final class FreeSpace implements StorageSpace {

    private static final Logger LOG = LoggerFactory.getLogger(FreeSpace.class);
    static final Duration FRESH = Duration.ofSeconds(1);

    /** Usable octets on the file system holding a directory; {@link FileStore#getUsableSpace} in service. */
    @FunctionalInterface
    interface Measure {
        long usable(Path directory) throws IOException;
    }

    private record Reading(long nanos, long usable) {
    }

    private final List<Path> directories;
    private final long reserve;
    private final Measure measure;
    private final LongSupplier nanoTime;
    private volatile Reading last;
    private volatile boolean reportedLow;

    /** @param reserve octets to keep free (min-free-space); 0 never finds space low */
    public FreeSpace(List<Path> directories, long reserve) {
        this(directories, reserve, directory -> Files.getFileStore(directory).getUsableSpace(), System::nanoTime);
    }

    FreeSpace(List<Path> directories, long reserve, Measure measure, LongSupplier nanoTime) {
        if (reserve < 0) {
            throw new IllegalArgumentException("min-free-space must not be negative: " + reserve);
        }
        this.directories = List.copyOf(directories);
        this.reserve = reserve;
        this.measure = measure;
        this.nanoTime = nanoTime;
    }

    @Override
    public boolean low() {
        return reserve > 0 && usable() < reserve;
    }

    @Override
    public boolean roomFor(long octets) {
        // usable >= 0 and octets < 10^19 (RFC 1870 SIZE, at most 18 digits here): no overflow
        return reserve == 0 ? true : usable() - octets >= reserve;
    }

    /** The least usable space among the directories, read at most once per {@link #FRESH}. */
    long usable() {
        long now = nanoTime.getAsLong();
        Reading reading = last;
        if (reading != null && now - reading.nanos() < FRESH.toNanos()) {
            return reading.usable();
        }
        long least = Long.MAX_VALUE;
        Path where = null;
        for (Path directory : directories) {
            try {
                long usable = measure.usable(directory);
                if (usable < least) {
                    least = usable;
                    where = directory;
                }
            } catch (IOException | RuntimeException e) {
                LOG.warn("cannot read the free space of {}: {}", directory, e.toString());
            }
        }
        last = new Reading(now, least);
        report(least, where);
        return least;
    }

    /** A line when space falls below the reserve and one when it is back: not one per MAIL. */
    private void report(long usable, Path where) {
        boolean low = usable < reserve;
        if (low != reportedLow) {
            reportedLow = low;
            if (low) {
                LOG.warn("storage low: {} octets usable on {}, below min-free-space {}: MAIL gets 452 4.3.1 until"
                        + " space is freed (or --min-free-space lowered)", usable, where, reserve);
            } else {
                LOG.info("storage back above min-free-space {}: {} octets usable; accepting mail", reserve, usable);
            }
        }
    }
}
