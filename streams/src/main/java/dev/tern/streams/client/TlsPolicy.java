package dev.tern.streams.client;

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
    OFF
}
