package dev.tern.protocol;

import java.util.List;
import java.util.Objects;

/**
 * A message's envelope once DATA is complete: what the router needs besides the octets.
 *
 * @param encoding what MAIL declared about the content ({@code BODY=}, {@code SMTPUTF8}), for the next hop
 */
public record Envelope(String messageId, ReversePath sender, List<Recipient> recipients, MessageEncoding encoding) {

    public Envelope(String messageId, ReversePath sender, List<Recipient> recipients) {
        this(messageId, sender, recipients, MessageEncoding.PLAIN);
    }

    public Envelope {
        Objects.requireNonNull(encoding, "encoding");
        recipients = List.copyOf(recipients);
        if (recipients.isEmpty()) {
            throw new IllegalArgumentException("an envelope needs a recipient");
        }
    }
}
