package dev.tern.users;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The user db as the running service sees it: re-read whenever the file changes, so that
 * {@code tern user add} takes effect without a restart. A lookup costs one stat(2);
 * the file itself is the only shared state. Edits made in this process ({@link UserAccounts})
 * are written through {@link #write}, after which the next lookup reads the file again
 * whatever its stat says.
 */
public final class UserDirectory {

    private static final Logger LOG = LoggerFactory.getLogger(UserDirectory.class);

    private final Path file;
    /** A version no stat(2) gives: the next lookup reads the file. */
    private static final Object UNREAD = new Object();

    private volatile Snapshot snapshot = new Snapshot(UNREAD, UserDb.empty());

    private record Snapshot(Object version, UserDb db) {
    }

    public UserDirectory(Path file) {
        this.file = file;
    }

    public Path file() {
        return file;
    }

    /**
     * Replaces the file (atomically, 0600) and forgets the snapshot. Two quick rewrites of the
     * same size within one mtime tick could reuse the inode of the version last read, and
     * look unchanged to stat(2); a write through here is never missed that way.
     */
    public void write(UserDb db) throws IOException {
        db.write(file);
        snapshot = new Snapshot(UNREAD, snapshot.db());
    }

    public boolean exists(String user) {
        return current().contains(user);
    }

    public UserDb current() {
        Object version = version();
        Snapshot seen = snapshot;
        if (Objects.equals(version, seen.version())) {
            return seen.db();
        }
        return read(version, seen);
    }

    /**
     * Reads the file now, changed or not (SIGHUP): an edit that kept its size, mtime and inode
     * (an editor writing in place within one mtime tick) is seen too.
     */
    public UserDb reload() {
        return read(version(), snapshot);
    }

    private UserDb read(Object version, Snapshot seen) {
        try {
            UserDb db = UserDb.read(file);
            snapshot = new Snapshot(version, db);
            LOG.info("user db {} loaded: {} users", file, db.names().size());
            return db;
        } catch (IOException e) {
            LOG.error("cannot read user db {}: {}; keeping the previous {} users", file, e.getMessage(),
                    seen.db().names().size());
            return seen.db();
        }
    }

    /** mtime, size and inode together: an atomic rewrite changes the inode even within one mtime tick. */
    private Object version() {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            return java.util.List.of(attributes.lastModifiedTime(), attributes.size(),
                    String.valueOf(attributes.fileKey()));
        } catch (NoSuchFileException missing) {
            return "missing";
        } catch (IOException e) {
            LOG.error("cannot stat user db {}: {}; keeping the users last read", file, e.getMessage());
            return snapshot.version();
        }
    }
}
