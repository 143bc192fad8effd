package dev.tern.protocol;

import java.util.List;

/** A message's envelope once DATA is complete: what the router needs besides the octets. */
public record Envelope(String messageId, ReversePath sender, List<Recipient> recipients) {
    public Envelope {
        recipients = List.copyOf(recipients);
        if (recipients.isEmpty()) {
            throw new IllegalArgumentException("an envelope needs a recipient");
        }
    }
}
