package dev.tern.protocol;

import java.util.ArrayList;
import java.util.List;

/**
 * A mail transaction in progress: sender and the recipients accepted so far.
 *
 * @param chunks the BDAT chunks so far (RFC 3030), {@code null} while no BDAT was given
 */
public record Transaction(ReversePath sender, List<Recipient> recipients, Chunks chunks) {

    public Transaction {
        recipients = List.copyOf(recipients);
    }

    public Transaction(ReversePath sender, List<Recipient> recipients) {
        this(sender, recipients, null);
    }

    static Transaction from(ReversePath sender) {
        return new Transaction(sender, List.of());
    }

    Transaction with(Recipient recipient) {
        List<Recipient> more = new ArrayList<>(recipients);
        more.add(recipient);
        return new Transaction(sender, more);
    }

    /** RFC 3030 §2: RCPT after BDAT is refused, so recipients never change once chunks came. */
    Transaction withChunks(Chunks next) {
        return new Transaction(sender, recipients, next);
    }
}
