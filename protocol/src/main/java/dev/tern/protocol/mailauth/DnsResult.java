package dev.tern.protocol.mailauth;

import java.util.List;

/** One DNS answer as a value: records, none (NXDOMAIN or NODATA), or a failure worth retrying. */
public sealed interface DnsResult<T> {

    /** The records found; never empty. */
    record Records<T>(List<T> values) implements DnsResult<T> {
        public Records {
            values = List.copyOf(values);
            if (values.isEmpty()) {
                throw new IllegalArgumentException("no records: use None");
            }
        }
    }

    /**
     * No records: the name does not exist (NXDOMAIN) or has none of the type (NODATA). RFC 7208
     * §4.6.4 counts both as a "void lookup".
     */
    record None<T>(boolean noSuchDomain) implements DnsResult<T> {
    }

    /** SERVFAIL, timeout, I/O error: a temporary error (RFC 7208 §2.6.6, RFC 7489 §6.6.3). */
    record Failed<T>(String reason) implements DnsResult<T> {
    }

    static <T> DnsResult<T> of(List<T> values) {
        return values.isEmpty() ? new None<>(false) : new Records<>(values);
    }
}
