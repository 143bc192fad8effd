package dev.tern.it;

import static dev.tern.it.Relaying.awaitOnlyTransaction;
import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.tern.testing.ScriptedSmtpServer;

/**
 * Tern relays with BDAT (RFC 3030) to a next hop that offers CHUNKING, and the bytes arrive
 * intact: received by BDAT (binary, lone dots) or by DATA, sent on in chunks from the spool.
 */
class RelayChunkingTest {

    static FakeInternet net;
    static TernProcess tern;

    @BeforeAll
    static void start() {
        net = FakeInternet.start();
        tern = TernProcess.launch(net.ternOptions("500ms", "2s", "1m"));
    }

    @AfterAll
    static void stop() {
        FakeInternet.close(tern, net);
    }

    private static byte[] chunk(byte[] content, boolean last) {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        wire.writeBytes(("BDAT " + content.length + (last ? " LAST" : "") + "\r\n").getBytes(ISO_8859_1));
        wire.writeBytes(content);
        return wire.toByteArray();
    }

    private static List<String> bdatLines(ScriptedSmtpServer server) {
        return server.commandLines().stream().filter(line -> line.startsWith("BDAT")).toList();
    }

    @Test
    void aMessageReceivedByBdatGoesOnByBdatByteForByte() {
        String mx = net.nextAddress();
        net.mx("chunks.test", 10, "mx.chunks.test", mx);
        ScriptedSmtpServer server = net.run(net.smtp(mx).pipelining(true).chunking(true).extensions("BINARYMIME"));
        byte[] content = ("Subject: binary relay\r\n\r\n.\r\n..two\r\nNUL \u0000 8-bit \u00ff\u00e9 bare\rCR bare\nLF"
                + "\r\nno final CRLF").getBytes(ISO_8859_1);

        try (SmtpTranscript smtp = SmtpTranscript.connectOutbound(tern).hello()) {
            // binary content (bare CR and LF, NUL) is BODY=BINARYMIME (RFC 3030 §3)
            smtp.pipeline("MAIL FROM:<alice@example.test> BODY=BINARYMIME", "RCPT TO:<x@chunks.test>");
            smtp.expect("250 2.1.0", "250 2.1.5");
            smtp.sendRaw(chunk(java.util.Arrays.copyOfRange(content, 0, 20), false));
            smtp.sendRaw(chunk(java.util.Arrays.copyOfRange(content, 20, content.length), true));
            smtp.expect("250 2.0.0 20 octets received", "250 2.0.0 Ok: queued as ");
            smtp.quit();
        }

        ScriptedSmtpServer.Transaction t = awaitOnlyTransaction(server, tern);
        Relaying.Relayed relayed = Relaying.relayed(t.data());
        assertThat(relayed.received()).contains("by " + TernProcess.HOSTNAME).contains("for <x@chunks.test>");
        assertThat(relayed.message()).as("the client's octets, as sent").isEqualTo(content);
        assertThat(bdatLines(server)).as("one chunk: the whole message with Tern's Received header")
                .containsExactly("BDAT " + t.data().length + " LAST");
        assertThat(server.commandLines()).doesNotContain("DATA");
        Relaying.awaitLogLine(tern, Duration.ofSeconds(5), "to=<x@chunks.test>", "status=sent");
    }

    @Test
    void aLargeMessageGoesInSeveralChunks() {
        String mx = net.nextAddress();
        net.mx("large.test", 10, "mx.large.test", mx);
        ScriptedSmtpServer server = net.run(net.smtp(mx).chunking(true));
        StringBuilder body = new StringBuilder("Subject: large\r\n\r\n");
        Random random = new Random(3030);
        while (body.length() < 2_500_000) {
            body.append(Long.toString(random.nextLong(), 36)).append(random.nextInt(10) == 0 ? "\r\n.\r\n" : "\r\n");
        }
        String content = body.toString();

        Relaying.send(tern, "alice@example.test", List.of("y@large.test"), content);

        ScriptedSmtpServer.Transaction t = awaitOnlyTransaction(server, tern);
        assertThat(Relaying.relayed(t.data()).messageLatin1()).isEqualTo(content);
        List<String> chunks = bdatLines(server);
        assertThat(chunks).hasSize(3).allMatch(line -> line.matches("BDAT \\d+( LAST)?"));
        assertThat(chunks.get(0)).isEqualTo("BDAT 1048576");
        assertThat(chunks.get(2)).endsWith(" LAST");
    }

    @Test
    void aNextHopWithoutChunkingGetsData() {
        String mx = net.nextAddress();
        net.mx("plain.test", 10, "mx.plain.test", mx);
        ScriptedSmtpServer server = net.run(net.smtp(mx).pipelining(true));
        String content = Relaying.message("plain", ".lone\r\n.\r\nend");

        Relaying.send(tern, "alice@example.test", List.of("z@plain.test"), content);

        ScriptedSmtpServer.Transaction t = awaitOnlyTransaction(server, tern);
        assertThat(Relaying.relayed(t.data()).messageLatin1()).isEqualTo(content);
        assertThat(server.commandLines()).contains("DATA").noneMatch(line -> line.startsWith("BDAT"));
    }

    @Test
    void aRefusedChunkFailsTheRecipientAsADataRefusalWould() {
        String mx = net.nextAddress();
        net.mx("refuse.test", 10, "mx.refuse.test", mx);
        ScriptedSmtpServer server = net.run(net.smtp(mx).chunking(true)
                .bdatReplies("554 5.6.0 Error: content rejected"));
        String user = tern.newUser("bounced");

        Relaying.send(tern, TernProcess.address(user), List.of("w@refuse.test"), Relaying.message("refuse", "no"));

        String dsn = Relaying.awaitDsn(tern, user, Relaying.DELIVERY_TIMEOUT);
        Relaying.assertFailureDsn(dsn, TernProcess.address(user), List.of("w@refuse.test"));
        assertThat(dsn).contains("554 5.6.0 Error: content rejected");
        assertThat(bdatLines(server)).hasSize(1);
    }
}
