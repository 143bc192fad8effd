package dev.tern.transport.dane;

import java.util.List;

import org.xbill.DNS.Record;

/**
 * One DNS answer with its DNSSEC security status (RFC 4035 §4.3): secure, insecure or bogus, or
 * no answer at all.
 */
sealed interface DnssecAnswer {

    /**
     * Validated from a trust anchor down.
     *
     * @param records the records of the asked type; empty when their absence was proven (NODATA or
     *                NXDOMAIN with validated NSEC/NSEC3)
     */
    record Secure(List<Record> records) implements DnssecAnswer {
        public Secure {
            records = List.copyOf(records);
        }
    }

    /** Provably unsigned (or outside every trust anchor): the records may have been forged. */
    record Insecure(List<Record> records) implements DnssecAnswer {
        public Insecure {
            records = List.copyOf(records);
        }
    }

    /**
     * Should have been signed and was not validly: a forgery, a broken zone, or an upstream that
     * strips signatures. dnsjava's validator answers SERVFAIL for it, and an upstream SERVFAIL
     * reads the same.
     */
    record Bogus(String reason) implements DnssecAnswer {
    }

    /** No answer: timeout, I/O error. */
    record Failed(String reason) implements DnssecAnswer {
    }
}
