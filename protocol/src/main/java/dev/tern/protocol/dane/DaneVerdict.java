package dev.tern.protocol.dane;

/** What a server's certificate chain proved against a secure TLSA RRset (RFC 7672 §3). */
public sealed interface DaneVerdict {

    /** A usable record matched and, for DANE-TA(2), the chain and the name checked out. */
    record Matched(String how) implements DaneVerdict {
    }

    /** Usable records exist but none authenticated the chain: the host must not get the mail. */
    record Mismatch(String reason) implements DaneVerdict {
    }

    /**
     * The RRset had no usable record. RFC 7672 §2.2: TLS is still mandatory, but the peer is not
     * authenticated (reported as TLS-RPT's "tlsa-invalid").
     */
    record NoUsableRecords(String reason) implements DaneVerdict {
    }
}
