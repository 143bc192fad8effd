package dev.tern.metrics;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.GaugeDataPoint;

/**
 * What one listener and its sessions count, with the {@code listener} label resolved once
 * when the listener is set up: each call is one lock-free add. Listeners of one kind (the
 * two default {@code --outbound} sockets) share their label, and so their counts.
 */
public final class ListenerMetrics {

    private final TernMetrics metrics;
    private final CounterDataPoint connections;
    private final CounterDataPoint refused;
    private final GaugeDataPoint sessions;
    private final CounterDataPoint accepted;

    ListenerMetrics(TernMetrics metrics, CounterDataPoint connections, CounterDataPoint refused,
                    GaugeDataPoint sessions, CounterDataPoint accepted) {
        this.metrics = metrics;
        this.connections = connections;
        this.refused = refused;
        this.sessions = sessions;
        this.accepted = accepted;
    }

    /** A connection came in ({@code tern_smtp_connections_total}). */
    public void connected() {
        connections.inc();
    }

    /** It was refused over the connection limits ({@code tern_smtp_connections_refused_total}). */
    public void refused() {
        refused.inc();
    }

    /** A session started ({@code tern_smtp_sessions} up). */
    public void sessionOpened() {
        sessions.inc();
    }

    /** A session ended ({@code tern_smtp_sessions} down). */
    public void sessionClosed() {
        sessions.dec();
    }

    /**
     * A message got its 250 ({@code tern_messages_accepted_total}), {@code nanos} after its
     * final dot ({@code tern_smtp_data_to_reply_seconds}).
     */
    public void accepted(long nanos) {
        accepted.inc();
        metrics.dataToReply(nanos);
    }

    /** A 4xx or 5xx to MAIL, RCPT, DATA or a message's end ({@code tern_messages_rejected_total{code}}). */
    public void rejected(int code) {
        metrics.rejected(code);
    }
}
