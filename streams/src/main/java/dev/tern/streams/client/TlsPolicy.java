package dev.tern.streams.client;

import dev.tern.protocol.ClientDialogue;

/** Whether a client session uses STARTTLS (RFC 3207). */
public enum TlsPolicy {
    /**
     * STARTTLS when the server offers it; in clear when it does not or refuses it, and over a
     * fresh connection without STARTTLS when the handshake fails (RFC 7435 opportunistic security).
     */
    OPPORTUNISTIC,
    /** TLS or nothing: no offer, a refusal or a failed handshake ends the session. */
    REQUIRED,
    /** Never STARTTLS. */
    OFF;

    /** What the policy asks of one conversation; the reconnection after a failed handshake is the session's. */
    public ClientDialogue.StartTls startTls() {
        return switch (this) {
            case OPPORTUNISTIC -> ClientDialogue.StartTls.WHEN_OFFERED;
            case REQUIRED -> ClientDialogue.StartTls.REQUIRED;
            case OFF -> ClientDialogue.StartTls.NEVER;
        };
    }
}
