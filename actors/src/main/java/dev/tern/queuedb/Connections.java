package dev.tern.queuedb;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/**
 * Where the queue database's connections come from. For now a new connection per use from the JDBC URL
 * ({@code --queue-db}): no pool is among Tern's dependencies yet, and a bounded pool can take this place later
 * without changing {@link QueueDatabase}.
 */
@FunctionalInterface
public interface Connections {

    Connection open() throws SQLException;

    /** A new connection per call, by {@link DriverManager} (the PostgreSQL driver registers itself). */
    static Connections driverManager(String url) {
        return () -> DriverManager.getConnection(url);
    }
}
