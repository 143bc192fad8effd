/**
 * Failure classification and retry backoff for Tern's relays: which delivery failures
 * are transient (retry with backoff until the queue lifetime ends) and which are
 * permanent (bounce). Depends on nothing else of Tern; the actors module applies it.
 *
 * <ul>
 *   <li>{@link dev.tern.supervision.FailureClassifier} turns SMTP replies and connection
 *       exceptions into a {@link dev.tern.supervision.DeliveryFailure}: kind, RFC 3463 status and
 *       the RFC 3464 Diagnostic-Code a DSN reports.</li>
 *   <li>{@link dev.tern.supervision.BackoffCurve} is the exponential curve with jitter, used twice:
 *       as the Pekko supervisor strategy that restarts a Relay after it throws
 *       {@link dev.tern.supervision.DestinationUnavailable} (the whole destination is down), and by
 *       {@link dev.tern.supervision.RetrySchedule}, which dates each deferred message's next attempt
 *       and decides when its queue lifetime is over.</li>
 *   <li>{@link dev.tern.supervision.RelaySupervision} wraps a Relay's behaviour in those supervisors.</li>
 * </ul>
 * The spool, not any actor state, holds what is queued, so a restart never loses mail.
 */
package dev.tern.supervision;
