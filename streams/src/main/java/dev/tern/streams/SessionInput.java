package dev.tern.streams;

import java.util.List;

import org.apache.pekko.util.ByteString;

/**
 * What a connection hands its session: batches of lines, counted octets, the switch to TLS,
 * flow control and the end.
 */
public sealed interface SessionInput {

    /** Every complete line of one network chunk, as {@link LineSplitter} cuts them. */
    record Lines(List<InputLine> lines) implements SessionInput {
    }

    /**
     * Octets of a counted run the session asked for with {@link ConnectionPort#requestOctets}
     * (a BDAT chunk, RFC 3030 §2): as they came, no line framing; at most one network read's
     * worth, the whole run in as many parts as it takes.
     */
    record Octets(ByteString bytes) implements SessionInput {
    }

    /**
     * The TLS handshake completed: every {@link Lines} after this came out of the TLS
     * session, every one before it was received in clear. The framing that cut the cleartext
     * lines was dropped with its buffer; the session drops whatever cleartext lines it
     * received after its STARTTLS command (RFC 3207 §4.2, CVE-2011-0411).
     */
    record TlsStarted(TlsInbound.Established tls) implements SessionInput {
    }

    /** Answers {@link ConnectionPort#notifyWhenWritable()}: the client has read enough replies. */
    record Writable() implements SessionInput {
    }

    /** The client closed the connection, or it broke: nothing more will come. */
    record Ended() implements SessionInput {
    }

    Writable WRITABLE = new Writable();
    Ended ENDED = new Ended();
}
