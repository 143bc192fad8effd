package dev.tern.protocol;

import java.util.ArrayList;
import java.util.List;

/** A mail transaction in progress: sender and the recipients accepted so far. */
public record Transaction(ReversePath sender, List<Recipient> recipients) {

    public Transaction {
        recipients = List.copyOf(recipients);
    }

    static Transaction from(ReversePath sender) {
        return new Transaction(sender, List.of());
    }

    Transaction with(Recipient recipient) {
        List<Recipient> more = new ArrayList<>(recipients);
        more.add(recipient);
        return new Transaction(sender, more);
    }
}
