package dev.tern.supervision;

import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.slf4j.event.Level;

/**
 * Wraps a Relay's behaviour in its supervisors. Both kinds of failure restart it with backoff:
 * <ul>
 *   <li>{@link DestinationUnavailable}: the expected case, logged at WARN without a stack trace.</li>
 *   <li>any other exception is a bug (or a corrupt entry the Relay did not catch). It is logged at
 *       ERROR with its stack trace, and the Relay is restarted, also with backoff: stopping it would
 *       strand every queued message for its domain until Tern restarts, while an immediate restart
 *       could spin on a failure that repeats. The restarted Relay reloads its state from the spool.</li>
 * </ul>
 * Pekko does not supervise fatal errors ({@link VirtualMachineError} and the like); those stop the system.
 */
public final class RelaySupervision {

    private RelaySupervision() {
    }

    public static <T> Behavior<T> supervise(Behavior<T> relay, BackoffCurve curve) {
        // the inner supervisor handles the frequent case; what it does not handle reaches the outer one,
        // which restarts the inner (and so the relay) from its initial behaviour
        Behavior<T> unavailable = Behaviors.supervise(relay)
                .onFailure(DestinationUnavailable.class, curve.supervisorStrategy());
        return Behaviors.supervise(unavailable)
                .onFailure(Exception.class, curve.supervisorStrategy().withLogLevel(Level.ERROR));
    }
}
