package dev.tern.transport.dane;

import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.Objects;

import dev.tern.protocol.dane.DaneAuthenticator;
import dev.tern.protocol.dane.DaneVerdict;
import dev.tern.protocol.dane.TlsaRecord;
import dev.tern.streams.client.CertificateCheck;
import dev.tern.streams.client.CertificateNames;
import dev.tern.streams.client.TlsFailure;
import dev.tern.streams.client.TlsVerdict;

/**
 * Judges a handshake by the host's secure TLSA records (RFC 7672 §3), with the client's own
 * name check (RFC 7672 §3.2.3) for DANE-TA(2). A mismatch, and an RRset without a usable
 * record, are TLS-RPT's {@code tlsa-invalid}.
 *
 * @param records the host's secure TLSA RRset
 */
record DaneCheck(List<TlsaRecord> records, Clock clock) implements CertificateCheck {

    DaneCheck {
        records = List.copyOf(records);
        Objects.requireNonNull(clock, "clock");
    }

    @Override
    public TlsVerdict check(List<X509Certificate> chain, String hostName) {
        DaneVerdict verdict = DaneAuthenticator.authenticate(records, chain, hostName,
                (certificate, name) -> CertificateNames.matchesAny(certificate, List.of(name)), clock.instant());
        if (verdict instanceof DaneVerdict.Matched matched) {
            return new TlsVerdict.Verified(matched.how());
        }
        if (verdict instanceof DaneVerdict.Mismatch mismatch) {
            return new TlsVerdict.Failed(TlsFailure.TLSA_INVALID, "DANE: " + mismatch.reason());
        }
        return new TlsVerdict.Failed(TlsFailure.TLSA_INVALID,
                "DANE: " + ((DaneVerdict.NoUsableRecords) verdict).reason() + "; TLS without authentication (RFC 7672 §2.2)");
    }
}
