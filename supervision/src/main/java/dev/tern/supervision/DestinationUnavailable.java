package dev.tern.supervision;

import java.util.Objects;

/**
 * Thrown by a Relay when its destination cannot take mail right now (every MX host refused,
 * timed out, or answered 421), so that its supervisor ({@link BackoffCurve#supervisorStrategy()})
 * restarts it after a backoff. The queue entries stay in the spool; nothing is lost by the restart.
 *
 * <p>This is an expected, frequent condition, not a bug: the exception records no stack trace
 * (cheap to create, short in the supervisor's log line) and says everything in its message.
 */
public final class DestinationUnavailable extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String destination;
    private final transient DeliveryFailure failure;

    /** @param destination what was unavailable, for the log: the domain a Relay serves */
    public DestinationUnavailable(String destination, DeliveryFailure failure) {
        // no suppression, no stack trace: RuntimeException's "writableStackTrace = false" constructor
        // skips fillInStackTrace entirely
        super(destination + ": " + Objects.requireNonNull(failure, "failure"), null, false, false);
        this.destination = destination;
        this.failure = failure;
    }

    public String destination() {
        return destination;
    }

    /** The failure of the last attempt, to record on the deferred recipients. */
    public DeliveryFailure failure() {
        return failure;
    }
}
