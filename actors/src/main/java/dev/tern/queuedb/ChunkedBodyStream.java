package dev.tern.queuedb;

import java.io.IOException;
import java.io.InputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * A region of a stored body, read one {@code queue_body_chunk} row at a time on its own connection: one chunk in the
 * heap, one query per chunk, no transaction held open while a slow next hop reads (autocommit). A chunk missing
 * part-way (the entry was removed meanwhile) ends the stream with an IOException, never with a short body.
 */
final class ChunkedBodyStream extends InputStream {

    private final Connection connection;
    private final PreparedStatement select;
    private final String messageId;
    private final int chunkSize;
    private long remaining;
    private int nextSeq;
    /** The chunk being read; null before the first fetch, when {@link #position} is the offset into it. */
    private byte[] chunk;
    private int position;
    private boolean closed;
    private final byte[] single = new byte[1];

    /** Takes {@code connection} over: closing the stream closes it. */
    ChunkedBodyStream(Connection connection, String messageId, int chunkSize, long offset, long length)
            throws SQLException {
        this.connection = connection;
        this.messageId = messageId;
        this.chunkSize = chunkSize;
        this.remaining = length;
        this.nextSeq = Math.toIntExact(offset / chunkSize);
        this.select = connection.prepareStatement(
                "SELECT data FROM queue_body_chunk WHERE message_id = ? AND seq = ?");
        this.position = (int) (offset % chunkSize); // applied to the first chunk fetched
    }

    @Override
    public int read() throws IOException {
        int n = read(single, 0, 1);
        return n < 0 ? -1 : single[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        if (closed) {
            throw new IOException("body stream of " + messageId + " is closed");
        }
        if (length == 0) {
            return 0;
        }
        if (remaining <= 0) {
            return -1;
        }
        if (chunk == null || position >= chunk.length) {
            fetch();
        }
        int n = (int) Math.min(Math.min(length, chunk.length - position), remaining);
        System.arraycopy(chunk, position, buffer, offset, n);
        position += n;
        remaining -= n;
        return n;
    }

    private void fetch() throws IOException {
        int skip = chunk == null ? position : 0;
        try {
            select.setString(1, messageId);
            select.setInt(2, nextSeq);
            try (ResultSet row = select.executeQuery()) {
                if (!row.next()) {
                    throw new IOException("chunk " + nextSeq + " of message " + messageId
                            + " is missing from the queue database (entry removed?)");
                }
                chunk = row.getBytes(1);
            }
        } catch (SQLException e) {
            throw new IOException("cannot read chunk " + nextSeq + " of message " + messageId, e);
        }
        if (chunk.length > chunkSize || chunk.length <= skip) {
            throw new IOException("chunk " + nextSeq + " of message " + messageId + " has " + chunk.length
                    + " octets, expected up to " + chunkSize);
        }
        nextSeq++;
        position = skip;
    }

    @Override
    public int available() {
        return chunk == null ? 0 : (int) Math.min(chunk.length - position, remaining);
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        chunk = null;
        try {
            try {
                select.close();
            } finally {
                connection.close();
            }
        } catch (SQLException e) {
            throw new IOException("cannot close the body stream of " + messageId, e);
        }
    }
}
