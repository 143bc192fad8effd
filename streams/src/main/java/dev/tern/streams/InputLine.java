package dev.tern.streams;

import org.apache.pekko.util.ByteString;

/** One line of SMTP input, as split at CRLF by {@link LineSplitter}. */
public sealed interface InputLine {

    /** The octets between two CRLFs, without the CRLF; bare CR or LF stay inside. */
    record Line(ByteString bytes) implements InputLine {
    }

    /** A line longer than the framing limit: its octets were dropped as they came, never buffered. */
    record Overlong() implements InputLine {
    }

    InputLine OVERLONG = new Overlong();
}
