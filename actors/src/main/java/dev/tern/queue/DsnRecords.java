package dev.tern.queue;

import java.util.Locale;
import java.util.Set;

import dev.tern.protocol.DsnRequest;
import dev.tern.protocol.OriginalRecipient;
import dev.tern.protocol.RecipientDsn;

/** The optional DSN keys of a queue record ({@link QueueRecords}): absent in records written before them. */
public final class DsnRecords {

    private DsnRecords() {
    }

    static void writeMessage(StringBuilder text, DsnRequest dsn) {
        QueueRecords.field(text, "ret", dsn.ret() == null ? null : dsn.ret().name());
        QueueRecords.field(text, "envid", dsn.envid());
    }

    static void writeRecipient(StringBuilder text, RecipientState r) {
        QueueRecords.field(text, "notify", r.dsn().notifyValue());
        QueueRecords.field(text, "orcpt", r.dsn().orcpt() == null ? null : r.dsn().orcpt().parameter());
        QueueRecords.field(text, "relayed", r.relayed() ? "yes" : null);
        QueueRecords.field(text, "delay-warned", r.delayWarned() == null ? null : r.delayWarned().toString());
    }

    /** IllegalArgumentException for a value Tern would not have written. */
    public static DsnRequest message(String ret, String envid) {
        return new DsnRequest(ret == null ? null : DsnRequest.Ret.valueOf(ret.toUpperCase(Locale.ROOT)), envid);
    }

    /** IllegalArgumentException for a value Tern would not have written. */
    public static RecipientDsn recipient(String notify, String orcpt) {
        Set<RecipientDsn.Notify> conditions = notify == null ? null : RecipientDsn.parseNotify(notify);
        if (notify != null && conditions == null) {
            throw new IllegalArgumentException("bad notify " + notify);
        }
        OriginalRecipient original = orcpt == null ? null : OriginalRecipient.parse(orcpt);
        if (orcpt != null && original == null) {
            throw new IllegalArgumentException("bad orcpt " + orcpt);
        }
        return new RecipientDsn(conditions, original);
    }
}
