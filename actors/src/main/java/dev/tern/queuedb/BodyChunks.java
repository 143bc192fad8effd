package dev.tern.queuedb;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

import dev.tern.store.StagedMessage;

/**
 * A message body as {@code queue_body_chunk} rows of {@link #CHUNK_SIZE} octets (the last one shorter), under its
 * {@code queue_message} row. Written from the staged file one chunk at a time, inside the caller's transaction; read
 * back by {@link ChunkedBodyStream} one chunk at a time. So a body is never whole in the heap: one chunk is.
 */
final class BodyChunks {

    /** 256 KiB: few rows for a large message, and a small, bounded buffer on either side. */
    static final int CHUNK_SIZE = 256 * 1024;

    private BodyChunks() {
    }

    /** Writes the staged file's octets under {@code messageId}. EOFException if the file is shorter than it says. */
    static void write(Connection connection, String messageId, StagedMessage message, int chunkSize)
            throws SQLException, IOException {
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO queue_message (message_id, size, chunk_size) VALUES (?, ?, ?)")) {
            insert.setString(1, messageId);
            insert.setLong(2, message.size());
            insert.setInt(3, chunkSize);
            insert.executeUpdate();
        }
        byte[] buffer = new byte[(int) Math.min(chunkSize, Math.max(1, message.size()))];
        try (InputStream in = Files.newInputStream(message.file());
             PreparedStatement insert = connection.prepareStatement(
                     "INSERT INTO queue_body_chunk (message_id, seq, data) VALUES (?, ?, ?)")) {
            long remaining = message.size();
            for (int seq = 0; remaining > 0; seq++) {
                int wanted = (int) Math.min(buffer.length, remaining);
                int n = in.readNBytes(buffer, 0, wanted);
                if (n < wanted) {
                    throw new EOFException("staged message " + message.file() + " ended after "
                            + (message.size() - remaining + n) + " of " + message.size() + " octets");
                }
                insert.setString(1, messageId);
                insert.setInt(2, seq);
                // streamed from the buffer as the statement runs: no copy of the chunk
                insert.setBinaryStream(3, new ByteArrayInputStream(buffer, 0, n), n);
                insert.executeUpdate();
                remaining -= n;
            }
        }
    }

    /** The chunk size the message was written with; IOException if the message is not (or no longer) stored. */
    static int chunkSize(Connection connection, String messageId) throws SQLException, IOException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT chunk_size FROM queue_message WHERE message_id = ?")) {
            select.setString(1, messageId);
            try (ResultSet row = select.executeQuery()) {
                if (!row.next()) {
                    throw new IOException("no body for message " + messageId + " in the queue database");
                }
                return row.getInt(1);
            }
        }
    }

    /**
     * Deletes the message's body (its chunks go with it) once no entry refers to it. The caller holds the
     * message row's lock ({@code SELECT ... FOR UPDATE}) so that two entries removed at once cannot each leave the
     * body to the other.
     */
    static void deleteIfUnreferenced(Connection connection, String messageId) throws SQLException {
        try (PreparedStatement delete = connection.prepareStatement(
                "DELETE FROM queue_message m WHERE m.message_id = ? "
                        + "AND NOT EXISTS (SELECT 1 FROM queue_entry e WHERE e.message_id = m.message_id)")) {
            delete.setString(1, messageId);
            delete.executeUpdate();
        }
    }
}
