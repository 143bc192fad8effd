package dev.tern.streams.client;

import java.util.Objects;

/**
 * What one connection to one MX host requires of TLS.
 *
 * @param startTls whether STARTTLS is tried, required or never used
 * @param check    judges every completed handshake; its verdict stays on the session
 * @param enforce  a failed verdict ends the session before EHLO: nothing but the handshake
 *                 reaches a server that did not prove itself
 * @param policy   what imposed this, for logs, queue entries and TLS reports: e.g.
 *                 {@code opportunistic}, {@code verify}, {@code mta-sts enforce}, {@code dane}
 */
public record ConnectionSecurity(TlsPolicy startTls, CertificateCheck check, boolean enforce, String policy) {

    public ConnectionSecurity {
        Objects.requireNonNull(startTls, "startTls");
        Objects.requireNonNull(check, "check");
        Objects.requireNonNull(policy, "policy");
        if (enforce && startTls != TlsPolicy.REQUIRED) {
            throw new IllegalArgumentException("an enforced check needs STARTTLS required, not " + startTls);
        }
    }

    /** The STARTTLS policy alone, checking nothing: how sessions were opened before policies. */
    public static ConnectionSecurity of(TlsPolicy startTls) {
        return new ConnectionSecurity(startTls, CertificateCheck.NONE, false, startTls.name().toLowerCase(java.util.Locale.ROOT));
    }
}
