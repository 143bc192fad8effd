package dev.tern.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tern.protocol.DsnRequest;
import dev.tern.protocol.MailAddress;
import dev.tern.protocol.OriginalRecipient;
import dev.tern.protocol.RecipientDsn;
import dev.tern.protocol.RecipientDsn.Notify;
import dev.tern.protocol.ReversePath;

/** The DSN keys of a queue record (RFC 3461 requests, relayed, delay-warned), and records written before them. */
class DsnRecordsTest {

    private static final MailAddress BOB = new MailAddress("bob", "example.org");
    private static final MailAddress CAROL = new MailAddress("carol", "example.org");
    private static final Instant T = Instant.parse("2026-03-01T12:00:00Z");

    /** A record exactly as Tern wrote it before DSN (the example of QueueRecords' documentation). */
    static final String BEFORE_DSN = """
            tern-queue 1
            id 1ABCP2Q3-1
            domain example.org
            message-id 1ABCP2Q3
            sender <alice@example.com>
            arrival 2026-03-01T12:00:00Z
            body-offset 31
            body-size 1204
            rcpt <bob@example.org>
            status DEFERRED
            attempts 1
            last-attempt 2026-03-01T12:00:05Z
            next-attempt 2026-03-01T12:05:05Z
            dsn-status 4.4.1
            diagnostic X-Tern; connect to mx.example.org: Connection refused
            end
            """;

    @Test
    void aRecordWrittenBeforeDsnLoadsWithTheDefaults() throws Exception {
        QueueEntry entry = QueueRecords.parse(BEFORE_DSN);

        assertThat(entry.dsn()).isEqualTo(DsnRequest.NONE);
        RecipientState bob = entry.recipient(BOB);
        assertThat(bob.dsn()).isEqualTo(RecipientDsn.NONE);
        assertThat(bob.dsn().wants(Notify.DELAY)).as("RFC 3461 §4.1 default").isTrue();
        assertThat(bob.relayed()).isFalse();
        assertThat(bob.delayWarned()).isNull();
        assertThat(bob.status()).isEqualTo(RecipientStatus.DEFERRED);
        assertThat(bob.diagnostic()).isEqualTo("X-Tern; connect to mx.example.org: Connection refused");
        // and written again, it is the same text: no new key for a record without DSN requests
        assertThat(QueueRecords.write(entry)).isEqualTo(BEFORE_DSN);
    }

    @Test
    void aSpoolWrittenBeforeDsnLoads(@TempDir Path dir) throws Exception {
        QueueSpool spool = new QueueSpool(dir);
        Path domain = Files.createDirectories(dir.resolve("example.org"));
        Files.writeString(domain.resolve("1ABCP2Q3-1.env"), BEFORE_DSN);
        Files.write(domain.resolve("1ABCP2Q3-1.msg"), new byte[1235]);

        List<QueueEntry> loaded = spool.load("example.org");

        assertThat(loaded).hasSize(1);
        assertThat(loaded.get(0).recipient(BOB).dsn()).isEqualTo(RecipientDsn.NONE);
    }

    @Test
    void everyDsnKeyRoundTrips() throws Exception {
        QueueEntry entry = QueueEntry.create("1ABC-1", "example.org", "1ABC",
                        new ReversePath.Sender(new MailAddress("alice", "example.com")), T, 31, 100, List.of(BOB, CAROL),
                        new DsnRequest(DsnRequest.Ret.FULL, "id with \\ and space"),
                        Map.of(BOB, new RecipientDsn(Set.of(Notify.SUCCESS, Notify.DELAY),
                                        new OriginalRecipient("rfc822", "Bob+x@example.org")),
                                CAROL, new RecipientDsn(Set.of(), null)))
                .relayed(BOB, "mx.example.org", T.plusSeconds(5))
                .deferred(CAROL, "4.2.0", "smtp; 451 later", "mx.example.org", T.plusSeconds(5), T.plusSeconds(60))
                .warned(List.of(CAROL), T.plusSeconds(6));

        String text = QueueRecords.write(entry);

        assertThat(text).contains("\nret FULL\n", "\nenvid id with \\\\ and space\n", "\nnotify SUCCESS,DELAY\n",
                "\norcpt rfc822;Bob+2Bx@example.org\n", "\nrelayed yes\n", "\nnotify NEVER\n",
                "\ndelay-warned 2026-03-01T12:00:06Z\n");
        assertThat(QueueRecords.parse(text)).isEqualTo(entry);
    }

    @Test
    void badDsnValuesAreRejected() {
        String good = BEFORE_DSN.replace("\nend\n", "\nnotify SUCCESS\nend\n");
        assertThatThrownBy(() -> QueueRecords.parse(good.replace("notify SUCCESS", "notify SOMETIMES")))
                .isInstanceOf(QueueRecordException.class);
        assertThatThrownBy(() -> QueueRecords.parse(good.replace("notify SUCCESS", "orcpt nonsense")))
                .isInstanceOf(QueueRecordException.class);
        assertThatThrownBy(() -> QueueRecords.parse(BEFORE_DSN.replace("body-size 1204", "body-size 1204\nret ALL")))
                .isInstanceOf(QueueRecordException.class);
    }
}
