package dev.tern.session;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

import org.apache.pekko.actor.typed.ActorRef;

import dev.tern.dkim.LocalSenders;
import dev.tern.mailauth.InboundAuthenticator;
import dev.tern.metrics.ListenerMetrics;
import dev.tern.metrics.TernMetrics;
import dev.tern.protocol.ServerDialogue;
import dev.tern.protocol.SessionSettings;
import dev.tern.router.Router;
import dev.tern.users.Authenticator;

/**
 * What every session of one listener shares: its dialogue (with the listener's relay
 * policy), limits, where messages are staged and where they go (through the DKIM signer when
 * their sender is local), and what it counts in.
 */
public record SessionSetup(ServerDialogue dialogue, SessionSettings settings, ActorRef<Router.Command> router,
                           ActorRef<Authenticator.Command> authenticator, Path incomingDir, Duration idleTimeout,
                           Clock clock, Encryption encryption, ListenerMetrics metrics, LocalSenders localSenders,
                           Optional<InboundAuthenticator> inboundAuth) {

    /** Without inbound authentication (every listener but the inbound one, and tests). */
    public SessionSetup(ServerDialogue dialogue, SessionSettings settings, ActorRef<Router.Command> router,
                        ActorRef<Authenticator.Command> authenticator, Path incomingDir, Duration idleTimeout,
                        Clock clock, Encryption encryption, ListenerMetrics metrics, LocalSenders localSenders) {
        this(dialogue, settings, router, authenticator, incomingDir, idleTimeout, clock, encryption, metrics,
                localSenders, Optional.empty());
    }

    /** Signing nothing (DKIM): no {@code --dkim-key}. */
    public SessionSetup(ServerDialogue dialogue, SessionSettings settings, ActorRef<Router.Command> router,
                        ActorRef<Authenticator.Command> authenticator, Path incomingDir, Duration idleTimeout,
                        Clock clock, Encryption encryption, ListenerMetrics metrics) {
        this(dialogue, settings, router, authenticator, incomingDir, idleTimeout, clock, encryption, metrics,
                LocalSenders.NONE);
    }

    /** Counting into metrics of its own, which nothing exports (tests). */
    public SessionSetup(ServerDialogue dialogue, SessionSettings settings, ActorRef<Router.Command> router,
                        ActorRef<Authenticator.Command> authenticator, Path incomingDir, Duration idleTimeout,
                        Clock clock, Encryption encryption) {
        this(dialogue, settings, router, authenticator, incomingDir, idleTimeout, clock, encryption,
                new TernMetrics().listener("unexported"));
    }

    /** When a session's connection gets encrypted. */
    public enum Encryption {
        /** in clear, until the client asks for STARTTLS (if offered) */
        ON_STARTTLS,
        /** from the first byte (implicit TLS, RFC 8314): the greeting waits for the handshake */
        IMPLICIT
    }
}
