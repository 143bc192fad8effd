package dev.tern.relay;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import dev.tern.streams.client.ClientTimeouts;
import dev.tern.streams.client.TlsPolicy;
import dev.tern.supervision.BackoffCurve;
import dev.tern.supervision.RetrySchedule;
import dev.tern.transport.OutboundTls;
import dev.tern.transport.TransportSettings;
import dev.tern.transport.mtasts.MtaStsPolicies;

/**
 * How Tern relays mail to remote domains.
 *
 * @param dns                      resolvers to query; empty means the system's
 * @param remotePort               TCP port of every MX host (25 on the internet)
 * @param tls                      STARTTLS policy toward MX hosts
 * @param queueDir                 the outbound spool
 * @param backoff                  retry curve of a destination and of a deferred message alike
 * @param queueLifetime            after this long in the queue a recipient bounces
 * @param maxConnections           parallel connections per destination domain
 * @param maxMessagesPerConnection messages sent over one connection before it is closed
 * @param dnsTimeout               one DNS query's time limit
 * @param timeouts                 SMTP client timeouts (RFC 5321 §4.5.3.2)
 * @param hostname                 this host's name: EHLO, Reporting-MTA, MAILER-DAEMON
 * @param delayWarning             a recipient still deferred this long after arrival gets one delay warning
 *                                 ({@code tern.relay.delay-warning}); zero: none
 * @param transport                verified TLS, trusted CAs and published policies ({@code --outbound-tls},
 *                                 {@code --tls-trust}, {@code --mta-sts}); {@code tls} is its STARTTLS part
 */
public record RelaySettings(List<InetSocketAddress> dns, int remotePort, TlsPolicy tls, Path queueDir,
                            BackoffCurve backoff, Duration queueLifetime, int maxConnections,
                            int maxMessagesPerConnection, Duration dnsTimeout, ClientTimeouts timeouts,
                            String hostname, Duration delayWarning, TransportSettings transport) {

    /** Validated DNS questions a DANE decision may ask in a row ({@link #policyDecisionDeadline}). */
    static final int DANE_QUESTIONS = 4;
    /** Beyond the sum of the policy decision's bounds: scheduling, and the work between the questions. */
    static final Duration POLICY_SLACK = Duration.ofMillis(500);

    /** {@code tls} alone, verifying nothing and honouring no published policy. */
    public RelaySettings(List<InetSocketAddress> dns, int remotePort, TlsPolicy tls, Path queueDir,
                         BackoffCurve backoff, Duration queueLifetime, int maxConnections,
                         int maxMessagesPerConnection, Duration dnsTimeout, ClientTimeouts timeouts,
                         String hostname, Duration delayWarning) {
        this(dns, remotePort, tls, queueDir, backoff, queueLifetime, maxConnections, maxMessagesPerConnection,
                dnsTimeout, timeouts, hostname, delayWarning, TransportSettings.local(OutboundTls.of(tls)));
    }

    /** Without delay warnings. */
    public RelaySettings(List<InetSocketAddress> dns, int remotePort, TlsPolicy tls, Path queueDir,
                         BackoffCurve backoff, Duration queueLifetime, int maxConnections,
                         int maxMessagesPerConnection, Duration dnsTimeout, ClientTimeouts timeouts,
                         String hostname) {
        this(dns, remotePort, tls, queueDir, backoff, queueLifetime, maxConnections, maxMessagesPerConnection,
                dnsTimeout, timeouts, hostname, Duration.ZERO);
    }

    public RelaySettings {
        dns = List.copyOf(dns);
        if (delayWarning == null || delayWarning.isNegative()) {
            throw new IllegalArgumentException("delay warning " + delayWarning);
        }
        if (transport.outboundTls().startTls() != tls) {
            throw new IllegalArgumentException("STARTTLS " + tls + " is not what " + transport.outboundTls() + " asks");
        }
    }

    /**
     * The most a destination's TLS policy decision may take before the attempt is deferred with 4.7.5 ("TLS policy
     * decision timed out"): a stage that never completes must not hold the destination in its attempt for good.
     * It is the sum of the bounds of what the decision waits for, one after the other, so that it cuts off
     * only what is stuck: DANE's validated questions ({@link #DANE_QUESTIONS} in a row, each bounded by 3 ×
     * {@code dns-timeout}: the start-up probe, TLSA, the host's addresses, the anchor's DNSKEY), then, with
     * {@code --mta-sts}, the {@code _mta-sts} TXT question ({@code dns-timeout}) and the policy fetch
     * ({@link MtaStsPolicies#FETCH_TIMEOUT}); then one more {@code dns-timeout} and {@link #POLICY_SLACK}. With
     * {@code dns-timeout} 10s and MTA-STS on: 150.5 s.
     */
    public Duration policyDecisionDeadline() {
        Duration dane = dnsTimeout.multipliedBy(3L * DANE_QUESTIONS);
        Duration mtaSts = transport.mtaSts() ? dnsTimeout.plus(MtaStsPolicies.FETCH_TIMEOUT) : Duration.ZERO;
        return dane.plus(mtaSts).plus(dnsTimeout).plus(POLICY_SLACK);
    }

    public RetrySchedule retrySchedule() {
        return new RetrySchedule(backoff, queueLifetime);
    }
}
