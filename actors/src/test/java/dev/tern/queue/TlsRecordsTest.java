package dev.tern.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tern.protocol.DsnRequest;
import dev.tern.protocol.MailAddress;
import dev.tern.protocol.MessageEncoding;
import dev.tern.protocol.ReversePath;
import dev.tern.protocol.TlsRequirement;
import dev.tern.store.StagedMessage;

/** The REQUIRETLS key of a queue record (RFC 8689), and records written before it. */
class TlsRecordsTest {

    private static final MailAddress BOB = new MailAddress("bob", "example.org");
    private static final MailAddress CAROL = new MailAddress("carol", "example.net");
    private static final ReversePath ALICE = new ReversePath.Sender(new MailAddress("alice", "example.com"));
    private static final Instant T = Instant.parse("2026-03-01T12:00:00Z");

    @Test
    void aRecordWrittenBeforeItLoadsWithoutRequireTlsAndIsWrittenAsBefore() throws Exception {
        QueueEntry entry = QueueRecords.parse(DsnRecordsTest.BEFORE_DSN);

        assertThat(entry.tls()).isEqualTo(TlsRequirement.DEFAULT);
        assertThat(QueueRecords.write(entry)).isEqualTo(DsnRecordsTest.BEFORE_DSN);
    }

    @Test
    void requireTlsIsOneLineAndRoundTrips() throws Exception {
        QueueEntry entry = QueueRecords.parse(DsnRecordsTest.BEFORE_DSN).withTls(TlsRequirement.REQUIRETLS);

        String text = QueueRecords.write(entry);

        assertThat(text).contains("\nbody-size 1204\ntls-requirement REQUIRETLS\nrcpt <bob@example.org>\n");
        assertThat(QueueRecords.parse(text)).isEqualTo(entry);
        assertThat(QueueRecords.parse(text).tls()).isEqualTo(TlsRequirement.REQUIRETLS);
    }

    @Test
    void aValueTernWouldNotWriteIsRefused() {
        for (String value : List.of("DEFAULT", "yes", "requiretls")) {
            String text = DsnRecordsTest.BEFORE_DSN.replace("body-size 1204\n",
                    "body-size 1204\ntls-requirement " + value + "\n");
            assertThatThrownBy(() -> QueueRecords.parse(text)).as(value).isInstanceOf(QueueRecordException.class);
        }
    }

    @Test
    void theSpoolKeepsItForEveryDomainOfTheMessage(@TempDir Path dir) throws Exception {
        QueueSpool spool = new QueueSpool(dir.resolve("queue"));
        String content = "Return-Path: <alice@example.com>\r\nSubject: x\r\n\r\nhi\r\n";
        Path file = Files.write(dir.resolve("staged"), content.getBytes(StandardCharsets.US_ASCII));
        StagedMessage staged = new StagedMessage(file, content.length(), content.indexOf("Subject"));

        List<QueueEntry> queued = spool.enqueue("M1", ALICE, List.of(BOB, CAROL), staged, T, MessageEncoding.PLAIN,
                DsnRequest.NONE, Map.of(), TlsRequirement.REQUIRETLS);

        assertThat(queued).extracting(QueueEntry::tls)
                .containsExactly(TlsRequirement.REQUIRETLS, TlsRequirement.REQUIRETLS);
        assertThat(spool.load("example.org")).extracting(QueueEntry::tls).containsExactly(TlsRequirement.REQUIRETLS);
        assertThat(spool.load("example.net")).extracting(QueueEntry::tls).containsExactly(TlsRequirement.REQUIRETLS);
        QueueEntry deferred = queued.get(0).deferred(BOB, "4.7.10", "X-Tern; later", null, T, T.plusSeconds(60));
        spool.update(deferred);
        assertThat(spool.find("M1-1")).map(QueueEntry::tls).contains(TlsRequirement.REQUIRETLS);
    }
}
