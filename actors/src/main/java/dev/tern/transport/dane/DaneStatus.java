package dev.tern.transport.dane;

import java.util.List;

import dev.tern.protocol.dane.TlsaRecord;

/** What DNSSEC says about DANE for one MX host (RFC 7672 §2.2). */
public sealed interface DaneStatus {

    /**
     * A secure, non-empty TLSA RRset: DANE governs the host. The records may all be unusable; then
     * TLS is still mandatory but unauthenticated (§2.2), which {@code DaneAuthenticator} reports.
     */
    record Tlsa(List<TlsaRecord> records) implements DaneStatus {
        public Tlsa {
            records = List.copyOf(records);
            if (records.isEmpty()) {
                throw new IllegalArgumentException("a TLSA RRset has records");
            }
        }
    }

    /**
     * DANE does not apply: the TLSA records are insecure or provably absent, or the resolver
     * cannot validate at all. Another policy (MTA-STS, the local one) decides.
     */
    record NotApplicable(String reason) implements DaneStatus {
    }

    /**
     * The TLSA lookup of a host in a signed zone was bogus or failed: RFC 7672 §2.2 says not to
     * deliver to it (an attacker may be hiding the records); the attempt waits (TLS-RPT
     * "dnssec-invalid").
     */
    record Invalid(String reason) implements DaneStatus {
    }
}
