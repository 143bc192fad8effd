package dev.tern.streams.client;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tern.protocol.ClientDialogue;
import dev.tern.protocol.MailAddress;
import dev.tern.protocol.ReversePath;
import dev.tern.testing.ScriptedSmtpServer;
import dev.tern.testing.ScriptedSmtpServer.Transaction;

/** The client sends BDAT chunks (RFC 3030) to a server offering CHUNKING, over real loopback sockets. */
class SmtpClientChunkingTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final ReversePath SENDER = new ReversePath.Sender(new MailAddress("alice", "origin.test"));
    private static final MailAddress BOB = new MailAddress("bob", "dest.test");
    private static final String RETURN_PATH = "Return-Path: <alice@origin.test>\r\n";

    private static ActorTestKit testKit;

    @TempDir
    Path dir;
    private ScriptedSmtpServer server;
    private SmtpClientSession session;

    @BeforeAll
    static void start() {
        testKit = ActorTestKit.create();
    }

    @AfterAll
    static void stop() {
        testKit.shutdownTestKit();
    }

    @AfterEach
    void tearDown() {
        if (session != null) {
            session.abort();
        }
        if (server != null) {
            server.close();
        }
    }

    private SmtpClientSession open() throws Exception {
        return await(SmtpClientSession.open(testKit.system(), server.address(), "localhost", "client.test",
                TlsPolicy.OFF, null, ClientTimeouts.uniform(WAIT)));
    }

    /** The message behind a Return-Path: line, which the offset skips. */
    private OutboundMessage message(byte[] content) throws Exception {
        Path body = Files.createTempFile(dir, "msg", ".eml");
        byte[] file = new byte[RETURN_PATH.length() + content.length];
        System.arraycopy(RETURN_PATH.getBytes(ISO_8859_1), 0, file, 0, RETURN_PATH.length());
        System.arraycopy(content, 0, file, RETURN_PATH.length(), content.length);
        Files.write(body, file);
        return new OutboundMessage("m1", SENDER, List.of(BOB), body, RETURN_PATH.length(), content.length);
    }

    private static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(WAIT.toSeconds() + 5, TimeUnit.SECONDS);
    }

    private List<String> bdatLines() {
        return server.commandLines().stream().filter(line -> line.startsWith("BDAT")).toList();
    }

    @Test
    void aSmallMessageGoesAsOneBdatLastWithNoDotStuffing() throws Exception {
        server = ScriptedSmtpServer.builder().pipelining(true).chunking(true).start();
        session = open();
        String text = "Subject: dots\r\n\r\n.\r\n..two\r\nno final newline";

        MessageReport report = await(session.send(message(text.getBytes(ISO_8859_1))));

        assertThat(report.delivered()).containsExactly(BOB);
        Transaction t = server.awaitTransactions(1, WAIT).get(0);
        assertThat(t.dataAsString()).as("the stored octets, as they are").isEqualTo(text);
        assertThat(bdatLines()).containsExactly("BDAT " + text.length() + " LAST");
        assertThat(server.commandLines()).doesNotContain("DATA");
    }

    @Test
    void aLargeBinaryMessageGoesInChunksAndArrivesIntact() throws Exception {
        server = ScriptedSmtpServer.builder().chunking(true).start();
        session = open();
        byte[] content = new byte[(int) (2 * ClientDialogue.CHUNK_SIZE + 12345)];
        new Random(3030).nextBytes(content);

        MessageReport report = await(session.send(message(content)));

        assertThat(report.delivered()).containsExactly(BOB);
        assertThat(server.awaitTransactions(1, WAIT).get(0).data()).isEqualTo(content);
        assertThat(bdatLines()).containsExactly("BDAT " + ClientDialogue.CHUNK_SIZE, "BDAT " + ClientDialogue.CHUNK_SIZE,
                "BDAT 12345 LAST");
    }

    @Test
    void anEmptyMessageIsBdatZeroLast() throws Exception {
        server = ScriptedSmtpServer.builder().chunking(true).start();
        session = open();

        assertThat(await(session.send(message(new byte[0]))).delivered()).containsExactly(BOB);
        assertThat(bdatLines()).containsExactly("BDAT 0 LAST");
    }

    @Test
    void aRefusedChunkIsTheRecipientsReplyAndTheSessionGoesOnAfterRset() throws Exception {
        server = ScriptedSmtpServer.builder().chunking(true).bdatReplies("552 5.3.4 Error: message file too big").start();
        session = open();
        byte[] content = new byte[(int) ClientDialogue.CHUNK_SIZE + 10];

        MessageReport report = await(session.send(message(content)));

        assertThat(report.delivered()).isEmpty();
        assertThat(report.replyFor(BOB).toString()).isEqualTo("552 5.3.4 Error: message file too big");
        assertThat(bdatLines()).as("no chunk after the refused one").containsExactly("BDAT " + ClientDialogue.CHUNK_SIZE);
        await(session.reset());
        assertThat(await(session.send(message("Subject: again\r\n\r\n".getBytes(ISO_8859_1)))).delivered())
                .containsExactly(BOB);
    }

    @Test
    void withoutChunkingDataAsBefore() throws Exception {
        server = ScriptedSmtpServer.builder().pipelining(true).start();
        session = open();
        String text = "Subject: x\r\n\r\n.\r\n";

        await(session.send(message(text.getBytes(ISO_8859_1))));

        assertThat(server.awaitTransactions(1, WAIT).get(0).dataAsString()).isEqualTo(text);
        assertThat(server.commandLines()).contains("DATA").noneMatch(line -> line.startsWith("BDAT"));
    }
}
