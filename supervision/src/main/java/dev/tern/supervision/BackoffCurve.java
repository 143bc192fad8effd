package dev.tern.supervision;

import java.time.Duration;
import java.util.Objects;
import org.apache.pekko.actor.typed.BackoffSupervisorStrategy;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.slf4j.event.Level;

/**
 * Exponential backoff: {@code initial} after the first failure, doubling per further failure up
 * to {@code max}, then stretched by up to {@code randomFactor} so that relays failing together do
 * not retry together. The same curve as Pekko's {@code restartWithBackoff}, so that the delays a
 * Relay's supervisor waits and the retry times written to the spool agree.
 *
 * @param randomFactor 0 for no jitter; 0.2 adds up to 20%
 */
public record BackoffCurve(Duration initial, Duration max, double randomFactor) {

    /**
     * Messages a Relay receives while it waits out a backoff are stashed up to this many, and
     * dropped beyond. They are only nudges (new entry for the domain, flush, status query): the
     * queue entries themselves are in the spool, which the restarted Relay reloads, so a small
     * stash loses nothing that matters and bounds memory per unavailable domain.
     */
    public static final int STASH_CAPACITY = 100;

    public BackoffCurve {
        Objects.requireNonNull(initial, "initial");
        Objects.requireNonNull(max, "max");
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("need 0 < initial <= max: " + initial + ", " + max);
        }
        try {
            // Pekko's FiniteDuration is a long of nanoseconds, and so is our arithmetic
            max.toNanos();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("max backoff too long: " + max, e);
        }
        if (!(randomFactor >= 0) || Double.isInfinite(randomFactor)) {
            throw new IllegalArgumentException("randomFactor must be finite and >= 0: " + randomFactor);
        }
    }

    /**
     * {@code min(max, initial * 2^(failures-1)) * (1 + randomFactor * random)}; never more than
     * {@code max * (1 + randomFactor)}, also for huge failure counts.
     *
     * @param failures consecutive failures so far, at least 1
     * @param random   a number in [0, 1] (from the caller's random source, so tests can fix it)
     */
    public Duration delay(int failures, double random) {
        if (failures < 1) {
            throw new IllegalArgumentException("failures must be >= 1: " + failures);
        }
        if (!(random >= 0 && random <= 1)) {
            throw new IllegalArgumentException("random must be in [0, 1]: " + random);
        }
        long maxNanos = max.toNanos();
        long initialNanos = initial.toNanos();
        int doublings = failures - 1;
        // initial << doublings <= max  <=>  initial <= max >> doublings (no overflow either way)
        long base = doublings < 63 && initialNanos <= (maxNanos >> doublings) ? initialNanos << doublings : maxNanos;
        // floating multiplication is monotonic, so jitter <= floor(max * randomFactor)
        long jitter = (long) Math.floor(base * randomFactor * random);
        return Duration.ofNanos(base).plusNanos(jitter);
    }

    /**
     * The supervisor strategy for a Relay: restart after {@link #delay} on each failure, for ever
     * (the per-message queue lifetime, not the supervisor, decides when to give up).
     *
     * <ul>
     *   <li>{@code resetBackoffAfter = max}: Pekko's default is {@code initial}, so a Relay whose
     *       attempt takes longer than {@code initial} before failing (a connect or greeting timeout)
     *       would start the curve over after every restart and never back off. The count resets
     *       only after the Relay has run for {@code max} without failing.</li>
     *   <li>{@code stashCapacity = } {@link #STASH_CAPACITY}: the stash is not the store, the spool
     *       is.</li>
     *   <li>log level WARN: an unavailable destination is an operational condition, not a bug; the
     *       {@link DestinationUnavailable} message says which and why, without a stack trace.</li>
     * </ul>
     */
    public BackoffSupervisorStrategy supervisorStrategy() {
        return SupervisorStrategy.restartWithBackoff(initial, max, randomFactor)
                .withResetBackoffAfter(max)
                .withStashCapacity(STASH_CAPACITY)
                .withLogLevel(Level.WARN);
    }
}
