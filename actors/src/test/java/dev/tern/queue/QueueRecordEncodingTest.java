package dev.tern.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.tern.protocol.BodyType;
import dev.tern.protocol.MailAddress;
import dev.tern.protocol.MessageEncoding;
import dev.tern.protocol.ReversePath;

/** The optional {@code body} and {@code smtputf8} keys (issue 15), and records written before them. */
class QueueRecordEncodingTest {

    /** A record exactly as Tern wrote it before issue 15 (commit b0f4fbc): no body, no smtputf8. */
    private static final String BEFORE_ISSUE_15 = """
            tern-queue 1
            id MWTOE852PH7NQ1-1
            domain example.org
            message-id MWTOE852PH7NQ1
            sender <alice@localhost>
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
            rcpt <carol@example.org>
            status PENDING
            attempts 0
            end
            """;

    @Test
    void aRecordWrittenBeforeLoadsAs7BitWithoutSmtpUtf8() throws Exception {
        QueueEntry entry = QueueRecords.parse(BEFORE_ISSUE_15);

        assertThat(entry.encoding()).isEqualTo(MessageEncoding.PLAIN);
        assertThat(entry.encoding().body()).isEqualTo(BodyType.SEVEN_BIT);
        assertThat(entry.encoding().smtpUtf8()).isFalse();
        assertThat(entry.id()).isEqualTo("MWTOE852PH7NQ1-1");
        assertThat(entry.sender()).isEqualTo(new ReversePath.Sender(new MailAddress("alice", "localhost")));
        assertThat(entry.bodyOffset()).isEqualTo(31);
        assertThat(entry.bodySize()).isEqualTo(1204);
        assertThat(entry.pendingAddresses()).containsExactly(new MailAddress("bob", "example.org"),
                new MailAddress("carol", "example.org"));
        assertThat(entry.recipient(new MailAddress("bob", "example.org")).diagnostic())
                .isEqualTo("X-Tern; connect to mx.example.org: Connection refused");
        // and is written back as it was: a plain message adds no key
        assertThat(QueueRecords.write(entry)).isEqualTo(BEFORE_ISSUE_15);
    }

    @Test
    void utf8EntryRoundTripsWithItsKeys() throws Exception {
        MailAddress jose = MailAddress.parse("josé@bücher.example").orElseThrow();
        QueueEntry entry = QueueEntry.create("A-1", "xn--bcher-kva.example", "A",
                        new ReversePath.Sender(MailAddress.parse("jöran@origin.example").orElseThrow()),
                        Instant.parse("2026-03-01T12:00:00Z"), 40, 100, List.of(jose))
                .withEncoding(new MessageEncoding(BodyType.EIGHT_BIT_MIME, true));

        String text = QueueRecords.write(entry);

        assertThat(text).contains("\nbody 8BITMIME\nsmtputf8 yes\n").contains("\nrcpt <josé@bücher.example>\n");
        assertThat(QueueRecords.parse(text)).isEqualTo(entry);
    }

    @ParameterizedTest
    @EnumSource(BodyType.class)
    void everyBodyTypeRoundTrips(BodyType body) throws Exception {
        QueueEntry entry = QueueRecords.parse(BEFORE_ISSUE_15).withEncoding(new MessageEncoding(body, false));
        String text = QueueRecords.write(entry);
        assertThat(text.contains("\nbody ")).isEqualTo(body != BodyType.SEVEN_BIT);
        assertThat(text).doesNotContain("smtputf8");
        assertThat(QueueRecords.parse(text).encoding()).isEqualTo(new MessageEncoding(body, false));
    }

    @Test
    void transitionsKeepTheEncoding() throws Exception {
        MessageEncoding utf8 = new MessageEncoding(BodyType.EIGHT_BIT_MIME, true);
        QueueEntry entry = QueueRecords.parse(BEFORE_ISSUE_15).withEncoding(utf8)
                .failed(new MailAddress("bob", "example.org"), "5.6.7", "x", null, Instant.EPOCH);
        assertThat(entry.encoding()).isEqualTo(utf8);
    }

    @Test
    void unknownValuesAreDamage() {
        assertThatThrownBy(() -> QueueRecords.parse(BEFORE_ISSUE_15.replace("\nrcpt <bob", "\nbody 9BIT\nrcpt <bob")))
                .isInstanceOf(QueueRecordException.class);
        assertThatThrownBy(() -> QueueRecords.parse(BEFORE_ISSUE_15.replace("\nrcpt <bob", "\nsmtputf8 no\nrcpt <bob")))
                .isInstanceOf(QueueRecordException.class);
    }
}
