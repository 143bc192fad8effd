package dev.tern.queue;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

import dev.tern.protocol.TlsRequirement;

/**
 * The text of {@code tern queue list}, in the spirit of Postfix's {@code postqueue -p}: one block per entry, its
 * recipients indented below it, and a count at the end.
 *
 * <pre>
 * 1ABCP2Q3-1  1204 octets  arrived 2026-03-01 13:00:00 +01:00  from &lt;alice@example.com&gt;
 *   DEFERRED   &lt;bob@example.org&gt;  attempts 1, next 2026-03-01 13:05:05 +01:00
 *              last error: X-Tern; connect to mx.example.org: Connection refused
 *   PENDING    &lt;carol@example.org&gt;  attempts 0
 *
 * -- 1 entry, 2 recipients pending
 * </pre>
 */
public final class QueueListing {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss xxx", Locale.ROOT);
    private static final String INDENT = "  ";
    private static final String DETAIL = " ".repeat(INDENT.length() + 11);

    private QueueListing() {
    }

    public static String format(List<QueueEntry> entries, ZoneId zone) {
        if (entries.isEmpty()) {
            return "Mail queue is empty\n";
        }
        StringBuilder text = new StringBuilder();
        int pending = 0;
        for (QueueEntry entry : entries) {
            text.append(entry.id())
                    .append("  ").append(entry.bodySize()).append(" octets")
                    .append("  arrived ").append(time(entry.arrival(), zone))
                    .append("  from ").append(printable(entry.sender().bracketed()))
                    .append(entry.tls() == TlsRequirement.REQUIRETLS ? "  REQUIRETLS" : "") // RFC 8689
                    .append('\n');
            for (RecipientState r : entry.recipients()) {
                text.append(INDENT).append(String.format(Locale.ROOT, "%-10s", r.status().name()))
                        .append(' ').append(printable("<" + r.address() + ">"))
                        .append("  attempts ").append(r.attempts());
                if (r.status() == RecipientStatus.DEFERRED && r.nextAttempt() != null) {
                    text.append(", next ").append(time(r.nextAttempt(), zone));
                }
                if (r.lastAttempt() != null) {
                    text.append(", last ").append(time(r.lastAttempt(), zone));
                }
                if (r.remoteMta() != null) {
                    text.append(", via ").append(printable(r.remoteMta()));
                }
                text.append('\n');
                if (r.diagnostic() != null && r.status() != RecipientStatus.DELIVERED) {
                    text.append(DETAIL).append("last error: ").append(printable(r.diagnostic())).append('\n');
                }
                if (!r.isFinal()) {
                    pending++;
                }
            }
            text.append('\n');
        }
        return text.append("-- ").append(plural(entries.size(), "entry", "entries"))
                .append(", ").append(plural(pending, "recipient", "recipients")).append(" pending\n")
                .toString();
    }

    private static String time(Instant instant, ZoneId zone) {
        return TIME.format(instant.atZone(zone));
    }

    /** Remote servers' text could hold terminal control sequences: shown escaped, as in the record. */
    private static String printable(String text) {
        return QueueRecords.escape(text);
    }

    private static String plural(int n, String one, String many) {
        return n + " " + (n == 1 ? one : many);
    }
}
