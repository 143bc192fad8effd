package dev.tern.relay;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletionStage;

import org.apache.pekko.actor.ClassicActorSystemProvider;

import dev.tern.streams.client.ConnectionSecurity;
import dev.tern.streams.client.SmtpClientSession;
import dev.tern.streams.client.TlsPolicy;
import dev.tern.transport.DestinationSecurity;
import dev.tern.transport.HostSecurity;
import dev.tern.transport.PolicyRef;
import dev.tern.transport.TlsResults;

/**
 * Opens one attempt's SMTP sessions, each as its MX host's {@link HostSecurity} requires,
 * and reports how each one's TLS went ({@link TlsOutcomes}).
 */
final class SecureConnections {

    private final ClassicActorSystemProvider system;
    private final RelayContext relay;
    private final DestinationSecurity security;
    private final TlsResults results;

    SecureConnections(ClassicActorSystemProvider system, RelayContext relay, DestinationSecurity security) {
        this(system, relay, security, relay.tlsResults());
    }

    private SecureConnections(ClassicActorSystemProvider system, RelayContext relay, DestinationSecurity security,
                              TlsResults results) {
        this.system = system;
        this.relay = relay;
        this.security = security;
        this.results = results;
    }

    /**
     * For messages whose {@code TLS-Required: No} waived the destination's policy (RFC 8689 §5): every host, with
     * STARTTLS when offered and the certificate judged but never enforced. Not reported to TLS-RPT: the policy's own
     * attempt already was, and these sessions do not apply it.
     */
    static SecureConnections waived(ClassicActorSystemProvider system, RelayContext relay, String domain,
                                    List<MxHost> hosts) {
        ConnectionSecurity opportunistic = new ConnectionSecurity(TlsPolicy.OPPORTUNISTIC,
                RelayContext.localPolicy(relay.settings()).security().check(), false, TlsWaiver.POLICY);
        return new SecureConnections(system, relay, new DestinationSecurity(domain, hosts.stream()
                .map(host -> new HostSecurity(host.name(), opportunistic, PolicyRef.none(domain))).toList()),
                TlsResults.NONE);
    }

    /** A session to {@code address} of the MX host {@code hostName}, which {@link #security} must list. */
    CompletionStage<SmtpClientSession> open(InetSocketAddress address, String hostName) {
        HostSecurity host = security.host(hostName);
        CompletionStage<SmtpClientSession> opening = SmtpClientSession.open(system, address, hostName,
                relay.settings().hostname(), host.security(), relay.tlsContext(), relay.settings().timeouts());
        opening.whenComplete((session, failure) -> TlsOutcomes.report(results, host, address, session, failure));
        return opening;
    }

    DestinationSecurity security() {
        return security;
    }
}
