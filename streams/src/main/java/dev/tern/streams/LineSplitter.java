package dev.tern.streams;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import org.apache.pekko.util.ByteString;

/**
 * The state of CRLF line splitting, fed one network chunk at a time: the framing logic
 * of {@link TlsPhaseFraming}, outside the stage so that a TLS switch can simply start a
 * fresh one (and the cleartext leftovers go with the old).
 *
 * <p>Splits at CRLF only, so a bare LF or CR stays visible inside the line (RFC 5321
 * §2.3.8; the SMTP smuggling defence depends on it). A line over the limit does not fail:
 * its octets are dropped as they arrive and an {@link InputLine.Overlong} marks its place.
 * Memory stays bounded by the limit plus one chunk, whatever the client sends.
 *
 * <p>A line the {@code pauseAfter} test matches (a BDAT command, RFC 3030) pauses the
 * splitting: what follows it stays unsplit, to be taken as counted octets
 * ({@link #takeRaw}) or split after {@link #resume}. Whether it is a command at all only the
 * session knows, so the splitter stops and lets it say.
 */
final class LineSplitter {

    private static final byte CR = '\r';
    private static final byte LF = '\n';

    private final int maxLineLength;
    private final Predicate<ByteString> pauseAfter;
    private boolean paused;
    private ByteString buffer = ByteString.emptyByteString();
    private int scanFrom;
    private boolean discarding;

    /** @param maxLineLength the longest line kept, in octets without the CRLF */
    LineSplitter(int maxLineLength) {
        this(maxLineLength, line -> false);
    }

    /** @param pauseAfter a line after which splitting stops until {@link #resume} */
    LineSplitter(int maxLineLength, Predicate<ByteString> pauseAfter) {
        this.maxLineLength = requireValidLimit(maxLineLength);
        this.pauseAfter = pauseAfter;
    }

    static int requireValidLimit(int maxLineLength) {
        if (maxLineLength < 1) {
            throw new IllegalArgumentException("maxLineLength must be positive");
        }
        return maxLineLength;
    }

    /**
     * Every line the chunk completes, in order; empty when it completes none. Up to and
     * including a line that pauses the splitter; while paused, the chunk is only kept.
     */
    List<InputLine> feed(ByteString chunk) {
        buffer = buffer.concat(chunk);
        if (paused) {
            return List.of();
        }
        List<InputLine> lines = new ArrayList<>(4);
        while (true) {
            int lf = buffer.indexOf(LF, scanFrom);
            if (lf < 0) {
                bound();
                return lines;
            }
            if (lf == 0 || buffer.apply(lf - 1) != CR) {
                scanFrom = lf + 1; // a bare LF: part of the line
                continue;
            }
            int length = lf - 1;
            if (discarding || length > maxLineLength) {
                lines.add(InputLine.OVERLONG);
                discarding = false;
            } else {
                ByteString line = buffer.slice(0, length);
                lines.add(new InputLine.Line(line));
                paused = pauseAfter.test(line);
            }
            buffer = buffer.drop(lf + 1);
            scanFrom = 0;
            if (paused) {
                return lines;
            }
        }
    }

    boolean paused() {
        return paused;
    }

    /** Octets kept and not yet split. */
    int buffered() {
        return buffer.size();
    }

    /** Takes up to {@code max} unsplit octets, as they came: part of a counted run after a pause. */
    ByteString takeRaw(long max) {
        if (!paused) {
            throw new IllegalStateException("octets are counted only after a pausing line");
        }
        ByteString run = buffer.take((int) Math.min(max, buffer.size()));
        buffer = buffer.drop(run.size());
        return run;
    }

    /** Splits lines again, starting with what is kept (the next {@link #feed}, even of nothing, returns them). */
    void resume() {
        paused = false;
        scanFrom = 0;
    }

    /** With no CRLF in sight, keep at most a line's worth (plus a CR that may start the CRLF). */
    private void bound() {
        if (!discarding && buffer.size() > maxLineLength + 1) {
            discarding = true;
        }
        if (discarding) {
            boolean endsWithCr = !buffer.isEmpty() && buffer.apply(buffer.size() - 1) == CR;
            buffer = endsWithCr ? buffer.takeRight(1) : ByteString.emptyByteString();
            scanFrom = 0;
        } else {
            scanFrom = buffer.size();
        }
    }
}
