package dev.tern.queuedb;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tern.protocol.BodyType;
import dev.tern.protocol.MessageEncoding;
import dev.tern.queue.DsnRecords;
import dev.tern.queue.QueueEntry;
import dev.tern.queue.QueueRecords;
import dev.tern.queue.RecipientState;
import dev.tern.queue.RecipientStatus;
import dev.tern.queue.TlsRecords;

/** {@link QueueEntry} as a {@code queue_entry} row and its {@code queue_recipient} rows, and back. */
final class EntryRows {

    private static final Logger LOG = LoggerFactory.getLogger(EntryRows.class);

    /** Entries with their recipients, one row per recipient, grouped by entry in arrival order. */
    static final String SELECT = "SELECT e.id, e.domain, e.message_id, e.sender, e.arrival, e.body_offset, "
            + "e.body_size, e.body_type, e.smtputf8, e.ret, e.envid, e.tls_requirement, r.address, r.status, r.attempts, "
            + "r.last_attempt, r.next_attempt, r.dsn_status, r.diagnostic, r.remote_mta, r.notify, r.orcpt, "
            + "r.relayed, r.delay_warned FROM queue_entry e JOIN queue_recipient r ON r.entry_id = e.id ";
    static final String ORDER = " ORDER BY e.arrival, e.id, r.ordinal";

    private EntryRows() {
    }

    static void insert(Connection connection, QueueEntry entry) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO queue_entry (id, domain, "
                + "message_id, sender, arrival, body_offset, body_size, body_type, smtputf8, ret, envid, "
                + "tls_requirement) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            insert.setString(1, entry.id());
            insert.setString(2, entry.domain());
            insert.setString(3, entry.messageId());
            insert.setString(4, entry.sender().bracketed());
            insert.setObject(5, timestamp(entry.arrival()));
            insert.setLong(6, entry.bodyOffset());
            insert.setLong(7, entry.bodySize());
            insert.setString(8, entry.encoding().body().keyword());
            insert.setBoolean(9, entry.encoding().smtpUtf8());
            insert.setString(10, entry.dsn().ret() == null ? null : entry.dsn().ret().name());
            insert.setString(11, text(entry.dsn().envid()));
            insert.setString(12, TlsRecords.write(entry.tls()));
            insert.executeUpdate();
        }
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO queue_recipient (entry_id, "
                + "ordinal, address, status, attempts, last_attempt, next_attempt, dsn_status, diagnostic, "
                + "remote_mta, notify, orcpt, relayed, delay_warned) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            List<RecipientState> recipients = entry.recipients();
            for (int i = 0; i < recipients.size(); i++) {
                RecipientState r = recipients.get(i);
                insert.setString(1, entry.id());
                insert.setInt(2, i);
                insert.setString(3, "<" + r.address() + ">");
                setState(insert, 4, r);
                insert.addBatch();
            }
            insert.executeBatch();
        }
    }

    /**
     * Writes each recipient's state; false if the entry (or one of its recipients, in RCPT order) is not there: it
     * was removed meanwhile.
     */
    static boolean update(Connection connection, QueueEntry entry) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement("UPDATE queue_recipient SET status = ?, "
                + "attempts = ?, last_attempt = ?, next_attempt = ?, dsn_status = ?, diagnostic = ?, remote_mta = ?, "
                + "notify = ?, orcpt = ?, relayed = ?, delay_warned = ? "
                + "WHERE entry_id = ? AND ordinal = ? AND address = ?")) {
            List<RecipientState> recipients = entry.recipients();
            for (int i = 0; i < recipients.size(); i++) {
                RecipientState r = recipients.get(i);
                setState(update, 1, r);
                update.setString(12, entry.id());
                update.setInt(13, i);
                update.setString(14, "<" + r.address() + ">");
                if (update.executeUpdate() != 1) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The recipient's state into the 11 parameters from {@code first}: status through delay_warned. */
    private static void setState(PreparedStatement statement, int first, RecipientState r) throws SQLException {
        statement.setString(first, r.status().name());
        statement.setInt(first + 1, r.attempts());
        statement.setObject(first + 2, timestamp(r.lastAttempt()), Types.TIMESTAMP_WITH_TIMEZONE);
        statement.setObject(first + 3, timestamp(r.nextAttempt()), Types.TIMESTAMP_WITH_TIMEZONE);
        statement.setString(first + 4, text(r.dsnStatus()));
        statement.setString(first + 5, text(r.diagnostic()));
        statement.setString(first + 6, text(r.remoteMta()));
        statement.setString(first + 7, r.dsn().notifyValue());
        statement.setString(first + 8, r.dsn().orcpt() == null ? null : r.dsn().orcpt().parameter());
        statement.setBoolean(first + 9, r.relayed());
        statement.setObject(first + 10, timestamp(r.delayWarned()), Types.TIMESTAMP_WITH_TIMEZONE);
    }

    /**
     * The entries of a {@link #SELECT} ... {@link #ORDER} result. A row Tern could not have written (changed by
     * hand) is logged and its entry left out, never deleted: an administrator can still repair it.
     */
    static List<QueueEntry> read(ResultSet rows) throws SQLException {
        List<QueueEntry> entries = new ArrayList<>();
        boolean more = rows.next();
        while (more) {
            String id = rows.getString("id");
            List<RecipientState> recipients = new ArrayList<>();
            String domain = rows.getString("domain");
            String messageId = rows.getString("message_id");
            String sender = rows.getString("sender");
            Instant arrival = instant(rows, "arrival");
            long bodyOffset = rows.getLong("body_offset");
            long bodySize = rows.getLong("body_size");
            String bodyType = rows.getString("body_type");
            boolean smtpUtf8 = rows.getBoolean("smtputf8");
            String ret = rows.getString("ret");
            String envid = rows.getString("envid");
            String tls = rows.getString("tls_requirement");
            IOException corrupt = null;
            do {
                try {
                    recipients.add(recipient(rows));
                } catch (IOException | IllegalArgumentException e) {
                    corrupt = corrupt == null ? new IOException(e.getMessage(), e) : corrupt;
                }
                more = rows.next();
            } while (more && rows.getString("id").equals(id));
            try {
                if (corrupt != null) {
                    throw corrupt;
                }
                entries.add(new QueueEntry(id, domain, messageId, QueueRecords.reversePath(sender), arrival,
                        bodyOffset, bodySize, recipients,
                        new MessageEncoding(BodyType.parse(bodyType)
                                .orElseThrow(() -> new IllegalArgumentException("body type " + bodyType)), smtpUtf8),
                        DsnRecords.message(ret, unescaped(envid)), TlsRecords.read(tls)));
            } catch (IOException | IllegalArgumentException e) {
                LOG.error("Queue database entry {} is unreadable, left in place: {}", id, e.getMessage());
            }
        }
        return entries;
    }

    private static RecipientState recipient(ResultSet row) throws SQLException, IOException {
        return new RecipientState(
                QueueRecords.address(row.getString("address")),
                RecipientStatus.valueOf(row.getString("status")),
                row.getInt("attempts"),
                instant(row, "last_attempt"),
                instant(row, "next_attempt"),
                unescaped(row.getString("dsn_status")),
                unescaped(row.getString("diagnostic")),
                unescaped(row.getString("remote_mta")),
                DsnRecords.recipient(row.getString("notify"), row.getString("orcpt")),
                row.getBoolean("relayed"),
                instant(row, "delay_warned"));
    }

    /** timestamptz keeps microseconds: a finer instant is truncated, as PostgreSQL would round it. */
    static OffsetDateTime timestamp(Instant instant) {
        return instant == null ? null : OffsetDateTime.ofInstant(instant.truncatedTo(ChronoUnit.MICROS),
                ZoneOffset.UTC);
    }

    private static Instant instant(ResultSet row, String column) throws SQLException {
        OffsetDateTime value = row.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    private static String text(String value) {
        return value == null ? null : QueueRecords.escape(value);
    }

    private static String unescaped(String value) throws IOException {
        return value == null ? null : QueueRecords.unescape(value);
    }
}
