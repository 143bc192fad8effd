package dev.tern.streams.client;

import java.security.cert.X509Certificate;
import java.util.List;

/**
 * Judges the chain a server presented. Runs once per completed handshake; what it returns
 * is kept on the session, and ends it before EHLO when the connection's policy enforces.
 */
@FunctionalInterface
public interface CertificateCheck {

    /** Proves nothing: for sessions whose verdict no one reads. */
    CertificateCheck NONE = (chain, hostName) -> new TlsVerdict.Failed(TlsFailure.VALIDATION_FAILURE, "not checked");

    /**
     * @param chain    the peer's certificates, leaf first, as presented
     * @param hostName the MX host name connected to, lower case, no trailing dot
     */
    TlsVerdict check(List<X509Certificate> chain, String hostName);
}
