package dev.tern.queuedb;

import java.util.List;

/**
 * One numbered step of the queue database's schema: the statements that take it from {@code version - 1} to
 * {@code version}. Applied once, in one transaction with its row in {@code queue_schema_version}; never edited once
 * released (a change is a new migration).
 */
public record Migration(int version, String description, List<String> statements) {

    public Migration {
        if (version < 1) {
            throw new IllegalArgumentException("migration version " + version);
        }
        statements = List.copyOf(statements);
    }
}
