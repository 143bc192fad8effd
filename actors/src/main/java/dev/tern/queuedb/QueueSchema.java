package dev.tern.queuedb;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The queue database's tables, created and migrated by Tern itself: {@code queue_schema_version} holds one row per
 * {@link Migration} applied, and {@link #migrate} applies the missing ones in order. Nodes of a cluster starting at
 * once take turns (a transaction-scoped advisory lock), so each migration runs exactly once.
 *
 * <p>Version 1:
 * <ul>
 * <li>{@code queue_message}: one row per queued message (its id, size and chunk size), shared by the message's entries
 *     for each destination domain;</li>
 * <li>{@code queue_body_chunk}: the staged message's octets (Return-Path: line included, as in the file spool), in
 *     rows of {@link BodyChunks#CHUNK_SIZE} numbered from 0, so that neither writing nor reading holds a body
 *     whole;</li>
 * <li>{@code queue_entry}: one row per message and destination domain, the fields of {@code QueueEntry};</li>
 * <li>{@code queue_recipient}: one row per recipient of an entry, in RCPT order, the fields of
 *     {@code RecipientState}.</li>
 * </ul>
 * <p>Version 2: {@code queue_entry.tls_requirement}, {@code REQUIRETLS} when the message's MAIL asked for it
 * (RFC 8689), else null.
 *
 * <p>Free-text columns (diagnostic, remote MTA, DSN status, ENVID) hold the queue record's escaped form
 * ({@code QueueRecords.escape}): PostgreSQL's {@code text} takes neither NUL nor a lone surrogate. Instants are
 * {@code timestamptz}, to the microsecond.
 */
public final class QueueSchema {

    /** An arbitrary constant: the advisory lock that serialises migrations across nodes. */
    private static final long MIGRATION_LOCK = 0x7465726e_71756575L; // "ternqueu"

    static final String VERSION_TABLE = "queue_schema_version";

    /** Every migration, in order. Append only. */
    public static final List<Migration> MIGRATIONS = List.of(
            new Migration(1, "queue entries, recipients and chunked message bodies", List.of(
                    """
                    CREATE TABLE queue_message (
                        message_id text PRIMARY KEY,
                        size bigint NOT NULL CHECK (size >= 0),
                        chunk_size integer NOT NULL CHECK (chunk_size > 0)
                    )""",
                    """
                    CREATE TABLE queue_body_chunk (
                        message_id text NOT NULL REFERENCES queue_message ON DELETE CASCADE,
                        seq integer NOT NULL CHECK (seq >= 0),
                        data bytea NOT NULL,
                        PRIMARY KEY (message_id, seq)
                    )""",
                    """
                    CREATE TABLE queue_entry (
                        id text PRIMARY KEY,
                        domain text NOT NULL,
                        message_id text NOT NULL REFERENCES queue_message,
                        sender text NOT NULL,
                        arrival timestamptz NOT NULL,
                        body_offset bigint NOT NULL CHECK (body_offset >= 0),
                        body_size bigint NOT NULL CHECK (body_size >= 0),
                        body_type text NOT NULL,
                        smtputf8 boolean NOT NULL,
                        ret text,
                        envid text
                    )""",
                    "CREATE INDEX queue_entry_by_domain ON queue_entry (domain, arrival, id)",
                    "CREATE INDEX queue_entry_by_message ON queue_entry (message_id)",
                    """
                    CREATE TABLE queue_recipient (
                        entry_id text NOT NULL REFERENCES queue_entry ON DELETE CASCADE,
                        ordinal integer NOT NULL CHECK (ordinal >= 0),
                        address text NOT NULL,
                        status text NOT NULL CHECK (status IN ('PENDING', 'DELIVERED', 'DEFERRED', 'FAILED')),
                        attempts integer NOT NULL CHECK (attempts >= 0),
                        last_attempt timestamptz,
                        next_attempt timestamptz,
                        dsn_status text,
                        diagnostic text,
                        remote_mta text,
                        notify text,
                        orcpt text,
                        relayed boolean NOT NULL,
                        delay_warned timestamptz,
                        PRIMARY KEY (entry_id, ordinal),
                        UNIQUE (entry_id, address)
                    )""")),
            new Migration(2, "REQUIRETLS (RFC 8689) kept with each entry", List.of(
                    "ALTER TABLE queue_entry ADD COLUMN tls_requirement text"
                            + " CHECK (tls_requirement IN ('REQUIRETLS'))")));

    private QueueSchema() {
    }

    /** The version {@link #MIGRATIONS} lead to. */
    public static int latest() {
        return MIGRATIONS.get(MIGRATIONS.size() - 1).version();
    }

    /** Applies the missing {@link #MIGRATIONS}; returns the versions applied (none when up to date). */
    public static List<Integer> migrate(Connection connection) throws SQLException, SchemaTooNewException {
        return migrate(connection, MIGRATIONS);
    }

    /**
     * Applies the {@code migrations} (numbered 1, 2, … in order) newer than the database's version, all in one
     * transaction, so that a failure leaves the schema as it was. A database newer than the last of them is refused:
     * an older Tern must not write into tables it does not know.
     */
    static List<Integer> migrate(Connection connection, List<Migration> migrations)
            throws SQLException, SchemaTooNewException {
        for (int i = 0; i < migrations.size(); i++) {
            if (migrations.get(i).version() != i + 1) {
                throw new IllegalArgumentException("migrations must be numbered 1, 2, ...: " + migrations);
            }
        }
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try {
            List<Integer> applied = new ArrayList<>();
            try (Statement statement = connection.createStatement()) {
                statement.execute("SELECT pg_advisory_xact_lock(" + MIGRATION_LOCK + ")");
                statement.execute("CREATE TABLE IF NOT EXISTS " + VERSION_TABLE + " ("
                        + "version integer PRIMARY KEY, description text NOT NULL, "
                        + "applied timestamptz NOT NULL DEFAULT now())");
                int current = version(statement);
                if (current > migrations.size()) {
                    throw new SchemaTooNewException(current, migrations.size());
                }
                for (Migration migration : migrations.subList(current, migrations.size())) {
                    for (String sql : migration.statements()) {
                        statement.execute(sql);
                    }
                    try (PreparedStatement record = connection.prepareStatement(
                            "INSERT INTO " + VERSION_TABLE + " (version, description) VALUES (?, ?)")) {
                        record.setInt(1, migration.version());
                        record.setString(2, migration.description());
                        record.executeUpdate();
                    }
                    applied.add(migration.version());
                }
            }
            connection.commit();
            return applied;
        } catch (SQLException | SchemaTooNewException | RuntimeException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(autoCommit);
        }
    }

    /** The schema's version: 0 for a database without Tern's tables. */
    public static int version(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet exists = statement.executeQuery("SELECT to_regclass('" + VERSION_TABLE + "') IS NOT NULL")) {
            exists.next();
            return exists.getBoolean(1) ? version(statement) : 0;
        }
    }

    private static int version(Statement statement) throws SQLException {
        try (ResultSet rows = statement.executeQuery("SELECT coalesce(max(version), 0) FROM " + VERSION_TABLE)) {
            rows.next();
            return rows.getInt(1);
        }
    }

    /** The database was migrated by a newer Tern. */
    public static final class SchemaTooNewException extends Exception {
        private static final long serialVersionUID = 1L;

        SchemaTooNewException(int found, int known) {
            super("the queue database's schema is version " + found + ", newer than this Tern knows (" + known
                    + "): run the newer Tern, or a database of this version");
        }
    }
}
