package dev.tern.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.OptionalLong;
import java.util.stream.Stream;

import dev.tern.files.Durable;
import dev.tern.files.PrivateFiles;

/**
 * Maildir delivery as Dovecot and Courier expect it: the message is put in {@code tmp/},
 * fsync'd, renamed into {@code new/}, and {@code new/} is fsync'd.
 */
public final class MaildirStore implements MailboxStore {

    private final Path mailRoot;
    private final MaildirNames names;
    private final Clock clock;

    public MaildirStore(Path mailRoot, String hostname, Clock clock) {
        this.mailRoot = mailRoot;
        this.names = new MaildirNames(hostname);
        this.clock = clock;
    }

    @Override
    public Path deliver(String user, StagedMessage message) throws IOException {
        Path maildir = mailRoot.resolve(user);
        String name = names.next(clock.instant().getEpochSecond(), message.size());
        Path inTmp = maildir.resolve("tmp").resolve(name);
        Path inNew = maildir.resolve("new").resolve(name);
        try {
            SpoolLinks.place(message.file(), inTmp);
        } catch (NoSuchFileException noMaildir) {
            // The mailbox is made on first delivery, not checked on every one (four stats saved).
            create(user);
            SpoolLinks.place(message.file(), inTmp);
        }
        try {
            SpoolLinks.replace(inTmp, inNew);
        } catch (NoSuchFileException noNew) {
            create(user); // tmp/ was there, new/ was not: a half-made Maildir
            replaceOrDrop(inTmp, inNew);
        } catch (IOException e) {
            Files.deleteIfExists(inTmp);
            throw e;
        }
        Durable.syncDirectory(inNew.getParent());
        return inNew;
    }

    private static void replaceOrDrop(Path inTmp, Path inNew) throws IOException {
        try {
            SpoolLinks.replace(inTmp, inNew);
        } catch (IOException e) {
            Files.deleteIfExists(inTmp);
            throw e;
        }
    }

    @Override
    public void retract(Path delivered) throws IOException {
        Files.deleteIfExists(delivered);
        Durable.syncDirectory(delivered.getParent());
    }

    /** The mailbox and its tmp/, new/, cur/ are 0700 ({@link PrivateFiles}); the mail root is left shareable. */
    @Override
    public void create(String user) throws IOException {
        Path maildir = mailRoot.resolve(user);
        if (!Files.isDirectory(maildir)) {
            // an IMAP server running as another user traverses the mail root; only each mailbox is private
            Files.createDirectories(mailRoot);
        }
        for (String sub : new String[] {"tmp", "new", "cur"}) {
            PrivateFiles.createDirectories(maildir.resolve(sub));
        }
    }

    /** Files in new/ and cur/ (tmp/ holds deliveries under way); one directory listing each. */
    @Override
    public OptionalLong messageCount(String user) throws IOException {
        long count = 0;
        for (String sub : new String[] {"new", "cur"}) {
            Path dir = mailRoot.resolve(user).resolve(sub);
            if (Files.isDirectory(dir)) {
                try (Stream<Path> files = Files.list(dir)) {
                    count += files.count();
                }
            }
        }
        return OptionalLong.of(count);
    }
}
