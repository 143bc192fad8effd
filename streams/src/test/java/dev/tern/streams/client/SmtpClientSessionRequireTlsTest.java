package dev.tern.streams.client;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tern.protocol.DsnRequest;
import dev.tern.protocol.MailAddress;
import dev.tern.protocol.MessageEncoding;
import dev.tern.protocol.ReversePath;
import dev.tern.protocol.TlsRequirement;
import dev.tern.testing.ScriptedSmtpServer;
import dev.tern.testing.ScriptedSmtpServer.Transaction;
import dev.tern.testing.TestCa;

/** RFC 8689 §4.2.1 against {@link ScriptedSmtpServer}: a REQUIRETLS message goes only over verified TLS to a server that offers it. */
class SmtpClientSessionRequireTlsTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final ClientTimeouts TIMEOUTS = ClientTimeouts.uniform(WAIT);
    private static final ReversePath SENDER = new ReversePath.Sender(new MailAddress("alice", "origin.test"));
    private static final MailAddress BOB = new MailAddress("bob", "dest.test");
    private static final String RETURN_PATH = "Return-Path: <alice@origin.test>\r\n";
    private static final String MESSAGE = "Subject: secret\r\n\r\nfor TLS only\r\n";

    private static ActorTestKit testKit;
    private static TestCa ca;

    @TempDir
    Path dir;
    private ScriptedSmtpServer server;
    private SmtpClientSession session;

    @BeforeAll
    static void start() throws Exception {
        testKit = ActorTestKit.create();
        ca = TestCa.create();
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

    /** A session whose MX host a published policy (DANE, MTA-STS) vouched for, as RFC 8689 §4.2.1 wants. */
    private SmtpClientSession open() throws Exception {
        return open(new ConnectionSecurity(TlsPolicy.OPPORTUNISTIC, PkixCheck.trusting(List.of(ca.certificate())),
                false, "mta-sts testing", true));
    }

    private SmtpClientSession open(ConnectionSecurity security) throws Exception {
        return await(SmtpClientSession.open(testKit.system(), server.address(), "mx.dest.test", "client.test",
                security, OpportunisticTls.context(), TIMEOUTS));
    }

    private OutboundMessage message(TlsRequirement tls) throws Exception {
        Path body = Files.createTempFile(dir, "msg", ".eml");
        Files.write(body, (RETURN_PATH + MESSAGE).getBytes(ISO_8859_1));
        return new OutboundMessage("m1", SENDER, List.of(BOB), body, RETURN_PATH.length(), MESSAGE.length(),
                MessageEncoding.PLAIN, DsnRequest.NONE, Map.of(), tls);
    }

    @Test
    void overVerifiedTlsToAServerThatOffersItMailCarriesRequireTls() throws Exception {
        server = ScriptedSmtpServer.builder().startTls(ca.issue("mx.dest.test").serverContext())
                .extension("REQUIRETLS").start();
        session = open();

        MessageReport report = await(session.send(message(TlsRequirement.REQUIRETLS)));

        assertThat(report.delivered()).containsExactly(BOB);
        Transaction received = server.awaitTransactions(1, WAIT).get(0);
        assertThat(received.tls()).isTrue();
        assertThat(received.mailParameters()).endsWith("REQUIRETLS");
        assertThat(received.dataAsString()).isEqualTo(MESSAGE);
    }

    @Test
    void aSelfSignedCertificateGets5710AndNoMailIsSent() throws Exception {
        server = ScriptedSmtpServer.builder().startTls(TestCa.selfSigned("mx.dest.test").serverContext())
                .extension("REQUIRETLS").start();
        session = open();
        assertThat(session.tlsVerdict()).get().extracting(TlsVerdict::verified).isEqualTo(false);

        MessageReport report = await(session.send(message(TlsRequirement.REQUIRETLS)));

        assertThat(report.replyFor(BOB).code()).isEqualTo(550);
        assertThat(report.replyFor(BOB).enhancedCode()).isEqualTo("5.7.10");
        assertThat(report.replyFor(BOB).toString()).contains("certificate of mx.dest.test did not verify");
        // the session is unharmed: a message without REQUIRETLS goes over it as ever
        MessageReport other = await(session.send(message(TlsRequirement.DEFAULT)));
        assertThat(other.delivered()).containsExactly(BOB);
        assertThat(server.commandLines()).noneMatch(line -> line.contains("REQUIRETLS"));
        assertThat(server.awaitTransactions(1, WAIT)).hasSize(1);
    }

    @Test
    void aVerifiedCertificateOfAHostNoPolicyAuthenticatedGets5710() throws Exception {
        // the MX name came from DNS alone: a spoofed answer could name any host with a valid certificate of its own
        server = ScriptedSmtpServer.builder().startTls(ca.issue("mx.dest.test").serverContext())
                .extension("REQUIRETLS").start();
        session = open(new ConnectionSecurity(TlsPolicy.OPPORTUNISTIC, PkixCheck.trusting(List.of(ca.certificate())),
                false, "opportunistic"));
        assertThat(session.tlsVerdict()).get().extracting(TlsVerdict::verified).isEqualTo(true);

        MessageReport report = await(session.send(message(TlsRequirement.REQUIRETLS)));

        assertThat(report.replyFor(BOB).toString()).isEqualTo("550 5.7.10 REQUIRETLS: not sent, MX host mx.dest.test"
                + " not authenticated by DANE or MTA-STS (policy opportunistic)");
        assertThat(server.commandLines()).noneMatch(line -> line.startsWith("MAIL"));
        MessageReport other = await(session.send(message(TlsRequirement.DEFAULT)));
        assertThat(other.delivered()).containsExactly(BOB);
    }

    @Test
    void aVerifiedServerWithoutRequireTlsGets5730() throws Exception {
        server = ScriptedSmtpServer.builder().startTls(ca.issue("mx.dest.test").serverContext()).start();
        session = open();

        MessageReport report = await(session.send(message(TlsRequirement.REQUIRETLS)));

        assertThat(report.replyFor(BOB).toString())
                .isEqualTo("550 5.7.30 REQUIRETLS: not sent, mx.dest.test does not offer REQUIRETLS");
        assertThat(server.commandLines()).noneMatch(line -> line.startsWith("MAIL"));
    }

    @Test
    void aServerWithoutStartTlsGets5710AndNothingInClear() throws Exception {
        server = ScriptedSmtpServer.builder().extension("REQUIRETLS").start();
        session = open();
        assertThat(session.tls()).isEmpty();

        MessageReport report = await(session.send(message(TlsRequirement.REQUIRETLS)));

        assertThat(report.replyFor(BOB).toString())
                .isEqualTo("550 5.7.10 REQUIRETLS: not sent, no TLS session with mx.dest.test");
        assertThat(server.commandLines()).noneMatch(line -> line.startsWith("MAIL"));
    }

    private static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(WAIT.toSeconds() + 5, TimeUnit.SECONDS);
    }
}
