package dev.tern.queuedb;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/**
 * The running service's connections to the queue database: a bounded HikariCP pool. The queue writers, the relays and
 * the body reads of one node together hold at most {@code maxSize} connections, so that a burst of mail cannot exhaust
 * PostgreSQL's {@code max_connections} for the other nodes; a caller that waits longer than {@code waitAtMost} for one
 * gets an {@link SQLException}, which becomes a 4xx for the client or a retry for a relay.
 */
public final class PooledConnections implements Connections, AutoCloseable {

    private final HikariDataSource pool;

    public PooledConnections(String url, int maxSize, Duration waitAtMost) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setPoolName("tern-queue-db");
        config.setMaximumPoolSize(maxSize);
        config.setMinimumIdle(Math.min(2, maxSize));
        config.setConnectionTimeout(waitAtMost.toMillis());
        // every use sets what it needs (QueueDatabase turns autocommit off for its transactions)
        config.setAutoCommit(true);
        this.pool = new HikariDataSource(config);
    }

    @Override
    public Connection open() throws SQLException {
        return pool.getConnection();
    }

    @Override
    public void close() {
        pool.close();
    }
}
