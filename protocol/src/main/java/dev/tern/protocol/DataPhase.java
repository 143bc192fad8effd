package dev.tern.protocol;

import java.nio.ByteBuffer;

/**
 * Reads message content line by line after the 354 (RFC 5321 §4.1.1.4): finds the
 * terminator, undoes dot-stuffing (§4.5.2), counts octets against the SIZE limit and
 * {@code Received:} fields against the hop limit (§6.3, {@link HopCount}), and remembers
 * anything that forbids storing the message. One instance per message.
 *
 * <p>Lines arrive split at CRLF only, so a CR or LF inside a line is a bare one. Refusing
 * those (like Postfix's {@code smtpd_forbid_bare_newline}) makes SMTP smuggling impossible:
 * no {@code <LF>.<LF>} or {@code <CR>.<CR>} ends a message here or anywhere downstream.
 */
public final class DataPhase {

    /** RFC 5321 §4.5.3.1.6: a text line is at most 1000 octets including the CRLF. */
    public static final int MAX_TEXT_LINE = 998;

    /** What to do with one line. */
    public sealed interface Line {
    }

    /** Store the line from {@code offset} on (1 when a stuffed dot was removed), then CRLF. */
    public record Content(int offset) implements Line {
    }

    /** Store nothing: the message is already refused, say why once the terminator comes. */
    public record Discard() implements Line {
    }

    /** The lone dot: the message is complete. */
    public record End() implements Line {
    }

    private static final Content WHOLE = new Content(0);
    private static final Content UNSTUFFED = new Content(1);
    private static final Discard DISCARD = new Discard();
    private static final End END = new End();
    private static final byte[] CRLF = {'\r', '\n'};

    private final long maxSize;
    private long size;
    private SmtpReply refusal;
    private final HopCount hops = new HopCount();

    public DataPhase(long maxSize) {
        this.maxSize = maxSize;
    }

    /**
     * @param line     the octets of one line without its CRLF
     * @param overlong the framing dropped the line because it exceeded {@link #MAX_TEXT_LINE}
     */
    public Line accept(ByteBuffer line, boolean overlong) {
        if (overlong) {
            refuse(Replies.DATA_LINE_TOO_LONG);
            return DISCARD;
        }
        int length = line.remaining();
        int start = line.position();
        if (length == 1 && line.get(start) == '.') {
            return END;
        }
        if (length > MAX_TEXT_LINE) {
            refuse(Replies.DATA_LINE_TOO_LONG);
            return DISCARD;
        }
        for (int i = start; i < start + length; i++) {
            byte b = line.get(i);
            if (b == '\r' || b == '\n') {
                refuse(Replies.BARE_NEWLINE_IN_DATA);
                return DISCARD;
            }
        }
        Content content = length > 0 && line.get(start) == '.' ? UNSTUFFED : WHOLE;
        size += length - content.offset() + 2;
        if (size > maxSize) {
            refuse(Replies.MESSAGE_TOO_BIG);
        }
        hops.feed(line.duplicate().position(start + content.offset()));
        hops.feed(ByteBuffer.wrap(CRLF));
        if (hops.tooMany()) {
            refuse(Replies.TOO_MANY_HOPS);
        }
        return refusal == null ? content : DISCARD;
    }

    private void refuse(SmtpReply reply) {
        if (refusal == null) {
            refusal = reply;
        }
    }

    /** Why the message must not be stored, or {@code null} when it may. */
    public SmtpReply refusal() {
        return refusal;
    }

    /** Octets of content accepted so far, after unstuffing, CRLFs included. */
    public long size() {
        return size;
    }
}
