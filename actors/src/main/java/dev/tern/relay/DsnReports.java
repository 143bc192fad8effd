package dev.tern.relay;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import dev.tern.protocol.DeliveryStatusNotification.Action;
import dev.tern.protocol.DeliveryStatusNotification.RecipientReport;
import dev.tern.protocol.RecipientDsn.Notify;
import dev.tern.protocol.ReversePath;
import dev.tern.queue.QueueEntry;
import dev.tern.queue.RecipientState;
import dev.tern.queue.RecipientStatus;

/**
 * Which recipients of a queue entry the sender is told about, as RFC 3461 §4.1 NOTIFY asks:
 * failures unless NOTIFY excludes FAILURE, "relayed" when it has SUCCESS, one delay warning unless it
 * excludes DELAY. Never anything for the null sender (RFC 3461 §6.2, RFC 5321 §4.5.5).
 */
final class DsnReports {

    private DsnReports() {
    }

    /** What the sender is owed once every recipient is final: its failures and relayed recipients. */
    static List<RecipientReport> owedAtEnd(QueueEntry entry) {
        List<RecipientReport> reports = new ArrayList<>();
        if (entry.sender() instanceof ReversePath.NullSender) {
            return reports;
        }
        for (RecipientState r : entry.recipients()) {
            if (r.status() == RecipientStatus.FAILED && r.dsn().wants(Notify.FAILURE)) {
                reports.add(withOrcpt(RecipientReport.failed(r.address(), r.dsnStatus(), r.remoteMta(),
                        r.diagnostic(), r.lastAttempt()), r));
            } else if (r.status() == RecipientStatus.DELIVERED && r.relayed() && r.dsn().wants(Notify.SUCCESS)) {
                reports.add(withOrcpt(RecipientReport.succeeded(r.address(), Action.RELAYED, r.remoteMta(), null,
                        r.lastAttempt()), r));
            }
        }
        return reports;
    }

    /**
     * The deferred recipients due their one delay warning: in the queue for {@code delay} or longer, never warned,
     * and NOTIFY not excluding DELAY. None when {@code delay} is zero (warnings off).
     */
    static List<RecipientState> delayWarningDue(QueueEntry entry, Instant now, Duration delay) {
        if (delay.isZero() || entry.sender() instanceof ReversePath.NullSender
                || now.isBefore(entry.arrival().plus(delay))) {
            return List.of();
        }
        return entry.recipients().stream()
                .filter(r -> r.status() == RecipientStatus.DEFERRED && r.delayWarned() == null
                        && r.dsn().wants(Notify.DELAY))
                .toList();
    }

    static RecipientReport delayed(RecipientState r, Instant willRetryUntil) {
        return withOrcpt(RecipientReport.delayed(r.address(), r.dsnStatus() == null ? "4.0.0" : r.dsnStatus(),
                r.remoteMta(), r.diagnostic(), r.lastAttempt(), willRetryUntil), r);
    }

    private static RecipientReport withOrcpt(RecipientReport report, RecipientState r) {
        return report.withOriginalRecipient(r.dsn().orcpt());
    }
}
