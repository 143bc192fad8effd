package dev.tern.protocol;

import java.util.List;

/**
 * A message's envelope once DATA is complete: what the router needs besides the octets.
 *
 * @param dsn what MAIL asked of DSNs (RET, ENVID; RFC 3461)
 */
public record Envelope(String messageId, ReversePath sender, List<Recipient> recipients, DsnRequest dsn) {

    public Envelope(String messageId, ReversePath sender, List<Recipient> recipients) {
        this(messageId, sender, recipients, DsnRequest.NONE);
    }

    public Envelope {
        recipients = List.copyOf(recipients);
        java.util.Objects.requireNonNull(dsn, "dsn");
        if (recipients.isEmpty()) {
            throw new IllegalArgumentException("an envelope needs a recipient");
        }
    }
}
