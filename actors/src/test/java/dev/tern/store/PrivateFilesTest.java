package dev.tern.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tern.files.PrivateFiles;

/** Mail is private: every directory and file that holds it is created 0700 / 0600, not by the umask's grace. */
class PrivateFilesTest {

    private static final byte[] MESSAGE = "Subject: private\r\n\r\nfor alice only\r\n".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path temp;

    private static String mode(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }

    /** A staged message as the session writes it. */
    private StagedMessage stage(Path spool, String name) throws IOException {
        PrivateFiles.createDirectories(spool);
        try (FileChannel out = PrivateFiles.create(spool.resolve(name))) {
            out.write(java.nio.ByteBuffer.wrap(MESSAGE));
        }
        return new StagedMessage(spool.resolve(name), MESSAGE.length);
    }

    @Test
    void newDirectoriesAndTheirMissingParentsAre0700() throws IOException {
        Path deep = temp.resolve("a").resolve("b").resolve("c");

        assertThat(PrivateFiles.createDirectories(deep)).isEqualTo(deep);

        assertThat(mode(temp.resolve("a"))).isEqualTo("rwx------");
        assertThat(mode(temp.resolve("a/b"))).isEqualTo("rwx------");
        assertThat(mode(deep)).isEqualTo("rwx------");
    }

    @Test
    void anExistingDirectoryKeepsItsMode() throws IOException {
        Path shared = Files.createDirectory(temp.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxr-x---"));

        PrivateFiles.createDirectories(shared);

        assertThat(mode(shared)).isEqualTo("rwxr-x---");
    }

    @Test
    void newFilesAndCopiesAre0600() throws IOException {
        Path created = temp.resolve("created");
        try (FileChannel ignored = PrivateFiles.create(created)) {
            assertThat(mode(created)).as("from the moment it exists").isEqualTo("rw-------");
        }
        Path readable = Files.write(temp.resolve("readable"), MESSAGE);
        Files.setPosixFilePermissions(readable, PosixFilePermissions.fromString("rw-r--r--"));

        PrivateFiles.copy(readable, temp.resolve("copy"));

        assertThat(mode(temp.resolve("copy"))).isEqualTo("rw-------");
        assertThat(Files.readAllBytes(temp.resolve("copy"))).isEqualTo(MESSAGE);
    }

    @Test
    void aMaildirIs0700ThroughoutAndItsMessages0600() throws IOException {
        Path mailRoot = temp.resolve("mail");
        MaildirStore store = new MaildirStore(mailRoot, "mx.example.org", Clock.systemUTC());

        Path delivered = store.deliver("alice", stage(temp.resolve("spool"), "M1"));

        for (String dir : new String[] {"alice", "alice/tmp", "alice/new", "alice/cur"}) {
            assertThat(mode(mailRoot.resolve(dir))).as(dir).isEqualTo("rwx------");
        }
        assertThat(mode(delivered)).isEqualTo("rw-------");
    }

    @Test
    void theMailRootItselfIsNotMadePrivate() throws IOException {
        Path mailRoot = temp.resolve("mail");
        new MaildirStore(mailRoot, "mx.example.org", Clock.systemUTC()).create("alice");

        // an IMAP server running as another user must traverse it to reach the (private) mailboxes
        assertThat(Files.getPosixFilePermissions(mailRoot)).contains(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE,
                java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
    }

    @Test
    void aNumberedMailboxIs0700AndEveryFileInIt0600() throws IOException {
        Path mailRoot = temp.resolve("mail");
        NumberedStore store = new NumberedStore(mailRoot);

        Path delivered = store.deliver("alice", stage(temp.resolve("spool"), "M1"));

        Path mailbox = mailRoot.resolve("alice");
        assertThat(mode(mailbox)).isEqualTo("rwx------");
        assertThat(mode(delivered)).isEqualTo("rw-------");
        try (var files = Files.list(mailbox)) {
            for (Path file : files.toList()) {
                assertThat(mode(file)).as(file.getFileName().toString()).isEqualTo("rw-------");
            }
        }
    }

    @Test
    void aMessageCopiedAcrossFileSystemsIsPrivateToo() throws IOException {
        StagedMessage staged = stage(temp.resolve("spool"), "M1");
        Path target = temp.resolve("elsewhere");

        PrivateFiles.copy(staged.file(), target);

        assertThat(mode(target)).isEqualTo("rw-------");
    }
}
