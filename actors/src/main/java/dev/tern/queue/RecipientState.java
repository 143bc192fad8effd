package dev.tern.queue;

import java.time.Instant;
import java.util.Objects;

import dev.tern.protocol.MailAddress;
import dev.tern.protocol.RecipientDsn;

/**
 * One recipient of a queue entry and the outcome of its latest attempt. Immutable: the transition methods return
 * the next state, each counting one attempt.
 *
 * @param lastAttempt when it was last tried, null before the first attempt
 * @param nextAttempt when a DEFERRED recipient is due again, null otherwise
 * @param dsnStatus   RFC 3463 status of the latest outcome ("4.4.1"), null before the first attempt
 * @param diagnostic  RFC 3464 Diagnostic-Code of the latest failure ("smtp; 451 4.3.0 try later"), null if none
 * @param remoteMta   the host that gave the latest outcome, null if none was reached
 * @param dsn         what the sender asked of DSNs for it (NOTIFY, ORCPT; RFC 3461)
 * @param relayed     DELIVERED to a next hop that does not offer DSN: owed a "relayed" DSN if NOTIFY has SUCCESS
 *                    (RFC 3461 §5.2.2)
 * @param delayWarned when the delay warning (an "Action: delayed" DSN) was sent for it, null if never
 */
public record RecipientState(MailAddress address, RecipientStatus status, int attempts, Instant lastAttempt,
                             Instant nextAttempt, String dsnStatus, String diagnostic, String remoteMta,
                             RecipientDsn dsn, boolean relayed, Instant delayWarned) {

    /** A recipient without DSN parameters, not relayed, never warned. */
    public RecipientState(MailAddress address, RecipientStatus status, int attempts, Instant lastAttempt,
                          Instant nextAttempt, String dsnStatus, String diagnostic, String remoteMta) {
        this(address, status, attempts, lastAttempt, nextAttempt, dsnStatus, diagnostic, remoteMta, RecipientDsn.NONE,
                false, null);
    }

    /** What a positive reply records as the status (RFC 3463 "other undefined status", success class). */
    public static final String DELIVERED_STATUS = "2.0.0";

    public RecipientState {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(dsn, "dsn");
        if (attempts < 0) {
            throw new IllegalArgumentException("negative attempts " + attempts);
        }
    }

    /** A recipient not tried yet. */
    public static RecipientState pending(MailAddress address) {
        return pending(address, RecipientDsn.NONE);
    }

    /** A recipient not tried yet, with what its RCPT asked of DSNs. */
    public static RecipientState pending(MailAddress address, RecipientDsn dsn) {
        return new RecipientState(address, RecipientStatus.PENDING, 0, null, null, null, null, null, dsn, false, null);
    }

    /** The delay warning for it was sent at {@code when}: never again. */
    public RecipientState warned(Instant when) {
        return new RecipientState(address, status, attempts, lastAttempt, nextAttempt, dsnStatus, diagnostic,
                remoteMta, dsn, relayed, Objects.requireNonNull(when, "when"));
    }

    public boolean isFinal() {
        return status.isFinal();
    }

    public RecipientState delivered(String remoteMta, Instant now) {
        return next(RecipientStatus.DELIVERED, now, null, DELIVERED_STATUS, null, remoteMta);
    }

    /** Delivered to a next hop that does not offer DSN (RFC 3461 §5.2.2: the sender may be owed "relayed"). */
    public RecipientState relayed(String remoteMta, Instant now) {
        RecipientState delivered = delivered(remoteMta, now);
        return new RecipientState(address, delivered.status, delivered.attempts, delivered.lastAttempt,
                delivered.nextAttempt, delivered.dsnStatus, delivered.diagnostic, delivered.remoteMta, dsn, true,
                delayWarned);
    }

    public RecipientState deferred(String dsnStatus, String diagnostic, String remoteMta, Instant now, Instant next) {
        return next(RecipientStatus.DEFERRED, now, Objects.requireNonNull(next, "next"), dsnStatus, diagnostic, remoteMta);
    }

    public RecipientState failed(String dsnStatus, String diagnostic, String remoteMta, Instant now) {
        return next(RecipientStatus.FAILED, now, null, dsnStatus, diagnostic, remoteMta);
    }

    private RecipientState next(RecipientStatus to, Instant now, Instant nextAttempt, String dsnStatus,
                                String diagnostic, String remoteMta) {
        if (isFinal()) {
            // a final outcome has been (or will be) reported; changing it would deliver or bounce twice
            throw new IllegalStateException(address + " is already " + status);
        }
        return new RecipientState(address, to, attempts + 1, Objects.requireNonNull(now, "now"), nextAttempt,
                dsnStatus, diagnostic, remoteMta, dsn, relayed, delayWarned);
    }
}
