package dev.tern.dns;

import java.util.List;
import java.util.Locale;

import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * The outcome of one DNS question, with failures as values so that callers can combine
 * several lookups without exception plumbing.
 */
public sealed interface DnsAnswer {

    /** The records of the asked type, after following CNAMEs; never empty. */
    record Found(List<Record> records) implements DnsAnswer {
        public Found {
            records = List.copyOf(records);
        }
    }

    /** The name exists but has no records of the asked type (NOERROR, empty answer). */
    record NoData() implements DnsAnswer {
    }

    /** NXDOMAIN: the name does not exist. */
    record NoSuchDomain() implements DnsAnswer {
    }

    /**
     * No usable answer (SERVFAIL, REFUSED, timeout, I/O error, broken zone data); worth
     * asking again later.
     *
     * @param reason what went wrong, e.g. {@code "SERVFAIL"} or {@code "timed out"}
     */
    record Failed(String reason) implements DnsAnswer {
    }

    /**
     * The answer as Postfix words a failed lookup, e.g. {@code Host or domain name not found.
     * Name service error for name=x.test type=MX: Host not found}. Only for answers without
     * records.
     */
    public static String diagnostic(Name name, int type, DnsAnswer answer) {
        String error;
        if (answer instanceof NoSuchDomain) {
            error = "Host not found";
        } else if (answer instanceof NoData) {
            error = "Host found but no data record of requested type";
        } else if (answer instanceof Failed failed) {
            error = "Host not found, try again (" + failed.reason() + ")";
        } else {
            throw new IllegalArgumentException("not a failed lookup: " + answer);
        }
        return "Host or domain name not found. Name service error for name=" + text(name)
                + " type=" + Type.string(type) + ": " + error;
    }

    /** A name as mail software shows it: lower case, no trailing dot. */
    public static String text(Name name) {
        return name.toString(true).toLowerCase(Locale.ROOT);
    }
}
