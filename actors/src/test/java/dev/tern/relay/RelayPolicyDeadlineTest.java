package dev.tern.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.pekko.actor.typed.Props;
import org.junit.jupiter.api.Test;

import dev.tern.metrics.TernMetrics;
import dev.tern.protocol.Recipient;
import dev.tern.queue.QueueEntry;
import dev.tern.queue.RecipientState;
import dev.tern.queue.RecipientStatus;
import dev.tern.streams.client.OpportunisticTls;
import dev.tern.streams.client.TlsPolicy;
import dev.tern.supervision.BackoffCurve;
import dev.tern.supervision.RelaySupervision;
import dev.tern.testing.ScriptedSmtpServer;
import dev.tern.transport.OutboundPolicies;
import dev.tern.transport.TlsResults;

/**
 * A TLS policy decision that never comes (a lookup whose stage is never completed) must not hold the destination
 * in its attempt for good: after {@link RelaySettings#policyDecisionDeadline} the entry is deferred with 4.7.5.
 */
class RelayPolicyDeadlineTest extends RelayTestCase {

    private static final String DOMAIN = "[127.0.0.1]";
    /** Makes the deadline 12 × 50 ms + 50 ms + 500 ms = 1.15 s (no MTA-STS). */
    private static final Duration DNS_TIMEOUT = Duration.ofMillis(50);
    private static final BackoffCurve CURVE = new BackoffCurve(Duration.ofSeconds(30), Duration.ofMinutes(1), 0);

    @Test
    void aPolicyDecisionThatNeverComesDefersTheEntryWith475() throws Exception {
        ScriptedSmtpServer server = serve(ScriptedSmtpServer.builder().bind("127.0.0.1").start());
        QueueEntry entry = RelayFixture.enqueue(spool, dir, "stuck", "bob@" + DOMAIN).get(0);
        AtomicInteger asked = new AtomicInteger();
        OutboundPolicies never = (domain, hosts) -> {
            asked.incrementAndGet();
            return new CompletableFuture<>(); // never completed
        };
        RelaySettings settings = new RelaySettings(List.of(), server.port(), TlsPolicy.OPPORTUNISTIC, spool.dir(),
                CURVE, Duration.ofDays(5), 2, 100, DNS_TIMEOUT, RelayFixture.timeouts(Duration.ofSeconds(2)),
                "tern.test");
        assertThat(settings.policyDecisionDeadline()).isEqualTo(Duration.ofMillis(1150));
        RelayContext context = new RelayContext(settings, spool,
                new MxResolver(List.of(new InetSocketAddress("127.0.0.1", 9)), Duration.ofSeconds(2), new Random(1)),
                OpportunisticTls.context(), router.ref(),
                address -> Optional.of(new Recipient.LocalMailbox(address.localPart())),
                incoming, Clock.systemUTC(), new Random(7), Props.empty(),
                new TernMetrics(), never, TlsResults.NONE);

        long started = System.nanoTime();
        spawn(RelaySupervision.supervise(Relay.create(DOMAIN, context, null), CURVE));

        awaitTrue(() -> spool.find(entry.id()).map(e -> e.recipients().get(0).attempts() == 1)
                .orElse(false), Duration.ofSeconds(10), "the entry is deferred");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(1150));
        RecipientState bob = spool.find(entry.id()).orElseThrow().recipients().get(0);
        assertThat(bob.status()).isEqualTo(RecipientStatus.DEFERRED);
        assertThat(bob.dsnStatus()).isEqualTo("4.7.5");
        assertThat(bob.diagnostic()).contains("TLS policy decision timed out after 1150 ms");
        assertThat(asked.get()).isEqualTo(1);
        assertThat(server.connections()).isZero(); // no host was tried without its policy
        router.expectNoMessage(Duration.ofMillis(100));
    }
}
