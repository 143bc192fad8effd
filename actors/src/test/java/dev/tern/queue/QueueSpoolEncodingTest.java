package dev.tern.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tern.protocol.BodyType;
import dev.tern.protocol.DsnRequest;
import dev.tern.protocol.MailAddress;
import dev.tern.protocol.MessageEncoding;
import dev.tern.protocol.ReversePath;
import dev.tern.store.StagedMessage;

/** SMTPUTF8 messages in the spool: U-label domains queue under their A-label, the encoding survives a restart. */
class QueueSpoolEncodingTest {

    @TempDir
    Path temp;

    @Test
    void utf8DomainsQueueUnderTheirALabelWithTheEncoding() throws IOException {
        byte[] message = "Return-Path: <jöran@origin.test>\r\nSubject: café\r\n\r\nx\r\n".getBytes(StandardCharsets.UTF_8);
        int returnPath = "Return-Path: <jöran@origin.test>\r\n".getBytes(StandardCharsets.UTF_8).length;
        Path staged = Files.write(Files.createDirectories(temp.resolve("incoming")).resolve("M1"), message);
        QueueSpool spool = new QueueSpool(temp.resolve("queue"));
        MailAddress unicode = MailAddress.parse("josé@Bücher.example").orElseThrow();
        MailAddress ascii = MailAddress.parse("bob@xn--bcher-kva.example").orElseThrow();
        MessageEncoding utf8 = new MessageEncoding(BodyType.EIGHT_BIT_MIME, true);

        List<QueueEntry> entries = spool.enqueue("M1",
                new ReversePath.Sender(MailAddress.parse("jöran@origin.test").orElseThrow()), List.of(unicode, ascii),
                new StagedMessage(staged, message.length, returnPath), Instant.parse("2026-03-01T12:00:00Z"), utf8,
                DsnRequest.NONE, Map.of());

        assertThat(entries).hasSize(1);
        assertThat(entries.get(0).domain()).isEqualTo("xn--bcher-kva.example");
        assertThat(entries.get(0).pendingAddresses()).containsExactly(unicode, ascii);
        assertThat(entries.get(0).encoding()).isEqualTo(utf8);
        assertThat(Files.isDirectory(temp.resolve("queue/xn--bcher-kva.example"))).isTrue();
        assertThat(new QueueSpool(temp.resolve("queue")).load("xn--bcher-kva.example")).containsExactly(entries.get(0));
    }
}
