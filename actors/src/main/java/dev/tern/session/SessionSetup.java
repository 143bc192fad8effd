package dev.tern.session;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

import org.apache.pekko.actor.typed.ActorRef;

import dev.tern.protocol.ServerDialogue;
import dev.tern.protocol.SessionSettings;
import dev.tern.router.Router;

/**
 * What every session of one listener shares: its dialogue (with the listener's relay
 * policy), limits, where messages are staged and where they go.
 */
public record SessionSetup(ServerDialogue dialogue, SessionSettings settings, ActorRef<Router.Command> router,
                           Path incomingDir, Duration idleTimeout, Clock clock) {
}
