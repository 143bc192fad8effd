package dev.tern.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.tern.protocol.MailAddress;
import dev.tern.protocol.ReversePath;
import dev.tern.protocol.TlsRequirement;

class QueueListingTest {

    private static final Instant ARRIVAL = Instant.parse("2026-03-01T12:00:00Z");
    private static final MailAddress BOB = new MailAddress("bob", "example.org");
    private static final MailAddress CAROL = new MailAddress("carol", "example.org");
    private static final MailAddress DAN = new MailAddress("dan", "example.net");

    @Test
    void anEmptyQueueSaysSo() {
        assertThat(QueueListing.format(List.of(), ZoneOffset.UTC)).isEqualTo("Mail queue is empty\n");
    }

    @Test
    void listsEachEntryWithItsRecipientsAndCountsThePending() {
        Instant t1 = ARRIVAL.plusSeconds(5);
        QueueEntry org = QueueEntry.create("M1-1", "example.org", "M1",
                        new ReversePath.Sender(new MailAddress("alice", "example.com")), ARRIVAL, 31, 1204,
                        List.of(BOB, CAROL))
                .deferred(BOB, "4.4.1", "X-Tern; connect to mx.example.org: Connection refused\r\n\u001b[2J", null,
                        t1, t1.plusSeconds(300));
        QueueEntry net = QueueEntry.create("M1-2", "example.net", "M1", ReversePath.NULL, ARRIVAL, 31, 1204,
                        List.of(DAN))
                .failed(DAN, "5.1.1", "smtp; 550 5.1.1 no such user", "mx.example.net", t1);

        String text = QueueListing.format(List.of(org, net), ZoneId.of("Europe/Berlin"));

        assertThat(text).isEqualTo(""
                + "M1-1  1204 octets  arrived 2026-03-01 13:00:00 +01:00  from <alice@example.com>\n"
                + "  DEFERRED   <bob@example.org>  attempts 1, next 2026-03-01 13:05:05 +01:00, last 2026-03-01 13:00:05 +01:00\n"
                + "             last error: X-Tern; connect to mx.example.org: Connection refused\\u000d\\u000a\\u001b[2J\n"
                + "  PENDING    <carol@example.org>  attempts 0\n"
                + "\n"
                + "M1-2  1204 octets  arrived 2026-03-01 13:00:00 +01:00  from <>\n"
                + "  FAILED     <dan@example.net>  attempts 1, last 2026-03-01 13:00:05 +01:00, via mx.example.net\n"
                + "             last error: smtp; 550 5.1.1 no such user\n"
                + "\n"
                + "-- 2 entries, 2 recipients pending\n");
    }

    @Test
    void countsAreSingularForOne() {
        QueueEntry one = QueueEntry.create("M1-1", "example.org", "M1", ReversePath.NULL, ARRIVAL, 0, 10, List.of(BOB));

        assertThat(QueueListing.format(List.of(one), ZoneOffset.UTC)).endsWith("\n-- 1 entry, 1 recipient pending\n");
    }

    @Test
    void aRequireTlsEntrySaysSo() {
        QueueEntry one = QueueEntry.create("M1-1", "example.org", "M1", ReversePath.NULL, ARRIVAL, 0, 10, List.of(BOB));

        assertThat(QueueListing.format(List.of(one.withTls(TlsRequirement.REQUIRETLS)), ZoneOffset.UTC))
                .startsWith("M1-1  10 octets  arrived 2026-03-01 12:00:00 +00:00  from <>  REQUIRETLS\n");
        assertThat(QueueListing.format(List.of(one), ZoneOffset.UTC)).doesNotContain("REQUIRETLS");
    }
}
