package dev.tern.streams.client;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tern.protocol.BodyType;
import dev.tern.protocol.MailAddress;
import dev.tern.protocol.MessageEncoding;
import dev.tern.protocol.ReversePath;
import dev.tern.protocol.SmtpReply;
import dev.tern.streams.client.SmtpClientException.BodyUnreadable;
import dev.tern.streams.client.SmtpClientException.ConnectFailed;
import dev.tern.streams.client.SmtpClientException.ProtocolViolation;
import dev.tern.streams.client.SmtpClientException.ReplyTimeout;
import dev.tern.streams.client.SmtpClientException.SessionRejected;
import dev.tern.streams.client.SmtpClientException.TlsHandshakeFailed;
import dev.tern.streams.client.SmtpClientException.TlsUnavailable;
import dev.tern.testing.ScriptedSmtpServer;
import dev.tern.testing.TestCa;
import dev.tern.testing.ScriptedSmtpServer.Command;
import dev.tern.testing.ScriptedSmtpServer.Transaction;

/** The client against {@link ScriptedSmtpServer} over real loopback sockets. */
class SmtpClientSessionTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final ClientTimeouts TIMEOUTS = ClientTimeouts.uniform(WAIT);
    private static final ReversePath SENDER = new ReversePath.Sender(new MailAddress("alice", "origin.test"));
    private static final MailAddress BOB = new MailAddress("bob", "dest.test");
    private static final MailAddress CAROL = new MailAddress("carol", "dest.test");
    private static final MailAddress DAVE = new MailAddress("dave", "dest.test");
    private static final String RETURN_PATH = "Return-Path: <alice@origin.test>\r\n";
    /** Lines that need stuffing: a lone dot, a leading dot, two leading dots. */
    private static final String MESSAGE = "From: alice@origin.test\r\nSubject: dots\r\n\r\n"
            + "line one\r\n.\r\n..two dots\r\n.leading dot\r\nmiddle . dot\r\n...\r\nend\r\n";

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

    // ------------------------------------------------------------------ delivery

    @Test
    void deliversThePipelinedTransactionAndTheServerGetsTheFileBytesFromTheOffset() throws Exception {
        server = ScriptedSmtpServer.builder().pipelining(true).size(10_000_000).start();
        session = open(TlsPolicy.OFF);
        OutboundMessage message = message(MESSAGE, BOB, CAROL);

        MessageReport report = await(session.send(message));

        assertThat(report.replies()).containsOnlyKeys(BOB, CAROL);
        assertThat(report.replyFor(BOB).toString()).isEqualTo("250 2.0.0 Ok: queued");
        assertThat(report.delivered()).containsExactly(BOB, CAROL);
        Transaction t = single();
        assertThat(t.data()).isEqualTo(MESSAGE.getBytes(ISO_8859_1));
        assertThat(t.mailFrom()).isEqualTo("alice@origin.test");
        assertThat(t.mailParameters()).isEqualTo("SIZE=" + MESSAGE.length());
        assertThat(t.recipients()).containsExactly("bob@dest.test", "carol@dest.test");
        assertThat(t.helo()).isEqualTo("client.test");
        assertThat(t.tls()).isFalse();
        // MAIL, both RCPTs and DATA arrived in one batch: all but the last had more waiting behind them
        List<Command> batch = commandsFrom("MAIL");
        assertThat(batch).extracting(Command::line).startsWith(
                "MAIL FROM:<alice@origin.test> SIZE=" + MESSAGE.length(), "RCPT TO:<bob@dest.test>",
                "RCPT TO:<carol@dest.test>", "DATA");
        assertThat(batch.subList(0, 3)).allMatch(Command::pipelined);
    }

    @Test
    void withoutPipeliningSendsOneCommandAtATime() throws Exception {
        server = ScriptedSmtpServer.builder().start();
        session = open(TlsPolicy.OFF);

        MessageReport report = await(session.send(message(MESSAGE, BOB, CAROL)));

        assertThat(report.delivered()).containsExactly(BOB, CAROL);
        assertThat(single().data()).isEqualTo(MESSAGE.getBytes(ISO_8859_1));
        assertThat(single().mailParameters()).isEmpty(); // no SIZE advertised, no SIZE=
        assertThat(server.commands()).noneMatch(Command::pipelined);
        assertThat(server.commandLines()).containsSubsequence("MAIL FROM:<alice@origin.test>",
                "RCPT TO:<bob@dest.test>", "RCPT TO:<carol@dest.test>", "DATA");
    }

    @Test
    void bodyWithoutFinalCrlfGetsOneBeforeTheDot() throws Exception {
        server = ScriptedSmtpServer.builder().pipelining(true).start();
        session = open(TlsPolicy.OFF);

        await(session.send(message("Subject: x\r\n\r\nno newline at the end", BOB)));

        assertThat(single().dataAsString()).isEqualTo("Subject: x\r\n\r\nno newline at the end\r\n");
    }

    @Test
    void nullSenderAndDuplicateRecipients() throws Exception {
        server = ScriptedSmtpServer.builder().start();
        session = open(TlsPolicy.OFF);
        Path body = write("Subject: bounce\r\n\r\nx\r\n");
        OutboundMessage bounce = new OutboundMessage("m2", ReversePath.NULL, List.of(BOB, BOB), body, 0, Files.size(body));

        MessageReport report = await(session.send(bounce));

        assertThat(report.replies()).containsOnlyKeys(BOB);
        assertThat(single().mailFrom()).isEmpty();
        assertThat(single().recipients()).containsExactly("bob@dest.test");
    }

    @Test
    void twoMessagesOnOneSessionWithResetBetween() throws Exception {
        server = ScriptedSmtpServer.builder().pipelining(true).start();
        session = open(TlsPolicy.OFF);

        await(session.send(message("Subject: one\r\n\r\n1\r\n", BOB)));
        await(session.reset());
        await(session.send(message("Subject: two\r\n\r\n2\r\n", CAROL)));
        await(session.quit());

        List<Transaction> received = server.awaitTransactions(2, WAIT);
        assertThat(received).extracting(Transaction::dataAsString)
                .containsExactly("Subject: one\r\n\r\n1\r\n", "Subject: two\r\n\r\n2\r\n");
        assertThat(received.get(1).recipients()).containsExactly("carol@dest.test");
        assertThat(server.connections()).isEqualTo(1);
        assertThat(server.commandLines()).contains("RSET").endsWith("QUIT");
        assertThat(session.isUsable()).isFalse();
    }

    @Test
    void heloWhenEhloIsRefused() throws Exception {
        server = ScriptedSmtpServer.builder().ehlo(false).start();
        session = open(TlsPolicy.OPPORTUNISTIC);

        assertThat(session.capabilities().keywords()).isEmpty();
        assertThat(session.capabilities().domain()).isEqualTo("mx.scripted.test");
        await(session.send(message(MESSAGE, BOB)));

        assertThat(server.commandLines()).startsWith("EHLO client.test", "HELO client.test");
        assertThat(single().helo()).isEqualTo("client.test");
        assertThat(single().data()).isEqualTo(MESSAGE.getBytes(ISO_8859_1));
    }

    @Test
    void worksOnAnotherLoopbackAddress() throws Exception {
        server = ScriptedSmtpServer.builder().bind("127.0.0.2").start();
        session = open(TlsPolicy.OFF);
        assertThat(session.remote().getAddress().getHostAddress()).isEqualTo("127.0.0.2");
        await(session.send(message(MESSAGE, BOB)));
        assertThat(single().data()).isEqualTo(MESSAGE.getBytes(ISO_8859_1));
    }

    @Test
    void worksOverIpv6Loopback() throws Exception {
        try {
            server = ScriptedSmtpServer.builder().bind("::1").start();
        } catch (IOException e) {
            Assumptions.abort("no IPv6 loopback here: " + e);
        }
        session = open(TlsPolicy.OFF);
        await(session.send(message(MESSAGE, BOB)));
        assertThat(single().data()).isEqualTo(MESSAGE.getBytes(ISO_8859_1));
    }

    // ------------------------------------------------------------------ TLS

    @Test
    void usesStartTlsWhenOfferedAndRepeatsEhlo() throws Exception {
        server = ScriptedSmtpServer.builder().startTls(true).pipelining(true).start();
        session = open(TlsPolicy.OPPORTUNISTIC);

        assertThat(session.tls()).isPresent();
        assertThat(session.tls().get().protocol()).startsWith("TLSv1.");
        assertThat(session.capabilities().startTls()).isFalse(); // the capabilities from inside TLS
        await(session.send(message(MESSAGE, BOB)));

        Transaction t = single();
        assertThat(t.tls()).isTrue();
        assertThat(t.helo()).isEqualTo("client.test");
        assertThat(t.data()).isEqualTo(MESSAGE.getBytes(ISO_8859_1));
        assertThat(server.commandLines()).startsWith("EHLO client.test", "STARTTLS", "EHLO client.test");
        assertThat(server.commands().get(2).tls()).isTrue();
    }

    @Test
    void discardsRepliesInjectedInClearAfterTheStartTls220() throws Exception {
        // the second EHLO's reply comes through TLS and has no PIPELINING; the injected one does
        server = ScriptedSmtpServer.builder().startTls(true)
                .startTlsReplies("220 2.0.0 go ahead\r\n250-injected\r\n250 PIPELINING").start();
        session = open(TlsPolicy.REQUIRED);

        assertThat(session.tls()).isPresent();
        assertThat(session.capabilities().pipelining()).isFalse();
        assertThat(session.capabilities().domain()).isEqualTo("mx.scripted.test");
    }

    @Test
    void anEnforcedCheckThatFailsEndsTheSessionBeforeEhloInsideTls() throws Exception {
        TestCa ca = TestCa.create();
        server = ScriptedSmtpServer.builder().startTls(ca.issue("other.test").serverContext()).start();
        ConnectionSecurity verify = new ConnectionSecurity(TlsPolicy.REQUIRED, PkixCheck.trusting(List.of(ca.certificate())),
                true, "verify");

        Throwable failure = failure(SmtpClientSession.open(testKit.system(), server.address(), "mx.dest.test",
                "client.test", verify, OpportunisticTls.context(), TIMEOUTS));

        assertThat(failure).isInstanceOf(SmtpClientException.TlsVerificationFailed.class);
        SmtpClientException.TlsVerificationFailed failed = (SmtpClientException.TlsVerificationFailed) failure;
        assertThat(failed.verdict().failure()).isEqualTo(TlsFailure.CERTIFICATE_HOST_MISMATCH);
        assertThat(failed.getMessage()).startsWith("verify policy: certificate of mx.dest.test is for other.test")
                .contains("certificate-host-mismatch");
        assertThat(server.commandLines()).contains("STARTTLS");
        assertThat(server.commands()).as("nothing said inside the unverified TLS session")
                .noneMatch(ScriptedSmtpServer.Command::tls);
    }

    @Test
    void aCheckThatDoesNotEnforceLeavesItsVerdictOnTheSession() throws Exception {
        TestCa ca = TestCa.create();
        server = ScriptedSmtpServer.builder().startTls(ca.issue("mx.dest.test").serverContext()).start();
        PkixCheck pkix = PkixCheck.trusting(List.of(ca.certificate()));

        session = await(SmtpClientSession.open(testKit.system(), server.address(), "mx.dest.test", "client.test",
                new ConnectionSecurity(TlsPolicy.OPPORTUNISTIC, pkix, false, "opportunistic"),
                OpportunisticTls.context(), TIMEOUTS));
        assertThat(session.tlsVerdict()).contains(new TlsVerdict.Verified("PKIX for mx.dest.test"));
        session.abort();

        server.close();
        server = ScriptedSmtpServer.builder().startTls(TestCa.selfSigned("mx.dest.test").serverContext()).start();
        session = await(SmtpClientSession.open(testKit.system(), server.address(), "mx.dest.test", "client.test",
                new ConnectionSecurity(TlsPolicy.OPPORTUNISTIC, pkix, false, "opportunistic"),
                OpportunisticTls.context(), TIMEOUTS));
        assertThat(session.tls()).isPresent();
        assertThat(session.tlsVerdict()).get().extracting(TlsVerdict::verified).isEqualTo(false);
        await(session.send(message(MESSAGE, BOB)));
        assertThat(single().tls()).isTrue();
    }

    @Test
    void opportunisticFallsBackToCleartextWhenTheHandshakeFails() throws Exception {
        server = ScriptedSmtpServer.builder().breakTlsHandshake().start();
        session = open(TlsPolicy.OPPORTUNISTIC);

        assertThat(session.tls()).isEmpty();
        assertThat(session.fellBackToClear()).hasValueSatisfying(reason -> assertThat(reason).isNotBlank());
        await(session.send(message(MESSAGE, BOB)));

        assertThat(single().tls()).isFalse();
        assertThat(single().data()).isEqualTo(MESSAGE.getBytes(ISO_8859_1));
        assertThat(server.connections()).isEqualTo(2);
        assertThat(server.commands()).filteredOn(c -> c.connection() == 2).extracting(Command::line)
                .doesNotContain("STARTTLS");
    }

    @Test
    void requiredFailsOnAFailedHandshakeWithoutRetrying() throws Exception {
        server = ScriptedSmtpServer.builder().breakTlsHandshake().start();

        assertThat(failure(openStage(TlsPolicy.REQUIRED))).isInstanceOf(TlsHandshakeFailed.class);
        assertThat(server.connections()).isEqualTo(1);
    }

    @Test
    void requiredFailsWhenStartTlsIsNotOffered() throws Exception {
        server = ScriptedSmtpServer.builder().start();

        Throwable failure = failure(openStage(TlsPolicy.REQUIRED));

        assertThat(failure).isInstanceOf(TlsUnavailable.class).hasMessageContaining("does not offer STARTTLS");
        assertThat(((TlsUnavailable) failure).refusal()).isNull();
        awaitCommand("QUIT"); // said goodbye politely
        assertThat(server.commandLines()).doesNotContain("STARTTLS", "MAIL");
    }

    @Test
    void requiredFailsWhenStartTlsIsRefused() throws Exception {
        server = ScriptedSmtpServer.builder().startTls(true).startTlsReplies("454 4.7.0 TLS not available").start();

        Throwable failure = failure(openStage(TlsPolicy.REQUIRED));

        assertThat(failure).isInstanceOf(TlsUnavailable.class);
        assertThat(((TlsUnavailable) failure).refusal().code()).isEqualTo(454);
    }

    @Test
    void opportunisticContinuesInClearWhenStartTlsIsRefused() throws Exception {
        server = ScriptedSmtpServer.builder().startTls(true).startTlsReplies("454 4.7.0 TLS not available").start();
        session = open(TlsPolicy.OPPORTUNISTIC);

        assertThat(session.tls()).isEmpty();
        assertThat(session.fellBackToClear()).isEmpty(); // no handshake failed: refused, not broken
        await(session.send(message(MESSAGE, BOB)));
        assertThat(single().tls()).isFalse();
        assertThat(server.connections()).isEqualTo(1);
    }

    @Test
    void offNeverStartsTls() throws Exception {
        server = ScriptedSmtpServer.builder().startTls(true).start();
        session = SmtpClientSession.open(testKit.system(), server.address(), "localhost", "client.test",
                TlsPolicy.OFF, null, TIMEOUTS).toCompletableFuture().get(10, TimeUnit.SECONDS);
        await(session.send(message(MESSAGE, BOB)));
        assertThat(single().tls()).isFalse();
        assertThat(server.commandLines()).doesNotContain("STARTTLS");
    }

    // ------------------------------------------------------------------ per-recipient outcomes

    @Test
    void mixedRecipientRepliesPipelined() throws Exception {
        server = ScriptedSmtpServer.builder().pipelining(true)
                .rcptReplies("250 2.1.5 ok", "550 5.1.1 no such user", "451 4.2.0 greylisted").start();
        session = open(TlsPolicy.OFF);

        MessageReport report = await(session.send(message(MESSAGE, BOB, CAROL, DAVE)));

        assertThat(report.replyFor(BOB).toString()).isEqualTo("250 2.0.0 Ok: queued");
        assertThat(report.replyFor(CAROL)).isEqualTo(SmtpReply.of(550, "5.1.1", "no such user"));
        assertThat(report.replyFor(DAVE)).isEqualTo(SmtpReply.of(451, "4.2.0", "greylisted"));
        assertThat(report.delivered()).containsExactly(BOB);
        assertThat(single().recipients()).containsExactly("bob@dest.test");
    }

    @Test
    void mixedRecipientRepliesOneAtATime() throws Exception {
        server = ScriptedSmtpServer.builder()
                .rcptReply("bob@dest.test", "550 5.1.1 no such user").rcptReply("carol@dest.test", "451 4.2.0 later")
                .start();
        session = open(TlsPolicy.OFF);

        MessageReport report = await(session.send(message(MESSAGE, BOB, CAROL, DAVE)));

        assertThat(report.replyFor(BOB).code()).isEqualTo(550);
        assertThat(report.replyFor(CAROL).code()).isEqualTo(451);
        assertThat(report.replyFor(DAVE).code()).isEqualTo(250);
        assertThat(single().recipients()).containsExactly("dave@dest.test");
    }

    @Test
    void rejectedMailDecidesEveryRecipient() throws Exception {
        for (boolean pipelining : new boolean[] {true, false}) {
            server = ScriptedSmtpServer.builder().pipelining(pipelining).mailReplies("550 5.7.1 sender rejected").start();
            session = open(TlsPolicy.OFF);

            MessageReport report = await(session.send(message(MESSAGE, BOB, CAROL)));

            assertThat(report.replies().values()).as("pipelining " + pipelining)
                    .containsOnly(SmtpReply.of(550, "5.7.1", "sender rejected"));
            assertThat(server.transactions()).isEmpty();
            if (!pipelining) {
                assertThat(server.commandLines()).noneMatch(line -> line.startsWith("RCPT"));
            }
            await(session.reset()); // the session goes on
            session.abort();
            server.close();
        }
    }

    @Test
    void noAcceptedRecipientPipelinedTakesTheDataRejectionAndSendsNoBody() throws Exception {
        server = ScriptedSmtpServer.builder().pipelining(true)
                .rcptReplies("550 5.1.1 no such user", "550 5.1.1 no such user").start();
        session = open(TlsPolicy.OFF);

        MessageReport report = await(session.send(message(MESSAGE, BOB, CAROL)));

        assertThat(report.replies().values()).containsOnly(SmtpReply.of(550, "5.1.1", "no such user"));
        assertThat(server.commandLines()).contains("DATA"); // answered 554 by the server
        await(session.reset());
        await(session.send(message("Subject: next\r\n\r\n", DAVE)));
        assertThat(single().recipients()).containsExactly("dave@dest.test");
        assertThat(server.commandLines()).noneMatch(line -> line.startsWith("From:"));
    }

    @Test
    void noAcceptedRecipientOneAtATimeSendsNoData() throws Exception {
        server = ScriptedSmtpServer.builder().rcptReplies("550 5.1.1 unknown").start();
        session = open(TlsPolicy.OFF);

        MessageReport report = await(session.send(message(MESSAGE, BOB)));

        assertThat(report.replyFor(BOB).code()).isEqualTo(550);
        assertThat(server.commandLines()).doesNotContain("DATA");
    }

    @Test
    void a354WithoutAcceptedRecipientsGetsAnEmptyDataPhase() throws Exception {
        // a server that (wrongly) answers DATA with 354 although MAIL was rejected
        server = ScriptedSmtpServer.builder().pipelining(true).mailReplies("451 4.3.0 try later").start();
        session = open(TlsPolicy.OFF);

        MessageReport report = await(session.send(message(MESSAGE, BOB)));

        assertThat(report.replyFor(BOB).code()).isEqualTo(451);
        await(session.reset()); // still in step with the server
    }

    @Test
    void finalReplyDecidesTheAcceptedRecipients() throws Exception {
        for (String finalReply : List.of("451 4.3.0 queue full", "554 5.6.0 content rejected")) {
            server = ScriptedSmtpServer.builder().pipelining(true).rcptReplies("250 ok", "550 5.1.1 unknown")
                    .endOfDataReplies(finalReply).start();
            session = open(TlsPolicy.OFF);

            MessageReport report = await(session.send(message(MESSAGE, BOB, CAROL)));

            assertThat(report.replyFor(BOB).toString()).isEqualTo(finalReply);
            assertThat(report.replyFor(CAROL).code()).isEqualTo(550);
            assertThat(report.delivered()).isEmpty();
            session.abort();
            server.close();
        }
    }

    @Test
    void rejectedDataCommandDecidesTheAcceptedRecipients() throws Exception {
        server = ScriptedSmtpServer.builder().dataReplies("452 4.3.1 insufficient storage").start();
        session = open(TlsPolicy.OFF);

        MessageReport report = await(session.send(message(MESSAGE, BOB)));

        assertThat(report.replyFor(BOB)).isEqualTo(SmtpReply.of(452, "4.3.1", "insufficient storage"));
        assertThat(server.transactions()).isEmpty();
    }

    @Test
    void messageAboveTheSizeLimitIsNotSent() throws Exception {
        server = ScriptedSmtpServer.builder().size(MESSAGE.length() - 1).pipelining(true).start();
        session = open(TlsPolicy.OFF);

        MessageReport report = await(session.send(message(MESSAGE, BOB, CAROL)));

        assertThat(report.replies().values()).allSatisfy(reply -> {
            assertThat(reply.code()).isEqualTo(552);
            assertThat(reply.enhancedCode()).isEqualTo("5.3.4");
        });
        assertThat(server.commandLines()).noneMatch(line -> line.startsWith("MAIL"));
        assertThat(session.isUsable()).isTrue();
    }

    @Test
    void messageAtTheSizeLimitIsSent() throws Exception {
        server = ScriptedSmtpServer.builder().size(MESSAGE.length()).start();
        session = open(TlsPolicy.OFF);
        assertThat(await(session.send(message(MESSAGE, BOB))).delivered()).containsExactly(BOB);
    }

    // ------------------------------------------------------------------ refusals and failures

    @Test
    void greeting554IsRejectionAndTheClientSaysQuit() throws Exception {
        server = ScriptedSmtpServer.builder().greetings("554 5.7.1 go away").start();

        Throwable failure = failure(openStage(TlsPolicy.OFF));

        assertThat(failure).isInstanceOf(SessionRejected.class);
        assertThat(((SessionRejected) failure).stage()).isEqualTo("greeting");
        assertThat(((SessionRejected) failure).reply().code()).isEqualTo(554);
        awaitCommand("QUIT");
        assertThat(server.commandLines()).containsExactly("QUIT");
    }

    @Test
    void greeting421IsRejection() throws Exception {
        server = ScriptedSmtpServer.builder().greetings("421 4.3.2 too busy").start();

        Throwable failure = failure(openStage(TlsPolicy.OPPORTUNISTIC));

        assertThat(failure).isInstanceOf(SessionRejected.class);
        assertThat(((SessionRejected) failure).reply()).isEqualTo(SmtpReply.of(421, "4.3.2", "too busy"));
    }

    @Test
    void a421AtRcptEndsTheSession() throws Exception {
        server = ScriptedSmtpServer.builder().pipelining(true).rcptReplies("250 ok", "421 4.3.2 shutting down").start();
        session = open(TlsPolicy.OFF);

        Throwable failure = failure(session.send(message(MESSAGE, BOB, CAROL)));

        assertThat(failure).isInstanceOf(SessionRejected.class);
        assertThat(((SessionRejected) failure).reply().code()).isEqualTo(421);
        assertThat(session.isUsable()).isFalse();
        assertThat(failure(session.reset())).isSameAs(failure);
    }

    @Test
    void malformedGreetingIsAProtocolViolation() throws Exception {
        server = ScriptedSmtpServer.builder().greetings("hello, I am not SMTP").start();
        assertThat(failure(openStage(TlsPolicy.OFF))).isInstanceOf(ProtocolViolation.class)
                .hasMessageContaining("not SMTP");
    }

    @Test
    void silentServerTimesOutAtTheGreeting() throws Exception {
        server = ScriptedSmtpServer.builder().silent().start();
        ClientTimeouts quick = new ClientTimeouts(WAIT, Duration.ofMillis(300), WAIT, WAIT, WAIT, WAIT, WAIT, WAIT);
        long started = System.nanoTime();

        Throwable failure = failure(SmtpClientSession.open(testKit.system(), server.address(), "localhost",
                "client.test", TlsPolicy.OPPORTUNISTIC, OpportunisticTls.context(), quick));

        assertThat(failure).isInstanceOf(ReplyTimeout.class);
        assertThat(((ReplyTimeout) failure).stage()).isEqualTo("greeting");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void noFinalReplyTimesOutAndClosesTheConnection() throws Exception {
        server = ScriptedSmtpServer.builder().pipelining(true).endOfDataReplies(ScriptedSmtpServer.NO_REPLY).start();
        ClientTimeouts quick = new ClientTimeouts(WAIT, WAIT, WAIT, WAIT, WAIT, WAIT, WAIT, Duration.ofMillis(500));
        session = await(SmtpClientSession.open(testKit.system(), server.address(), "localhost", "client.test",
                TlsPolicy.OFF, null, quick));

        Throwable failure = failure(session.send(message(MESSAGE, BOB)));

        assertThat(failure).isInstanceOf(ReplyTimeout.class);
        assertThat(((ReplyTimeout) failure).stage()).isEqualTo("end of data");
        assertThat(session.isUsable()).isFalse();
        assertThat(single().data()).isEqualTo(MESSAGE.getBytes(ISO_8859_1)); // the server had it all
    }

    @Test
    void serverThatStopsReadingTheDataTimesOut() throws Exception {
        server = ScriptedSmtpServer.builder().stallData().start();
        ClientTimeouts quick = new ClientTimeouts(WAIT, WAIT, WAIT, WAIT, WAIT, WAIT, Duration.ofMillis(500), WAIT);
        session = await(SmtpClientSession.open(testKit.system(), server.address(), "localhost", "client.test",
                TlsPolicy.OFF, null, quick));
        Path big = dir.resolve("big.eml");
        long size = 64L * 1024 * 1024; // far more than the socket buffers hold
        try (RandomAccessFile file = new RandomAccessFile(big.toFile(), "rw")) {
            file.setLength(size); // sparse: no disk space used
        }

        Throwable failure = failure(session.send(new OutboundMessage("big", SENDER, List.of(BOB), big, 0, size)));

        assertThat(failure).isInstanceOf(ReplyTimeout.class);
        assertThat(((ReplyTimeout) failure).stage()).isEqualTo("data block");
        assertThat(session.isUsable()).isFalse();
    }

    @Test
    void rcptTimeout() throws Exception {
        server = ScriptedSmtpServer.builder().rcptReplies(ScriptedSmtpServer.NO_REPLY).start();
        ClientTimeouts quick = new ClientTimeouts(WAIT, WAIT, WAIT, WAIT, Duration.ofMillis(300), WAIT, WAIT, WAIT);
        session = await(SmtpClientSession.open(testKit.system(), server.address(), "localhost", "client.test",
                TlsPolicy.OFF, null, quick));

        Throwable failure = failure(session.send(message(MESSAGE, BOB)));

        assertThat(failure).isInstanceOf(ReplyTimeout.class);
        assertThat(((ReplyTimeout) failure).stage()).isEqualTo("RCPT");
    }

    @Test
    void connectionRefused() throws Exception {
        InetSocketAddress nobody = ScriptedSmtpServer.closedPort("127.0.0.1");
        Throwable failure = failure(SmtpClientSession.open(testKit.system(), nobody, "localhost", "client.test",
                TlsPolicy.OPPORTUNISTIC, OpportunisticTls.context(), TIMEOUTS));
        assertThat(failure).isInstanceOf(ConnectFailed.class).hasMessageContaining(String.valueOf(nobody.getPort()));
    }

    @Test
    void connectionClosedMidConversation() throws Exception {
        server = ScriptedSmtpServer.builder().mailReplies(ScriptedSmtpServer.HANG_UP).start();
        session = open(TlsPolicy.OFF);

        Throwable failure = failure(session.send(message(MESSAGE, BOB)));

        assertThat(failure).isInstanceOf(ConnectFailed.class).hasMessageContaining("MAIL");
        assertThat(session.isUsable()).isFalse();
    }

    @Test
    void shortMessageFileIsReportedBeforeAnythingIsSent() throws Exception {
        server = ScriptedSmtpServer.builder().start();
        session = open(TlsPolicy.OFF);
        Path body = write("tiny\r\n");

        Throwable failure = failure(session.send(new OutboundMessage("m", SENDER, List.of(BOB), body, 0, 1000)));

        assertThat(failure).isInstanceOf(BodyUnreadable.class);
        assertThat(session.isUsable()).isTrue();
        assertThat(server.commandLines()).noneMatch(line -> line.startsWith("MAIL"));
        await(session.send(message(MESSAGE, BOB)));
        assertThat(single().data()).isEqualTo(MESSAGE.getBytes(ISO_8859_1));
    }

    @Test
    void aSecondOperationWhileOneRunsIsRefused() throws Exception {
        server = ScriptedSmtpServer.builder().endOfDataReplies(ScriptedSmtpServer.NO_REPLY).start();
        session = open(TlsPolicy.OFF);

        CompletionStage<MessageReport> first = session.send(message(MESSAGE, BOB));

        assertThat(failure(session.reset())).isInstanceOf(IllegalStateException.class);
        session.abort();
        assertThat(failure(first)).isInstanceOf(SmtpClientException.class);
    }

    // ------------------------------------------------------------------ helpers

    private SmtpClientSession open(TlsPolicy policy) throws Exception {
        return await(openStage(policy));
    }

    private CompletionStage<SmtpClientSession> openStage(TlsPolicy policy) {
        return SmtpClientSession.open(testKit.system(), server.address(), "localhost", "client.test", policy,
                OpportunisticTls.context(), TIMEOUTS);
    }

    /** The message in a file behind a Return-Path: line, which the offset skips. */
    private OutboundMessage message(String text, MailAddress... recipients) throws IOException {
        Path body = write(RETURN_PATH + text);
        return new OutboundMessage("m1", SENDER, Arrays.asList(recipients), body, RETURN_PATH.length(), text.length());
    }

    private Path write(String text) throws IOException {
        Path file = Files.createTempFile(dir, "msg", ".eml");
        Files.write(file, text.getBytes(ISO_8859_1));
        return file;
    }

    private Transaction single() throws InterruptedException {
        List<Transaction> received = server.awaitTransactions(1, WAIT);
        assertThat(received).hasSize(1);
        return received.get(0);
    }

    private List<Command> commandsFrom(String verb) {
        List<Command> all = server.commands();
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).line().startsWith(verb)) {
                return all.subList(i, all.size());
            }
        }
        throw new AssertionError("no " + verb + " in " + server.commandLines());
    }

    private void awaitCommand(String line) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!server.commandLines().contains(line)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no " + line + " in " + server.commandLines());
            }
            Thread.sleep(20);
        }
    }

    private static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(WAIT.toSeconds() + 5, TimeUnit.SECONDS);
    }

    /** The exception the stage failed with, as the caller sees it (not wrapped). */
    private static Throwable failure(CompletionStage<?> stage) {
        Throwable[] seen = new Throwable[1];
        try {
            stage.handle((value, error) -> {
                seen[0] = error;
                return null;
            }).toCompletableFuture().get(WAIT.toSeconds() + 5, TimeUnit.SECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new AssertionError(e);
        }
        assertThat(seen[0]).as("the stage should have failed").isNotNull();
        return seen[0];
    }

    // ------------------------------------------------------------------ BODY= and SMTPUTF8 (RFC 6152, RFC 6531)

    /** BODY= and SMTPUTF8 on the wire, and messages the next hop cannot take. */
    @Nested
    class Encodings {

        private static final ReversePath JORAN = new ReversePath.Sender(new MailAddress("jöran", "origin.test"));
        private static final MailAddress JOSE = new MailAddress("josé", "dest.test");
        private static final MessageEncoding UTF8 = new MessageEncoding(BodyType.EIGHT_BIT_MIME, true);
        private static final ReversePath ALICE = SENDER;

        @Test
        void utf8EnvelopeGoesAsUtf8OctetsWithSmtpUtf8AndBody() throws Exception {
            server = ScriptedSmtpServer.builder().pipelining(true).extensions("SMTPUTF8").start();
            session = open(TlsPolicy.OFF);
            byte[] content = "Subject: caf\u00e9\r\n\r\nd\u00e9j\u00e0 vu\r\n".getBytes(UTF_8);

            MessageReport report = await(session.send(message(JORAN, JOSE, content, UTF8)));

            assertThat(report.delivered()).containsExactly(JOSE);
            ScriptedSmtpServer.Transaction t = server.awaitTransactions(1, WAIT).get(0);
            assertThat(utf8(t.mailFrom())).isEqualTo("jöran@origin.test");
            assertThat(t.mailParameters()).isEqualTo("BODY=8BITMIME SMTPUTF8");
            assertThat(t.recipients()).extracting(Encodings::utf8).containsExactly("josé@dest.test");
            assertThat(t.data()).isEqualTo(content);
        }

        @Test
        void withoutSmtpUtf8AUtf8MessageIsNotOfferedAndFailsWith567() throws Exception {
            server = ScriptedSmtpServer.builder().pipelining(true).start();
            session = open(TlsPolicy.OFF);

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
            session = open(TlsPolicy.OFF);
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
        static String utf8(String latin1) {
            return new String(latin1.getBytes(ISO_8859_1), UTF_8);
        }
    }
}
