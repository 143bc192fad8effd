package dev.tern.metrics;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * One service's metrics, in a registry of its own (never Prometheus' global default, so
 * several services in one JVM, as in tests, keep theirs apart). Every family is created
 * here, once; the code that counts holds handles resolved in advance ({@link ListenerMetrics}
 * per listener, one data point per delivery outcome), so counting on the hot path is a
 * lock-free add, with no label lookup and no lock per message.
 *
 * <p>Depends on nothing of Tern's: the floors that count (session, router, relay) hand it
 * plain values.
 */
public final class TernMetrics {

    /** What one attempt did for one remote recipient: the {@code result} label of {@code tern_deliveries_total}. */
    public enum RemoteOutcome {
        /** the next hop accepted it (2xx) */
        DELIVERED,
        /** a transient failure: it waits for its next attempt */
        DEFERRED,
        /** a permanent failure, or still failing when the queue lifetime ran out: owed a bounce */
        BOUNCED;

        final String label = name().toLowerCase(Locale.ROOT);

        boolean isFinal() {
            return this != DEFERRED;
        }
    }

    /** Prometheus text exposition format 0.0.4, what {@link #writeText} writes. */
    public static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;

    private static final int LOWEST_REJECTION = 400;
    private static final int HIGHEST_REJECTION = 599;

    /** End of DATA to 250: one fsync'd rename per copy; milliseconds normally, seconds on a struggling disk. */
    private static final double[] DATA_TO_REPLY_BOUNDS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
            0.25, 0.5, 1, 2.5, 5, 10, 30};
    /** Queueing to the final outcome: seconds for a reachable destination, hours or days through retries. */
    private static final double[] RELAY_DELIVERY_BOUNDS = {0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600.0,
            86400, 5 * 86400.0};

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter text = PrometheusTextFormatWriter.create();

    private final Counter connections;
    private final Counter refusedConnections;
    private final Gauge sessions;
    private final Counter accepted;
    private final Counter rejected;
    private final Histogram dataToReply;
    /** {@code tern_messages_rejected_total{code}}, resolved on first use of each code (400–599). */
    private final AtomicReferenceArray<CounterDataPoint> rejectedByCode =
            new AtomicReferenceArray<>(HIGHEST_REJECTION - LOWEST_REJECTION + 1);
    private final CounterDataPoint localDelivered;
    private final CounterDataPoint[] remoteByOutcome = new CounterDataPoint[RemoteOutcome.values().length];
    private final DistributionDataPoint[] relayDeliveryByOutcome =
            new DistributionDataPoint[RemoteOutcome.values().length];
    /** Queue entries per destination domain, as each domain's relay knows them; no entry for an empty one. */
    private final Map<String, Integer> queuedByDomain = new ConcurrentHashMap<>();

    /** Tern's own families only (tests); a service uses {@link #forService()}. */
    public TernMetrics() {
        connections = Counter.builder().name("tern_smtp_connections_total")
                .help("SMTP connections accepted by a listener, including those refused over the connection limits")
                .labelNames("listener").withoutExemplars().build();
        refusedConnections = Counter.builder().name("tern_smtp_connections_refused_total")
                .help("SMTP connections answered 421 and closed over the connection limits")
                .labelNames("listener").withoutExemplars().build();
        sessions = Gauge.builder().name("tern_smtp_sessions")
                .help("SMTP sessions open now")
                .labelNames("listener").withoutExemplars().build();
        accepted = Counter.builder().name("tern_messages_accepted_total")
                .help("messages answered 250 after DATA: every copy durable")
                .labelNames("listener").withoutExemplars().build();
        rejected = Counter.builder().name("tern_messages_rejected_total")
                .help("4xx and 5xx replies to MAIL, RCPT, DATA and the end of a message, by reply code")
                .labelNames("code").withoutExemplars().build();
        Counter deliveries = Counter.builder().name("tern_deliveries_total")
                .help("deliveries per recipient: local mailbox copies stored; remote outcomes of each attempt")
                .labelNames("kind", "result").withoutExemplars().build();
        dataToReply = Histogram.builder().name("tern_smtp_data_to_reply_seconds")
                .help("from a message's final dot to its 250: staging closed, every copy fsync'd")
                .classicOnly().classicUpperBounds(DATA_TO_REPLY_BOUNDS).withoutExemplars().build();
        Histogram relayDelivery = Histogram.builder().name("tern_relay_delivery_seconds")
                .help("from queueing to a remote recipient's final outcome (delivered or bounced), retries included")
                .labelNames("result").classicOnly().classicUpperBounds(RELAY_DELIVERY_BOUNDS).withoutExemplars()
                .build();
        GaugeWithCallback queued = GaugeWithCallback.builder().name("tern_queue_messages")
                .help("entries in the outbound queue now (one per message and destination domain)")
                .callback(callback -> callback.call(queuedByDomain.values().stream().mapToLong(n -> n).sum()))
                .build();
        localDelivered = deliveries.labelValues("local", "delivered");
        for (RemoteOutcome outcome : RemoteOutcome.values()) {
            remoteByOutcome[outcome.ordinal()] = deliveries.labelValues("remote", outcome.label);
            if (outcome.isFinal()) {
                relayDeliveryByOutcome[outcome.ordinal()] = relayDelivery.labelValues(outcome.label);
            }
        }
        registry.register(connections);
        registry.register(refusedConnections);
        registry.register(sessions);
        registry.register(accepted);
        registry.register(rejected);
        registry.register(dataToReply);
        registry.register(deliveries);
        registry.register(relayDelivery);
        registry.register(queued);
    }

    /** Tern's families and the JVM's ({@code jvm_memory_used_bytes}, threads, GC, ..., {@code process_*}). */
    public static TernMetrics forService() {
        TernMetrics metrics = new TernMetrics();
        JvmMetrics.builder().register(metrics.registry);
        return metrics;
    }

    /** The handles one listener counts with; {@code name} is its {@code listener} label ({@code inbound}, ...). */
    public ListenerMetrics listener(String name) {
        return new ListenerMetrics(this, connections.labelValues(name), refusedConnections.labelValues(name),
                sessions.labelValues(name), accepted.labelValues(name));
    }

    /** A 4xx or 5xx reply that refused a message or part of one; other codes are not counted. */
    void rejected(int code) {
        if (code < LOWEST_REJECTION || code > HIGHEST_REJECTION) {
            return;
        }
        int index = code - LOWEST_REJECTION;
        CounterDataPoint counter = rejectedByCode.get(index);
        if (counter == null) {
            counter = rejected.labelValues(Integer.toString(code)); // the same data point whoever asks first
            rejectedByCode.set(index, counter);
        }
        counter.inc();
    }

    void dataToReply(long nanos) {
        dataToReply.observe(nanos / 1e9);
    }

    /** Local mailbox copies that are durable and stay (the message's every copy was stored). */
    public void localDelivered(int copies) {
        localDelivered.inc(copies);
    }

    /**
     * One remote recipient's outcome of one attempt; a final one also records how long the
     * recipient was queued in {@code tern_relay_delivery_seconds}.
     */
    public void remote(RemoteOutcome outcome, Duration sinceQueued) {
        remoteByOutcome[outcome.ordinal()].inc();
        if (outcome.isFinal()) {
            relayDeliveryByOutcome[outcome.ordinal()].observe(Math.max(0, sinceQueued.toNanos()) / 1e9);
        }
    }

    /** How many queue entries the relay of {@code domain} holds now (0 when it has none or stops). */
    public void queued(String domain, int entries) {
        if (entries > 0) {
            queuedByDomain.put(domain, entries);
        } else {
            queuedByDomain.remove(domain);
        }
    }

    /** Scrapes every family into {@code out} in the Prometheus text format ({@link #CONTENT_TYPE}). */
    public void writeText(OutputStream out) throws IOException {
        text.write(out, registry.scrape());
    }

    /** The registry itself, for tests and for anything that exports in another format. */
    public PrometheusRegistry registry() {
        return registry;
    }
}
