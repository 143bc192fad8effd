package dev.tern.protocol;

import java.nio.ByteBuffer;

/**
 * DATA's content rules for BDAT content (RFC 3030), which arrives as octets split anywhere rather than as lines:
 * the hop count (RFC 5321 §6.3, {@link HopCount}) and bare CR or LF. A bare line end is refused as in DATA
 * ({@link DataPhase}): relayed later by DATA to a next hop without CHUNKING, a {@code <CR>.<CR>} could end the
 * message early there and smuggle commands (SMTP smuggling). Only {@code BODY=BINARYMIME} content may carry any
 * octet, and it is never relayed by DATA ({@link NextHopEncoding}). One instance per message.
 */
public final class ChunkedContent {

    private final HopCount hops = new HopCount();
    private boolean bareLineEnd;
    private boolean afterCr;

    /** More octets of the message, from where the last ones ended. */
    public void feed(ByteBuffer octets) {
        hops.feed(octets.duplicate());
        for (int i = octets.position(); i < octets.limit() && !bareLineEnd; i++) {
            byte b = octets.get(i);
            if (afterCr) {
                afterCr = false;
                if (b == '\n') {
                    continue;
                }
                bareLineEnd = true;
            }
            if (b == '\r') {
                afterCr = true;
            } else if (b == '\n') {
                bareLineEnd = true;
            }
        }
    }

    /** Why the complete message must not be stored, or {@code null} when it may. */
    public SmtpReply refusal(BodyType body) {
        if (hops.tooMany()) {
            return Replies.TOO_MANY_HOPS;
        }
        boolean bare = bareLineEnd || afterCr; // a CR as the very last octet has no LF after it
        return bare && body != BodyType.BINARY_MIME ? Replies.BARE_NEWLINE_IN_DATA : null;
    }
}
