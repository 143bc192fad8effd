package dev.tern.streams.client;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tern.protocol.BodyType;
import dev.tern.protocol.MailAddress;
import dev.tern.protocol.MessageEncoding;
import dev.tern.protocol.ReversePath;
import dev.tern.testing.ScriptedSmtpServer;

/** BODY= and SMTPUTF8 on the wire, and messages the next hop cannot take, against a scripted server over loopback. */
class SmtpClientEncodingTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final ReversePath JORAN = new ReversePath.Sender(new MailAddress("jöran", "origin.test"));
    private static final ReversePath ALICE = new ReversePath.Sender(new MailAddress("alice", "origin.test"));
    private static final MailAddress JOSE = new MailAddress("josé", "dest.test");
    private static final MailAddress BOB = new MailAddress("bob", "dest.test");
    private static final MessageEncoding UTF8 = new MessageEncoding(BodyType.EIGHT_BIT_MIME, true);

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

    @Test
    void utf8EnvelopeGoesAsUtf8OctetsWithSmtpUtf8AndBody() throws Exception {
        server = ScriptedSmtpServer.builder().pipelining(true).extensions("SMTPUTF8").start();
        session = open();
        byte[] content = "Subject: caf\u00e9\r\n\r\nd\u00e9j\u00e0 vu\r\n".getBytes(UTF_8);

        MessageReport report = await(session.send(message(JORAN, JOSE, content, UTF8)));

        assertThat(report.delivered()).containsExactly(JOSE);
        ScriptedSmtpServer.Transaction t = server.awaitTransactions(1, WAIT).get(0);
        assertThat(utf8(t.mailFrom())).isEqualTo("jöran@origin.test");
        assertThat(t.mailParameters()).isEqualTo("BODY=8BITMIME SMTPUTF8");
        assertThat(t.recipients()).extracting(SmtpClientEncodingTest::utf8).containsExactly("josé@dest.test");
        assertThat(t.data()).isEqualTo(content);
    }

    @Test
    void withoutSmtpUtf8AUtf8MessageIsNotOfferedAndFailsWith567() throws Exception {
        server = ScriptedSmtpServer.builder().pipelining(true).start();
        session = open();

        MessageReport report = await(session.send(message(ALICE, JOSE, "Subject: x\r\n\r\nx\r\n".getBytes(UTF_8), UTF8)));

        assertThat(report.replyFor(JOSE).code()).isEqualTo(553);
        assertThat(report.replyFor(JOSE).enhancedCode()).isEqualTo("5.6.7");
        assertThat(server.commandLines()).noneMatch(line -> line.startsWith("MAIL"));
        // the session stays usable: an ASCII message follows on it
        await(session.reset());
        assertThat(await(session.send(message(ALICE, BOB, "Subject: x\r\n\r\nx\r\n".getBytes(UTF_8),
                MessageEncoding.PLAIN))).delivered()).containsExactly(BOB);
    }

    @Test
    void withoutSmtpUtf8AUtf8HeaderFailsAndAnAsciiOneGoes() throws Exception {
        server = ScriptedSmtpServer.builder().pipelining(true).start();
        session = open();
        byte[] utf8Subject = "Subject: caf\u00e9\r\n\r\nx\r\n".getBytes(UTF_8);
        byte[] utf8BodyOnly = "Subject: cafe\r\n\r\ncaf\u00e9\r\n".getBytes(UTF_8);

        assertThat(await(session.send(message(ALICE, BOB, utf8Subject, UTF8))).replyFor(BOB).enhancedCode())
                .isEqualTo("5.6.7");
        await(session.reset());
        MessageReport report = await(session.send(message(ALICE, BOB, utf8BodyOnly, UTF8)));

        assertThat(report.delivered()).containsExactly(BOB);
        ScriptedSmtpServer.Transaction t = server.awaitTransactions(1, WAIT).get(0);
        assertThat(t.mailParameters()).isEqualTo("BODY=8BITMIME"); // the scripted server offers 8BITMIME
        assertThat(t.data()).isEqualTo(utf8BodyOnly);
    }

    private SmtpClientSession open() throws Exception {
        return await(SmtpClientSession.open(testKit.system(), server.address(), "localhost", "client.test",
                TlsPolicy.OFF, OpportunisticTls.context(), ClientTimeouts.uniform(WAIT)));
    }

    /** The content behind a Return-Path: line that the offset skips. */
    private OutboundMessage message(ReversePath sender, MailAddress to, byte[] content, MessageEncoding encoding)
            throws Exception {
        byte[] returnPath = ("Return-Path: " + sender.bracketed() + "\r\n").getBytes(UTF_8);
        Path file = Files.createTempFile(dir, "msg", ".eml");
        Files.write(file, returnPath);
        Files.write(file, content, java.nio.file.StandardOpenOption.APPEND);
        return new OutboundMessage("m1", sender, List.of(to), file, returnPath.length, content.length, encoding);
    }

    /** The scripted server reads lines as ISO-8859-1: the octets back as UTF-8. */
    private static String utf8(String latin1) {
        return new String(latin1.getBytes(ISO_8859_1), UTF_8);
    }

    private static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(WAIT.toSeconds() + 5, TimeUnit.SECONDS);
    }
}
