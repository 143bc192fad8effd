package dev.tern.store;

import java.io.IOException;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * A mailbox format. {@link #deliver} returns only once the copy is durable (fsync'd data
 * and directory entry), because the SMTP 250 waits on it.
 */
public interface MailboxStore {

    /** Stores one copy for {@code user}; returns where it landed. */
    Path deliver(String user, StagedMessage message) throws IOException;

    /** Takes back a copy that {@link #deliver} stored, when its transaction failed elsewhere. */
    void retract(Path delivered) throws IOException;

    /** Creates an empty mailbox for a new user; a no-op if it exists. */
    void create(String user) throws IOException;

    /** How many messages {@code user}'s mailbox holds, where a format can tell cheaply (the web page shows it). */
    default OptionalLong messageCount(String user) throws IOException {
        return OptionalLong.empty();
    }
}
