package dev.tern.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class TernMetricsTest {

    private final TernMetrics metrics = new TernMetrics();

    @Test
    void everyRequiredFamilyIsExportedBeforeAnythingHappensButRejectionsWhichHaveNoCodeYet() {
        metrics.listener("inbound");
        String text = Samples.scrape(metrics).text();
        assertThat(text).contains("# TYPE tern_smtp_connections_total counter",
                "# TYPE tern_smtp_connections_refused_total counter", "# TYPE tern_smtp_sessions gauge",
                "# TYPE tern_messages_accepted_total counter", "# TYPE tern_deliveries_total counter",
                "# TYPE tern_queue_messages gauge", "# TYPE tern_smtp_data_to_reply_seconds histogram",
                "# TYPE tern_relay_delivery_seconds histogram");
        assertThat(text).doesNotContain("tern_messages_rejected_total");
        assertThat(Samples.scrape(metrics).value("tern_queue_messages")).isZero();
        assertThat(Samples.scrape(metrics).has("tern_smtp_sessions{listener=\"inbound\"}")).isTrue();

        metrics.listener("inbound").rejected(550);
        assertThat(Samples.scrape(metrics).text()).contains("# TYPE tern_messages_rejected_total counter");
    }

    @Test
    void listenerCountsCarryTheirListenerLabel() {
        ListenerMetrics inbound = metrics.listener("inbound");
        ListenerMetrics smtps = metrics.listener("smtps");

        inbound.connected();
        inbound.connected();
        inbound.refused();
        inbound.sessionOpened();
        smtps.connected();
        smtps.sessionOpened();
        smtps.sessionOpened();
        smtps.sessionClosed();
        smtps.accepted(2_000_000);

        Samples samples = Samples.scrape(metrics);
        assertThat(samples.value("tern_smtp_connections_total{listener=\"inbound\"}")).isEqualTo(2);
        assertThat(samples.value("tern_smtp_connections_total{listener=\"smtps\"}")).isEqualTo(1);
        assertThat(samples.value("tern_smtp_connections_refused_total{listener=\"inbound\"}")).isEqualTo(1);
        assertThat(samples.value("tern_smtp_sessions{listener=\"inbound\"}")).isEqualTo(1);
        assertThat(samples.value("tern_smtp_sessions{listener=\"smtps\"}")).isEqualTo(1);
        assertThat(samples.value("tern_messages_accepted_total{listener=\"smtps\"}")).isEqualTo(1);
        assertThat(samples.has("tern_messages_accepted_total{listener=\"inbound\"}")).isTrue();
        assertThat(samples.value("tern_messages_accepted_total{listener=\"inbound\"}")).isZero();
    }

    @Test
    void twoListenersOfOneKindShareTheirSeries() {
        metrics.listener("outbound").connected();
        metrics.listener("outbound").connected();
        assertThat(Samples.scrape(metrics).value("tern_smtp_connections_total{listener=\"outbound\"}")).isEqualTo(2);
    }

    @Test
    void rejectionsAreCountedByReplyCodeAndOnlyFor4xxAnd5xx() {
        ListenerMetrics inbound = metrics.listener("inbound");
        inbound.rejected(550);
        inbound.rejected(550);
        inbound.rejected(451);
        inbound.rejected(250);
        inbound.rejected(354);
        inbound.rejected(600);

        Samples samples = Samples.scrape(metrics);
        assertThat(samples.value("tern_messages_rejected_total{code=\"550\"}")).isEqualTo(2);
        assertThat(samples.value("tern_messages_rejected_total{code=\"451\"}")).isEqualTo(1);
        assertThat(samples.all().keySet().stream().filter(series -> series.startsWith("tern_messages_rejected")))
                .containsExactlyInAnyOrder("tern_messages_rejected_total{code=\"451\"}",
                        "tern_messages_rejected_total{code=\"550\"}");
    }

    @Test
    void theDataToReplyHistogramObservesEachAcceptedMessageInSeconds() {
        ListenerMetrics inbound = metrics.listener("inbound");
        inbound.accepted(3_000_000);      // 3 ms
        inbound.accepted(20_000_000_000L); // 20 s

        Samples samples = Samples.scrape(metrics);
        assertThat(samples.value("tern_smtp_data_to_reply_seconds_count")).isEqualTo(2);
        assertThat(samples.value("tern_smtp_data_to_reply_seconds_sum")).isCloseTo(20.003, within(1e-9));
        assertThat(samples.value("tern_smtp_data_to_reply_seconds_bucket{le=\"0.0025\"}")).isZero();
        assertThat(samples.value("tern_smtp_data_to_reply_seconds_bucket{le=\"0.005\"}")).isEqualTo(1);
        assertThat(samples.value("tern_smtp_data_to_reply_seconds_bucket{le=\"10.0\"}")).isEqualTo(1);
        assertThat(samples.value("tern_smtp_data_to_reply_seconds_bucket{le=\"+Inf\"}")).isEqualTo(2);
    }

    @Test
    void deliveriesByKindAndResultAndTheRelayHistogramForFinalOutcomesOnly() {
        metrics.localDelivered(3);
        metrics.remote(TernMetrics.RemoteOutcome.DELIVERED, Duration.ofSeconds(2));
        metrics.remote(TernMetrics.RemoteOutcome.DEFERRED, Duration.ofMinutes(1));
        metrics.remote(TernMetrics.RemoteOutcome.DEFERRED, Duration.ofMinutes(3));
        metrics.remote(TernMetrics.RemoteOutcome.BOUNCED, Duration.ofHours(2));

        Samples samples = Samples.scrape(metrics);
        assertThat(samples.value("tern_deliveries_total{kind=\"local\",result=\"delivered\"}")).isEqualTo(3);
        assertThat(samples.value("tern_deliveries_total{kind=\"remote\",result=\"delivered\"}")).isEqualTo(1);
        assertThat(samples.value("tern_deliveries_total{kind=\"remote\",result=\"deferred\"}")).isEqualTo(2);
        assertThat(samples.value("tern_deliveries_total{kind=\"remote\",result=\"bounced\"}")).isEqualTo(1);
        assertThat(samples.value("tern_relay_delivery_seconds_count{result=\"delivered\"}")).isEqualTo(1);
        assertThat(samples.value("tern_relay_delivery_seconds_sum{result=\"delivered\"}")).isEqualTo(2);
        assertThat(samples.value("tern_relay_delivery_seconds_count{result=\"bounced\"}")).isEqualTo(1);
        assertThat(samples.value("tern_relay_delivery_seconds_sum{result=\"bounced\"}")).isEqualTo(7200);
        assertThat(samples.has("tern_relay_delivery_seconds_count{result=\"deferred\"}"))
                .as("a deferral is not an outcome").isFalse();
    }

    @Test
    void theQueueGaugeSumsWhatEachDomainsRelayHolds() {
        metrics.queued("example.org", 3);
        metrics.queued("example.net", 2);
        assertThat(Samples.scrape(metrics).value("tern_queue_messages")).isEqualTo(5);

        metrics.queued("example.org", 1);
        metrics.queued("example.net", 0);
        assertThat(Samples.scrape(metrics).value("tern_queue_messages")).isEqualTo(1);
    }

    @Test
    void eachServiceHasItsOwnRegistry() {
        TernMetrics other = new TernMetrics();
        metrics.listener("inbound").connected();
        assertThat(Samples.scrape(other).value("tern_smtp_connections_total{listener=\"inbound\"}")).isZero();
        assertThat(other.registry()).isNotSameAs(metrics.registry());
    }

    @Test
    void aServicesMetricsIncludeTheJvmsOwn() {
        Samples samples = Samples.scrape(TernMetrics.forService());
        assertThat(samples.text()).contains("# TYPE jvm_memory_used_bytes gauge", "# TYPE jvm_threads_current gauge");
        assertThat(samples.value("jvm_memory_used_bytes{area=\"heap\"}")).isPositive();
        assertThat(samples.text()).contains("# TYPE tern_deliveries_total counter");
    }
}
