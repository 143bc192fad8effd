package dev.tern.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;

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
        create(user);
        String name = names.next(clock.instant().getEpochSecond(), message.size());
        Path inTmp = maildir.resolve("tmp").resolve(name);
        Path inNew = maildir.resolve("new").resolve(name);
        SpoolLinks.place(message.file(), inTmp);
        try {
            SpoolLinks.replace(inTmp, inNew);
        } catch (IOException e) {
            Files.deleteIfExists(inTmp);
            throw e;
        }
        Durable.syncDirectory(inNew.getParent());
        return inNew;
    }

    @Override
    public void retract(Path delivered) throws IOException {
        Files.deleteIfExists(delivered);
        Durable.syncDirectory(delivered.getParent());
    }

    @Override
    public void create(String user) throws IOException {
        Path maildir = mailRoot.resolve(user);
        for (String sub : new String[] {"tmp", "new", "cur"}) {
            Files.createDirectories(maildir.resolve(sub));
        }
    }
}
