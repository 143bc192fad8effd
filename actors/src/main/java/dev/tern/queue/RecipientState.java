package dev.tern.queue;

import java.time.Instant;
import java.util.Objects;

import dev.tern.protocol.MailAddress;

/**
 * One recipient of a queue entry and the outcome of its latest attempt. Immutable: the transition methods return
 * the next state, each counting one attempt.
 *
 * @param lastAttempt when it was last tried, null before the first attempt
 * @param nextAttempt when a DEFERRED recipient is due again, null otherwise
 * @param dsnStatus   RFC 3463 status of the latest outcome ("4.4.1"), null before the first attempt
 * @param diagnostic  RFC 3464 Diagnostic-Code of the latest failure ("smtp; 451 4.3.0 try later"), null if none
 * @param remoteMta   the host that gave the latest outcome, null if none was reached
 */
public record RecipientState(MailAddress address, RecipientStatus status, int attempts, Instant lastAttempt,
                             Instant nextAttempt, String dsnStatus, String diagnostic, String remoteMta) {

    /** What a positive reply records as the status (RFC 3463 "other undefined status", success class). */
    public static final String DELIVERED_STATUS = "2.0.0";

    public RecipientState {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(status, "status");
        if (attempts < 0) {
            throw new IllegalArgumentException("negative attempts " + attempts);
        }
    }

    /** A recipient not tried yet. */
    public static RecipientState pending(MailAddress address) {
        return new RecipientState(address, RecipientStatus.PENDING, 0, null, null, null, null, null);
    }

    public boolean isFinal() {
        return status.isFinal();
    }

    public RecipientState delivered(String remoteMta, Instant now) {
        return next(RecipientStatus.DELIVERED, now, null, DELIVERED_STATUS, null, remoteMta);
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
                dsnStatus, diagnostic, remoteMta);
    }
}
