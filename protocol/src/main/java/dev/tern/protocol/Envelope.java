package dev.tern.protocol;

import java.util.List;
import java.util.Objects;

/**
 * A message's envelope once DATA is complete: what the router needs besides the octets.
 *
 * @param encoding what MAIL declared about the content ({@code BODY=}, {@code SMTPUTF8}), for the next hop
 * @param dsn      what MAIL asked of DSNs (RET, ENVID; RFC 3461)
 * @param tls      whether MAIL carried REQUIRETLS (RFC 8689 §4.1), for the queue and the relay
 */
public record Envelope(String messageId, ReversePath sender, List<Recipient> recipients, MessageEncoding encoding,
                       DsnRequest dsn, TlsRequirement tls) {

    public Envelope(String messageId, ReversePath sender, List<Recipient> recipients, MessageEncoding encoding,
                    DsnRequest dsn) {
        this(messageId, sender, recipients, encoding, dsn, TlsRequirement.DEFAULT);
    }

    public Envelope(String messageId, ReversePath sender, List<Recipient> recipients) {
        this(messageId, sender, recipients, MessageEncoding.PLAIN, DsnRequest.NONE);
    }

    public Envelope(String messageId, ReversePath sender, List<Recipient> recipients, MessageEncoding encoding) {
        this(messageId, sender, recipients, encoding, DsnRequest.NONE);
    }

    public Envelope(String messageId, ReversePath sender, List<Recipient> recipients, DsnRequest dsn) {
        this(messageId, sender, recipients, MessageEncoding.PLAIN, dsn);
    }

    public Envelope {
        Objects.requireNonNull(encoding, "encoding");
        Objects.requireNonNull(dsn, "dsn");
        Objects.requireNonNull(tls, "tls");
        recipients = List.copyOf(recipients);
        if (recipients.isEmpty()) {
            throw new IllegalArgumentException("an envelope needs a recipient");
        }
    }
}
