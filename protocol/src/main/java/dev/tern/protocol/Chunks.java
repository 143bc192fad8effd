package dev.tern.protocol;

/**
 * The BDAT chunks of a transaction so far (RFC 3030): how many octets were announced, and
 * whether the transaction is already refused. Once a chunk is refused, every later chunk of the
 * transaction gets the same reply and its octets are read and dropped (RFC 3030 §2: a pipelining
 * client may have sent them already), until BDAT LAST or RSET ends the transaction.
 *
 * @param octets  octets announced by the accepted chunks, counted against the SIZE limit
 * @param refusal why the transaction is refused, {@code null} while it is not
 */
public record Chunks(long octets, SmtpReply refusal) {

    public static final Chunks NONE = new Chunks(0, null);

    Chunks plus(long size) {
        return new Chunks(octets + size, refusal);
    }

    Chunks refused(SmtpReply reply) {
        return new Chunks(octets, reply);
    }
}
