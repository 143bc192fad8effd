package dev.tern.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.tern.protocol.MailAddress;
import dev.tern.protocol.ReversePath;

class QueueRecordsTest {

    static final String NASTY = "smtp; 451 4.3.0 \"quoted\" \\back\\slash\r\nInjected: header\u0000\u001b[31m"
            + "\t tab, é, 日本, \ud83d\udce7, lone \ud800 and \udc00, \u0085 \u2028 trailing space ";

    static QueueEntry nastyEntry() {
        Instant t = Instant.parse("2026-03-01T12:00:00.123456789Z");
        MailAddress quoted = MailAddress.parse("\"john \\\"q\\\" smith@home\"@example.org").orElseThrow();
        MailAddress plain = new MailAddress("x+tag", "example.org");
        return QueueEntry.create("1ABC-2", "example.org", "1ABC",
                        new ReversePath.Sender(MailAddress.parse("\"a b\"@[IPv6:::1]").orElseThrow()), t, 31, 4096,
                        List.of(quoted, plain, new MailAddress("p", "example.org")))
                .deferred(quoted, "4.4.1", NASTY, "mx \u00e9\nb", t.plusSeconds(1), t.plusSeconds(301))
                .failed(plain, "5.1.1", "", null, t.plusSeconds(2));
    }

    @Test
    void everyFieldRoundTripsWithNastyValues() throws Exception {
        QueueEntry entry = nastyEntry();

        String text = QueueRecords.write(entry);

        assertThat(QueueRecords.parse(text)).isEqualTo(entry);
        assertThat(text).startsWith("tern-queue 1\n").endsWith("\nend\n");
        // one field per line: the line break in the diagnostic is escaped
        assertThat(text.lines()).noneMatch(line -> line.startsWith("Injected"));
        assertThat(text).doesNotContain("\r").doesNotContain("\u0000").doesNotContain("\u001b");
    }

    @Test
    void nullSenderAndAbsentFieldsRoundTrip() throws Exception {
        QueueEntry entry = QueueEntry.create("Z-1", "[127.0.0.1]", "Z", ReversePath.NULL, Instant.EPOCH, 0, 0,
                List.of(new MailAddress("postmaster", "[127.0.0.1]")));

        String text = QueueRecords.write(entry);

        assertThat(text).contains("\nsender <>\n").doesNotContain("diagnostic").doesNotContain("last-attempt");
        assertThat(QueueRecords.parse(text)).isEqualTo(entry);
    }

    @Test
    void damagedRecordsAreRejected() {
        String good = QueueRecords.write(nastyEntry());

        assertThatThrownBy(() -> QueueRecords.parse(good.substring(0, good.length() - 4)))
                .isInstanceOf(QueueRecordException.class);
        assertThatThrownBy(() -> QueueRecords.parse(good.replace("tern-queue 1", "tern-queue 2")))
                .isInstanceOf(QueueRecordException.class);
        assertThatThrownBy(() -> QueueRecords.parse(good.replace("\nbody-size ", "\nbody-size x")))
                .isInstanceOf(QueueRecordException.class);
        assertThatThrownBy(() -> QueueRecords.parse(good.replace("\nend\n", "\ncolour blue\nend\n")))
                .isInstanceOf(QueueRecordException.class);
        assertThatThrownBy(() -> QueueRecords.parse(good.replace("\nstatus DEFERRED", "\nstatus LOST")))
                .isInstanceOf(QueueRecordException.class);
        assertThatThrownBy(() -> QueueRecords.parse(good.replace("\\u000d", "\\u00zz")))
                .isInstanceOf(QueueRecordException.class);
        assertThatThrownBy(() -> QueueRecords.parse(good.replace("\nid 1ABC-2\n", "\n")))
                .isInstanceOf(QueueRecordException.class);
        assertThatThrownBy(() -> QueueRecords.parse(""))
                .isInstanceOf(QueueRecordException.class);
    }
}
