package dev.tern.relay;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletionStage;

import org.apache.pekko.actor.ClassicActorSystemProvider;

import dev.tern.streams.client.SmtpClientSession;
import dev.tern.transport.DestinationSecurity;
import dev.tern.transport.HostSecurity;

/**
 * Opens one attempt's SMTP sessions, each as its MX host's {@link HostSecurity} requires,
 * and reports how each one's TLS went ({@link TlsOutcomes}).
 */
final class SecureConnections {

    private final ClassicActorSystemProvider system;
    private final RelayContext relay;
    private final DestinationSecurity security;

    SecureConnections(ClassicActorSystemProvider system, RelayContext relay, DestinationSecurity security) {
        this.system = system;
        this.relay = relay;
        this.security = security;
    }

    /** A session to {@code address} of the MX host {@code hostName}, which {@link #security} must list. */
    CompletionStage<SmtpClientSession> open(InetSocketAddress address, String hostName) {
        HostSecurity host = security.host(hostName);
        CompletionStage<SmtpClientSession> opening = SmtpClientSession.open(system, address, hostName,
                relay.settings().hostname(), host.security(), relay.tlsContext(), relay.settings().timeouts());
        opening.whenComplete((session, failure) -> TlsOutcomes.report(relay.tlsResults(), host, address, session, failure));
        return opening;
    }

    DestinationSecurity security() {
        return security;
    }
}
