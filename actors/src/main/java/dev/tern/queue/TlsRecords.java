package dev.tern.queue;

import dev.tern.protocol.TlsRequirement;

/**
 * The optional REQUIRETLS mark of a queued message (RFC 8689 §4.1), as the file spool ({@link QueueRecords}, key
 * {@value #KEY}) and the queue database (column {@code tls_requirement}) keep it: absent for a message that asked
 * nothing, as in every record written before, so both stores read old entries unchanged.
 */
public final class TlsRecords {

    /** The record key. */
    public static final String KEY = "tls-requirement";

    private TlsRecords() {
    }

    /** The stored value, {@code null} for {@link TlsRequirement#DEFAULT}. */
    public static String write(TlsRequirement requirement) {
        return requirement == TlsRequirement.DEFAULT ? null : requirement.name();
    }

    /** IllegalArgumentException for a value Tern would not have written. */
    public static TlsRequirement read(String value) {
        if (value == null) {
            return TlsRequirement.DEFAULT;
        }
        TlsRequirement requirement = TlsRequirement.valueOf(value);
        if (requirement == TlsRequirement.DEFAULT) {
            throw new IllegalArgumentException(KEY + " " + value);
        }
        return requirement;
    }
}
