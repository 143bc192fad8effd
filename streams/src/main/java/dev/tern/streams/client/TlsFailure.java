package dev.tern.streams.client;

import java.util.Locale;

/**
 * Why a connection did not meet its TLS policy, as the result types of RFC 8460 §4.3, which
 * TLS-RPT reports name them; logs and queue entries use the same words.
 */
public enum TlsFailure {
    /** §4.3.1: the server did not offer STARTTLS, or refused it. */
    STARTTLS_NOT_SUPPORTED,
    /** §4.3.1: the certificate is not valid for the MX host name. */
    CERTIFICATE_HOST_MISMATCH,
    /** §4.3.1: the certificate (or one above it) has expired. */
    CERTIFICATE_EXPIRED,
    /** §4.3.1: no chain to a trusted anchor. */
    CERTIFICATE_NOT_TRUSTED,
    /** §4.3.1: anything else that failed, the handshake included. */
    VALIDATION_FAILURE,
    /** §4.3.2: no TLSA record matched, or none was usable. */
    TLSA_INVALID,
    /** §4.3.2: the DNSSEC validation of the TLSA records failed (bogus). */
    DNSSEC_INVALID,
    /** §4.3.2: DANE applies but the connection could not use it. */
    DANE_REQUIRED,
    /** §4.3.3: the MTA-STS policy could not be fetched. */
    STS_POLICY_FETCH_ERROR,
    /** §4.3.3: the MTA-STS policy did not parse, or did not list the MX host. */
    STS_POLICY_INVALID,
    /** §4.3.3: the policy host's certificate did not verify. */
    STS_WEBPKI_INVALID;

    /** The JSON string of RFC 8460 §4.4's {@code result-type}, e.g. {@code certificate-host-mismatch}. */
    public String resultType() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
