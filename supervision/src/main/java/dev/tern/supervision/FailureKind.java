package dev.tern.supervision;

/** Whether a delivery failure is worth retrying (RFC 3463 class 4) or final (class 5). */
public enum FailureKind {
    /** Retry later, until the message's queue lifetime ends. */
    TRANSIENT,
    /** Give up now and bounce. */
    PERMANENT;

    /** The RFC 3463 status class digit this kind goes with: {@code '4'} or {@code '5'}. */
    public char statusClass() {
        return this == TRANSIENT ? '4' : '5';
    }
}
