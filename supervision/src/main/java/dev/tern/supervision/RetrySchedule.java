package dev.tern.supervision;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * When to try a deferred message again: along the backoff curve, but never past the end of its
 * queue lifetime (RFC 5321 §4.5.4.1: give up after 4-5 days), and one last try exactly at that
 * end, so that a message is not bounced without a try when the curve overshoots.
 *
 * @param lifetime how long after arrival a message may stay queued
 */
public record RetrySchedule(BackoffCurve curve, Duration lifetime) {

    public RetrySchedule {
        Objects.requireNonNull(curve, "curve");
        if (lifetime == null || lifetime.isNegative() || lifetime.isZero()) {
            throw new IllegalArgumentException("lifetime must be positive: " + lifetime);
        }
    }

    /** What to do with a recipient after a transient failure. */
    public sealed interface Decision {
        /** Try again at {@code at}. */
        record RetryAt(Instant at) implements Decision {
            public RetryAt {
                Objects.requireNonNull(at, "at");
            }
        }

        /** The lifetime is over: bounce (Action: failed). */
        record GiveUp() implements Decision {
        }
    }

    /** When the queue lifetime of a message that arrived at {@code arrival} ends. */
    public Instant expiry(Instant arrival) {
        return arrival.plus(lifetime);
    }

    /**
     * @param attempts attempts so far, including the one that just failed (at least 1)
     * @param random   in [0, 1], see {@link BackoffCurve#delay}
     */
    public Decision afterTransientFailure(Instant arrival, int attempts, Instant now, double random) {
        Instant expiry = expiry(arrival);
        if (!now.isBefore(expiry)) {
            return new Decision.GiveUp();
        }
        Instant next = now.plus(curve.delay(attempts, random));
        return new Decision.RetryAt(next.isAfter(expiry) ? expiry : next);
    }
}
