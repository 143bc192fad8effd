package dev.tern.protocol;

import java.util.ArrayList;
import java.util.List;

/**
 * A mail transaction in progress: sender and the recipients accepted so far.
 *
 * @param dsn what MAIL asked of DSNs (RET, ENVID; RFC 3461 §4.3, §4.4)
 */
public record Transaction(ReversePath sender, List<Recipient> recipients, DsnRequest dsn) {

    public Transaction {
        recipients = List.copyOf(recipients);
        java.util.Objects.requireNonNull(dsn, "dsn");
    }

    public Transaction(ReversePath sender, List<Recipient> recipients) {
        this(sender, recipients, DsnRequest.NONE);
    }

    Transaction withDsn(DsnRequest requested) {
        return new Transaction(sender, recipients, requested);
    }

    static Transaction from(ReversePath sender) {
        return new Transaction(sender, List.of());
    }

    Transaction with(Recipient recipient) {
        List<Recipient> more = new ArrayList<>(recipients);
        more.add(recipient);
        return new Transaction(sender, more, dsn);
    }
}
