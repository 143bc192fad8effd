package dev.tern.transport;

import dev.tern.streams.client.TlsPolicy;

/** {@code --outbound-tls}: what Tern itself requires of TLS toward MX hosts that publish no policy. */
public enum OutboundTls {
    /** STARTTLS when offered, any certificate, clear text otherwise (RFC 7435). */
    OPPORTUNISTIC(TlsPolicy.OPPORTUNISTIC),
    /** STARTTLS or defer; any certificate. */
    REQUIRED(TlsPolicy.REQUIRED),
    /** STARTTLS with a certificate that chains to a trusted CA and names the MX host, or defer. */
    VERIFY(TlsPolicy.REQUIRED),
    /** Never STARTTLS. */
    OFF(TlsPolicy.OFF);

    private final TlsPolicy startTls;

    OutboundTls(TlsPolicy startTls) {
        this.startTls = startTls;
    }

    /** What it asks of STARTTLS. */
    public TlsPolicy startTls() {
        return startTls;
    }

    /** The mode that asks {@code startTls} of STARTTLS and verifies nothing. */
    public static OutboundTls of(TlsPolicy startTls) {
        return switch (startTls) {
            case OPPORTUNISTIC -> OPPORTUNISTIC;
            case REQUIRED -> REQUIRED;
            case OFF -> OFF;
        };
    }
}
