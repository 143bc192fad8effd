package dev.tern.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

import dev.tern.files.Durable;
import dev.tern.files.PrivateFiles;

/**
 * The numbered mailbox: messages {@code 1, 2, 3, …} in arrival order, each with an
 * {@code <n>.status} file of IMAP flags. Numbers are chosen under an exclusive lock on
 * the mailbox's lock file, so that concurrent deliveries — from this process or another
 * Tern on the same mail root — never collide nor leave gaps.
 */
public final class NumberedStore implements MailboxStore {

    static final String LOCK_FILE = ".tern-lock";
    /** The last number handed out: a hint that saves a directory scan per delivery. */
    static final String LAST_FILE = ".tern-last";
    static final byte[] NEW_MESSAGE_FLAGS = "\\Recent\n".getBytes(StandardCharsets.US_ASCII);

    /**
     * File locks belong to the whole JVM: a second thread asking for one it holds gets
     * OverlappingFileLockException instead of waiting. Threads of this process therefore
     * queue here first; the file lock then serialises against other processes.
     */
    private static final ConcurrentHashMap<Path, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();

    private final Path mailRoot;

    public NumberedStore(Path mailRoot) {
        this.mailRoot = mailRoot;
    }

    @Override
    public Path deliver(String user, StagedMessage message) throws IOException {
        Path mailbox = mailRoot.resolve(user);
        create(user);
        Durable.syncFile(message.file()); // the number becomes visible at once: the data must already be durable
        ReentrantLock threads = IN_PROCESS.computeIfAbsent(mailbox.toAbsolutePath().normalize(), p -> new ReentrantLock());
        threads.lock();
        try (FileChannel lockChannel = PrivateFiles.open(mailbox.resolve(LOCK_FILE),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = lockChannel.lock()) {
            long n = nextNumber(mailbox);
            Path target = mailbox.resolve(Long.toString(n));
            writeStatus(mailbox, n);
            SpoolLinks.place(message.file(), target);
            writeAtomically(mailbox, LAST_FILE, Long.toString(n).getBytes(StandardCharsets.US_ASCII));
            Durable.syncDirectory(mailbox);
            return target;
        } finally {
            threads.unlock();
        }
    }

    /** The hint says n; trust it only if n exists and n+1 does not (a crash may have left either). */
    private static long nextNumber(Path mailbox) throws IOException {
        Path last = mailbox.resolve(LAST_FILE);
        if (Files.exists(last)) {
            try {
                long hint = Long.parseLong(Files.readString(last, StandardCharsets.US_ASCII).strip());
                boolean consistent = (hint == 0 || Files.exists(mailbox.resolve(Long.toString(hint))))
                        && !Files.exists(mailbox.resolve(Long.toString(hint + 1)));
                if (consistent) {
                    return hint + 1;
                }
            } catch (NumberFormatException corrupt) {
                // fall through to the scan
            }
        }
        return highestNumber(mailbox) + 1;
    }

    private static long highestNumber(Path mailbox) throws IOException {
        long highest = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(mailbox)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (isMessageNumber(name)) {
                    highest = Math.max(highest, Long.parseLong(name));
                }
            }
        }
        return highest;
    }

    private static boolean isMessageNumber(String name) {
        return !name.isEmpty() && name.length() < 19 && name.chars().allMatch(Character::isDigit);
    }

    /** The numbered files (not their .status files); one directory listing. */
    @Override
    public OptionalLong messageCount(String user) throws IOException {
        Path mailbox = mailRoot.resolve(user);
        if (!Files.isDirectory(mailbox)) {
            return OptionalLong.of(0);
        }
        long count = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(mailbox)) {
            for (Path entry : entries) {
                if (isMessageNumber(entry.getFileName().toString())) {
                    count++;
                }
            }
        }
        return OptionalLong.of(count);
    }

    private static void writeStatus(Path mailbox, long n) throws IOException {
        writeAtomically(mailbox, n + ".status", NEW_MESSAGE_FLAGS);
    }

    private static void writeAtomically(Path mailbox, String name, byte[] content) throws IOException {
        Path temp = mailbox.resolve("." + name + ".tmp");
        try (FileChannel channel = PrivateFiles.open(temp, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            channel.write(java.nio.ByteBuffer.wrap(content));
            channel.force(true);
        }
        SpoolLinks.replace(temp, mailbox.resolve(name));
    }

    @Override
    public void retract(Path delivered) throws IOException {
        Path mailbox = delivered.getParent();
        ReentrantLock threads = IN_PROCESS.computeIfAbsent(mailbox.toAbsolutePath().normalize(), p -> new ReentrantLock());
        threads.lock();
        try (FileChannel lockChannel = PrivateFiles.open(mailbox.resolve(LOCK_FILE),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = lockChannel.lock()) {
            // Only the newest number can go without leaving a gap; an older one stays (a duplicate beats a hole).
            long n = Long.parseLong(delivered.getFileName().toString());
            if (highestNumber(mailbox) == n) {
                Files.deleteIfExists(delivered);
                Files.deleteIfExists(mailbox.resolve(n + ".status"));
                writeAtomically(mailbox, LAST_FILE, Long.toString(n - 1).getBytes(StandardCharsets.US_ASCII));
                Durable.syncDirectory(mailbox);
            }
        } finally {
            threads.unlock();
        }
    }

    /** The mailbox is 0700 and its files 0600 ({@link PrivateFiles}); the mail root is left shareable. */
    @Override
    public void create(String user) throws IOException {
        Path mailbox = mailRoot.resolve(user);
        if (!Files.isDirectory(mailbox)) {
            Files.createDirectories(mailRoot); // an IMAP server running as another user traverses it
        }
        PrivateFiles.createDirectories(mailbox);
    }
}
