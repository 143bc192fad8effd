package dev.tern.queue;

/** Where one recipient of a queue entry stands. DELIVERED and FAILED are final; the others wait for an attempt. */
public enum RecipientStatus {
    /** Not tried yet. */
    PENDING,
    /** Accepted by the next hop. */
    DELIVERED,
    /** Failed transiently; tried again at its next attempt. */
    DEFERRED,
    /** Failed permanently (or gave up): owed a bounce. */
    FAILED;

    public boolean isFinal() {
        return this == DELIVERED || this == FAILED;
    }
}
