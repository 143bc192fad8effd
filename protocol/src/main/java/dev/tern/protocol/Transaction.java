package dev.tern.protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A mail transaction in progress: sender and the recipients accepted so far.
 *
 * @param encoding what MAIL declared about the content: {@code BODY=} and {@code SMTPUTF8}
 * @param dsn      what MAIL asked of DSNs (RET, ENVID; RFC 3461 §4.3, §4.4)
 * @param chunks   the BDAT chunks so far (RFC 3030), {@code null} while no BDAT was given
 * @param tls      whether MAIL carried REQUIRETLS (RFC 8689 §4.1)
 */
public record Transaction(ReversePath sender, List<Recipient> recipients, MessageEncoding encoding, DsnRequest dsn,
                          Chunks chunks, TlsRequirement tls) {

    public Transaction {
        recipients = List.copyOf(recipients);
        Objects.requireNonNull(encoding, "encoding");
        Objects.requireNonNull(dsn, "dsn");
        Objects.requireNonNull(tls, "tls");
    }

    public Transaction(ReversePath sender, List<Recipient> recipients, MessageEncoding encoding, DsnRequest dsn,
                       Chunks chunks) {
        this(sender, recipients, encoding, dsn, chunks, TlsRequirement.DEFAULT);
    }

    public Transaction(ReversePath sender, List<Recipient> recipients) {
        this(sender, recipients, MessageEncoding.PLAIN, DsnRequest.NONE, null);
    }

    static Transaction from(ReversePath sender) {
        return new Transaction(sender, List.of());
    }

    static Transaction from(ReversePath sender, MessageEncoding encoding) {
        return new Transaction(sender, List.of(), encoding, DsnRequest.NONE, null);
    }

    Transaction withDsn(DsnRequest requested) {
        return new Transaction(sender, recipients, encoding, requested, chunks, tls);
    }

    Transaction withTls(TlsRequirement requirement) {
        return new Transaction(sender, recipients, encoding, dsn, chunks, requirement);
    }

    Transaction with(Recipient recipient) {
        List<Recipient> more = new ArrayList<>(recipients);
        more.add(recipient);
        return new Transaction(sender, more, encoding, dsn, chunks, tls);
    }

    /** RFC 3030 §2: RCPT after BDAT is refused, so recipients never change once chunks came. */
    Transaction withChunks(Chunks next) {
        return new Transaction(sender, recipients, encoding, dsn, next, tls);
    }
}
