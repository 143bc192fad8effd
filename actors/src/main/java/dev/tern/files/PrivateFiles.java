package dev.tern.files;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Mail and users are private: directories that hold them are 0700, files 0600 (mailboxes,
 * the incoming spool, the queue, the user db, keys). The mode is given to mkdir(2) and
 * open(2) themselves, so there is no moment when a new file is readable by others, and a
 * permissive umask cannot widen it (a umask only takes bits away). A hard link shares its
 * inode, mode included: a message linked from a 0600 staged file is 0600 in every mailbox.
 *
 * <p>Existing directories and files keep their mode: Tern does not chmod what an
 * administrator set up. On a file system without POSIX permissions the system's defaults apply.
 */
public final class PrivateFiles {

    public static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
    public static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");

    private PrivateFiles() {
    }

    /** Creates {@code directory} and any missing parents, each new one 0700; returns it. */
    public static Path createDirectories(Path directory) throws IOException {
        if (Files.isDirectory(directory)) {
            return directory; // the common case, every delivery: one stat
        }
        try {
            return Files.createDirectories(directory, attributes(directory, DIRECTORY));
        } catch (FileAlreadyExistsException raced) {
            if (Files.isDirectory(directory)) {
                return directory; // another delivery created it a moment ago
            }
            throw raced;
        }
    }

    /** Creates {@code file}, which must not exist, 0600, and opens it for writing. */
    public static FileChannel create(Path file) throws IOException {
        return open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    }

    /** Opens {@code file} with the options given; if they create it, it is created 0600. */
    public static FileChannel open(Path file, OpenOption... options) throws IOException {
        return FileChannel.open(file, new HashSet<>(List.of(options)), attributes(file, FILE));
    }

    /** Copies {@code source} to {@code target}, which must not exist, created 0600; not fsync'd. */
    public static void copy(Path source, Path target) throws IOException {
        try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ);
             FileChannel out = create(target)) {
            long size = in.size();
            for (long done = 0; done < size; ) {
                done += in.transferTo(done, size - done, out);
            }
        }
    }

    /** The mode as a creation attribute where the file system has POSIX permissions. */
    static FileAttribute<?>[] attributes(Path path, Set<PosixFilePermission> permissions) {
        return path.getFileSystem().supportedFileAttributeViews().contains("posix")
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(permissions)}
                : new FileAttribute<?>[0];
    }
}
