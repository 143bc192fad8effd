package dev.tern.protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A mail transaction in progress: sender and the recipients accepted so far.
 *
 * @param encoding what MAIL declared about the content: {@code BODY=} and {@code SMTPUTF8}
 */
public record Transaction(ReversePath sender, List<Recipient> recipients, MessageEncoding encoding) {

    public Transaction {
        recipients = List.copyOf(recipients);
        Objects.requireNonNull(encoding, "encoding");
    }

    public Transaction(ReversePath sender, List<Recipient> recipients) {
        this(sender, recipients, MessageEncoding.PLAIN);
    }

    static Transaction from(ReversePath sender) {
        return new Transaction(sender, List.of());
    }

    static Transaction from(ReversePath sender, MessageEncoding encoding) {
        return new Transaction(sender, List.of(), encoding);
    }

    Transaction with(Recipient recipient) {
        List<Recipient> more = new ArrayList<>(recipients);
        more.add(recipient);
        return new Transaction(sender, more, encoding);
    }
}
