package dev.tern.streams;

import org.apache.pekko.util.ByteString;

/**
 * RFC 3030 §2 in the framing: after a {@code BDAT <size>} line exactly {@code size} octets of
 * content follow, with no dot-stuffing and no terminator, so the connection must stop cutting
 * lines there and count octets instead. Only the session knows whether such a line was a
 * command (inside DATA it is content), so the framing pauses after every line that may be one
 * and the session says what comes next: {@link ConnectionPort#requestOctets} or, by asking for
 * input as usual, lines.
 */
public final class CountedOctets {

    private CountedOctets() {
    }

    /** {@code BDAT} in any case, alone or followed by SP: the verb as the command parser reads it. */
    public static boolean mayAnnounce(ByteString line) {
        if (line.size() < 4 || (line.size() > 4 && line.apply(4) != ' ')) {
            return false;
        }
        return (line.apply(0) | 0x20) == 'b' && (line.apply(1) | 0x20) == 'd' && (line.apply(2) | 0x20) == 'a'
                && (line.apply(3) | 0x20) == 't';
    }

    /** The framing's switch, the materialized value of {@link TlsPhaseFraming#countingFlow}. */
    interface Switch {
        /**
         * The framing paused after a line that announced {@code octets}: count them, then run
         * {@code then} (the request for input that fetches them), inside the stage so the order holds.
         */
        void count(long octets, Runnable then);
    }
}
