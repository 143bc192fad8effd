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
 * @param hostAuthenticated the MX host name itself was vouched for by a policy the domain published (DANE TLSA
 *                 records, or an MTA-STS policy that lists the host), not taken from an unvalidated MX answer
 *                 alone: RFC 8689 §4.2.1 sends a REQUIRETLS message only to such a host, over a verified session
 */
public record ConnectionSecurity(TlsPolicy startTls, CertificateCheck check, boolean enforce, String policy,
                                 boolean hostAuthenticated) {

    public ConnectionSecurity {
        Objects.requireNonNull(startTls, "startTls");
        Objects.requireNonNull(check, "check");
        Objects.requireNonNull(policy, "policy");
        if (enforce && startTls != TlsPolicy.REQUIRED) {
            throw new IllegalArgumentException("an enforced check needs STARTTLS required, not " + startTls);
        }
    }

    /** A security whose MX host name is only what the (unvalidated) MX lookup said. */
    public ConnectionSecurity(TlsPolicy startTls, CertificateCheck check, boolean enforce, String policy) {
        this(startTls, check, enforce, policy, false);
    }

    /** The same, for a host that a published policy authenticated (DANE, MTA-STS). */
    public ConnectionSecurity withHostAuthenticated() {
        return new ConnectionSecurity(startTls, check, enforce, policy, true);
    }

    /** The STARTTLS policy alone, checking nothing: how sessions were opened before policies. */
    public static ConnectionSecurity of(TlsPolicy startTls) {
        return new ConnectionSecurity(startTls, CertificateCheck.NONE, false, startTls.name().toLowerCase(java.util.Locale.ROOT));
    }
}
