package dev.tern.queuedb;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.NoSuchFileException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.tern.protocol.DsnRequest;
import dev.tern.protocol.MailAddress;
import dev.tern.protocol.MessageEncoding;
import dev.tern.protocol.RecipientDsn;
import dev.tern.protocol.ReversePath;
import dev.tern.protocol.TlsRequirement;
import dev.tern.files.PrivateFiles;
import dev.tern.queue.BodyFile;
import dev.tern.queue.QueueEntry;
import dev.tern.queue.QueueStore;
import dev.tern.store.StagedMessage;

/**
 * The outbound queue in PostgreSQL ({@code --queue-db}), shared by the nodes of a cluster: no shared file system
 * needed. A message is enqueued in ONE transaction: its body as chunks ({@link BodyChunks}), then its entry for each
 * destination domain ({@link EntryRows}); {@link #enqueue} returns once that transaction has committed, and only then
 * may the 250 be sent. A failure anywhere (the staged file, the database) rolls all of it back. The tables are
 * {@link QueueSchema}'s, created or migrated by {@link #open}.
 *
 * <p>Durability is PostgreSQL's: {@code fsync} and {@code synchronous_commit} must stay on (the defaults), as a
 * commit is what Tern's 250 stands on.
 */
public final class QueueDatabase implements QueueStore {

    private final Connections connections;
    private final int chunkSize;

    QueueDatabase(Connections connections, int chunkSize) {
        this.connections = connections;
        this.chunkSize = chunkSize;
    }

    /**
     * Opens the queue database, creating or migrating its tables first. Refused when a commit would not be durable
     * ({@code fsync} or {@code synchronous_commit} off, for the server or for this role and database): Tern's 250
     * stands on the commit.
     */
    public static QueueDatabase open(Connections connections) throws IOException {
        try (Connection connection = connections.open()) {
            for (String setting : List.of("fsync", "synchronous_commit")) {
                if (setting(connection, setting).equals("off")) {
                    throw new IOException("the queue database runs with " + setting + " off: a commit would not be "
                            + "durable, and Tern acknowledges mail only once it is; turn it on for Tern's role and "
                            + "database (ALTER ROLE ... SET " + setting + " = on, or postgresql.conf)");
                }
            }
            QueueSchema.migrate(connection);
        } catch (SQLException e) {
            throw new IOException("cannot prepare the queue database: " + e.getMessage(), e);
        } catch (QueueSchema.SchemaTooNewException e) {
            throw new IOException(e.getMessage(), e);
        }
        return new QueueDatabase(connections, BodyChunks.CHUNK_SIZE);
    }

    private static String setting(Connection connection, String name) throws SQLException {
        try (PreparedStatement show = connection.prepareStatement("SELECT current_setting(?)")) {
            show.setString(1, name);
            try (ResultSet row = show.executeQuery()) {
                row.next();
                return row.getString(1);
            }
        }
    }

    @Override
    public List<QueueEntry> enqueue(String messageId, ReversePath sender, List<MailAddress> remoteRecipients,
                                    StagedMessage message, Instant arrival, MessageEncoding encoding, DsnRequest dsn,
                                    Map<MailAddress, RecipientDsn> recipientDsn, TlsRequirement tls)
            throws IOException {
        // timestamptz keeps microseconds: the entries returned are the ones stored
        List<QueueEntry> entries = QueueEntry.perDomain(messageId, sender, remoteRecipients, message,
                EntryRows.timestamp(arrival).toInstant(), encoding, dsn, recipientDsn, tls);
        if (entries.isEmpty()) {
            return entries;
        }
        try (Connection connection = connections.open()) {
            connection.setAutoCommit(false);
            try {
                BodyChunks.write(connection, messageId, message, chunkSize);
                for (QueueEntry entry : entries) {
                    EntryRows.insert(connection, entry);
                }
                connection.commit();
                return entries;
            } catch (SQLException | IOException | RuntimeException e) {
                rollback(connection, e);
                throw e;
            }
        } catch (SQLException e) {
            throw failure("enqueue of " + messageId, e);
        }
    }

    @Override
    public List<String> domains() throws IOException {
        try (Connection connection = connections.open();
             PreparedStatement select = connection.prepareStatement(
                     "SELECT DISTINCT domain FROM queue_entry ORDER BY domain");
             ResultSet rows = select.executeQuery()) {
            List<String> domains = new ArrayList<>();
            while (rows.next()) {
                domains.add(rows.getString(1));
            }
            return domains;
        } catch (SQLException e) {
            throw failure("listing the queue's domains", e);
        }
    }

    @Override
    public List<QueueEntry> load(String domain) throws IOException {
        return select("WHERE e.domain = ?", domain);
    }

    @Override
    public List<QueueEntry> all() throws IOException {
        return select("", null);
    }

    @Override
    public Optional<QueueEntry> find(String id) throws IOException {
        return select("WHERE e.id = ?", id).stream().findFirst();
    }

    private List<QueueEntry> select(String where, String parameter) throws IOException {
        try (Connection connection = connections.open();
             PreparedStatement select = connection.prepareStatement(EntryRows.SELECT + where + EntryRows.ORDER)) {
            if (parameter != null) {
                select.setString(1, parameter);
            }
            try (ResultSet rows = select.executeQuery()) {
                return EntryRows.read(rows);
            }
        } catch (SQLException e) {
            throw failure("reading the queue", e);
        }
    }

    @Override
    public void update(QueueEntry entry) throws IOException {
        try (Connection connection = connections.open()) {
            connection.setAutoCommit(false);
            try {
                if (!EntryRows.update(connection, entry)) {
                    connection.rollback();
                    throw new NoSuchFileException(entry.id(), null, "queue entry " + entry.id() + " was removed");
                }
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                rollback(connection, e);
                throw e;
            }
        } catch (SQLException e) {
            throw failure("update of " + entry.id(), e);
        }
    }

    @Override
    public void remove(QueueEntry entry) throws IOException {
        remove(entry.id());
    }

    @Override
    public boolean remove(String id) throws IOException {
        try (Connection connection = connections.open()) {
            connection.setAutoCommit(false);
            try {
                Optional<String> messageId = lockMessageOf(connection, id);
                if (messageId.isEmpty()) {
                    connection.rollback();
                    return false;
                }
                try (PreparedStatement delete = connection.prepareStatement("DELETE FROM queue_entry WHERE id = ?")) {
                    delete.setString(1, id);
                    delete.executeUpdate();
                }
                BodyChunks.deleteIfUnreferenced(connection, messageId.get());
                connection.commit();
                return true;
            } catch (SQLException | RuntimeException e) {
                rollback(connection, e);
                throw e;
            }
        } catch (SQLException e) {
            throw failure("removal of " + id, e);
        }
    }

    /**
     * The entry's message, its row locked until the transaction ends: the removals of a message's entries take turns,
     * so the last one always sees that it is the last and deletes the body.
     */
    private static Optional<String> lockMessageOf(Connection connection, String id) throws SQLException {
        try (PreparedStatement lock = connection.prepareStatement("SELECT m.message_id FROM queue_message m "
                + "JOIN queue_entry e ON e.message_id = m.message_id WHERE e.id = ? FOR UPDATE OF m")) {
            lock.setString(1, id);
            try (ResultSet row = lock.executeQuery()) {
                return row.next() ? Optional.of(row.getString(1)) : Optional.empty();
            }
        }
    }

    @Override
    public InputStream openBody(QueueEntry entry) throws IOException {
        Connection connection;
        try {
            connection = connections.open();
        } catch (SQLException e) {
            throw failure("reading the body of " + entry.id(), e);
        }
        try {
            int stored = BodyChunks.chunkSize(connection, entry.messageId());
            return new ChunkedBodyStream(connection, entry.messageId(), stored, entry.bodyOffset(), entry.bodySize());
        } catch (SQLException e) {
            close(connection, e);
            throw failure("reading the body of " + entry.id(), e);
        } catch (IOException | RuntimeException e) {
            close(connection, e);
            throw e;
        }
    }

    /**
     * A private copy of the entry's octets in {@code scratch}, streamed out of the chunk rows: the SMTP client sends
     * from files, and a copy per attempt keeps neither a body in the heap nor a connection open while a slow next hop
     * reads. Deleted on close; one left by a crash is cleared with {@code scratch} at the next start.
     */
    @Override
    public BodyFile bodyFile(QueueEntry entry, Path scratch) throws IOException {
        Path copy = Files.createTempFile(scratch, entry.id() + "-", ".relay",
                PosixFilePermissions.asFileAttribute(PrivateFiles.FILE));
        try (InputStream body = openBody(entry); OutputStream out = Files.newOutputStream(copy)) {
            long copied = body.transferTo(out);
            if (copied != entry.bodySize()) {
                throw new IOException("queue database: body of " + entry.id() + " has " + copied + " octets, not "
                        + entry.bodySize());
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(copy);
            throw e;
        }
        return new BodyFile(copy, 0, entry.bodySize(), true);
    }

    /** Nothing to clear: a transaction that did not commit left nothing behind. */
    @Override
    public int sweep() {
        return 0;
    }

    private static void close(Connection connection, Exception cause) {
        try {
            connection.close();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    private static void rollback(Connection connection, Exception cause) {
        try {
            connection.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    private static IOException failure(String what, SQLException e) {
        return new IOException("queue database: " + what + " failed: " + e.getMessage(), e);
    }
}
