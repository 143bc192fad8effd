package dev.tern.aliases;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The aliases file as the running service sees it: re-read when it changes, so that an edit
 * takes effect without a restart. Its mtime, size and inode are looked at on a lookup at most
 * once per {@link #CHECK_INTERVAL} (a stat(2) per few RCPTs, not per RCPT); SIGHUP
 * ({@link #reload}) reads it regardless. Problems are logged as errors naming file and line,
 * and the entries in error are left out; a file that cannot be read keeps the table last read.
 */
public final class Aliases implements Supplier<AliasTable> {

    static final Duration CHECK_INTERVAL = Duration.ofSeconds(1);

    private static final Logger LOG = LoggerFactory.getLogger(Aliases.class);
    /** A version no stat(2) gives: the next lookup reads the file. */
    private static final Object UNREAD = new Object();

    private final Path file;
    private final Set<String> localDomains;
    private final LongSupplier nanoClock;
    private final AtomicLong nextCheck = new AtomicLong(Long.MIN_VALUE);
    private volatile Snapshot snapshot = new Snapshot(UNREAD, AliasTable.empty());

    private record Snapshot(Object version, AliasTable table) {
    }

    public Aliases(Path file, Set<String> localDomains) {
        this(file, localDomains, System::nanoTime);
    }

    Aliases(Path file, Set<String> localDomains, LongSupplier nanoClock) {
        this.file = file;
        this.localDomains = Set.copyOf(localDomains);
        this.nanoClock = nanoClock;
    }

    public Path file() {
        return file;
    }

    /** The table now, read again first if the file changed and the last look is older than the interval. */
    @Override
    public AliasTable get() {
        long now = nanoClock.getAsLong();
        long due = nextCheck.get();
        if ((due == Long.MIN_VALUE || now - due >= 0) && nextCheck.compareAndSet(due, now + CHECK_INTERVAL.toNanos())) {
            Object version = version();
            Snapshot seen = snapshot;
            if (!Objects.equals(version, seen.version())) {
                return read(version, seen);
            }
        }
        return snapshot.table();
    }

    /** SIGHUP: reads the file now, changed or not. */
    public AliasTable reload() {
        return read(version(), snapshot);
    }

    private synchronized AliasTable read(Object version, Snapshot seen) {
        try {
            AliasTable table = AliasTable.of(file, AliasFile.read(file, localDomains));
            snapshot = new Snapshot(version, table);
            log(table.problems());
            if (!"missing".equals(version) || seen.version() != UNREAD) {
                LOG.info("aliases {} loaded: {} aliases{}", file, table.size(),
                        table.problems().isEmpty() ? "" : ", " + table.problems().size() + " lines in error left out");
            }
            return table;
        } catch (IOException e) {
            LOG.error("cannot read aliases {}: {}; keeping the {} aliases last read", file, e.getMessage(),
                    seen.table().size());
            snapshot = new Snapshot(version, seen.table());
            return seen.table();
        }
    }

    private static void log(List<AliasProblem> problems) {
        problems.forEach(problem -> LOG.error("aliases {}", problem));
    }

    /** mtime, size and inode together: an atomic rewrite changes the inode even within one mtime tick. */
    private Object version() {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            return List.of(attributes.lastModifiedTime(), attributes.size(), String.valueOf(attributes.fileKey()));
        } catch (NoSuchFileException missing) {
            return "missing";
        } catch (IOException e) {
            LOG.error("cannot stat aliases {}: {}; keeping the aliases last read", file, e.getMessage());
            return snapshot.version();
        }
    }
}
