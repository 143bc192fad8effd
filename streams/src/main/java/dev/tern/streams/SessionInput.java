package dev.tern.streams;

import java.util.List;

/** What a STARTTLS-capable session receives: batches of lines, and once the mark of the switch to TLS. */
public sealed interface SessionInput {

    /** Every complete line of one network chunk, as {@link SmtpLineFraming} cuts them. */
    record Lines(List<InputLine> lines) implements SessionInput {
    }

    /**
     * The TLS handshake completed: every {@link Lines} after this came out of the TLS
     * session, every one before it was received in clear. The framing that cut the cleartext
     * lines was dropped with its buffer; the session drops whatever cleartext lines it
     * received after its STARTTLS command (RFC 3207 §4.2, CVE-2011-0411).
     */
    record TlsStarted(TlsInbound.Established tls) implements SessionInput {
    }
}
