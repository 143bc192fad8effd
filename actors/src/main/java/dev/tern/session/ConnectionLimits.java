package dev.tern.session;

/**
 * How many connections the service holds open, in all and per client address (Postfix's
 * {@code smtpd_client_connection_count_limit}, kept by its anvil server).
 *
 * @param total           open connections over all listeners
 * @param perClient       open connections from one client address
 * @param limitLoopback   whether loopback clients count against {@code perClient}; Postfix
 *                        exempts {@code $mynetworks}, loopback included, by default
 */
public record ConnectionLimits(int total, int perClient, boolean limitLoopback) {

    /** A connection's worst case for memory: replies held (64 KiB), a read chunk, TLS buffers. */
    static final long HEAP_PER_CONNECTION = 32 * 1024;

    public ConnectionLimits {
        if (total < 1 || perClient < 1) {
            throw new IllegalArgumentException("connection limits must be positive");
        }
    }

    /** A total sized to the heap: every connection may cost {@link #HEAP_PER_CONNECTION}. */
    public static int totalForHeap(long maxHeap) {
        return (int) Math.max(64, Math.min(Integer.MAX_VALUE, maxHeap / HEAP_PER_CONNECTION));
    }
}
