package dev.tern.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

import org.apache.pekko.actor.typed.Props;
import org.junit.jupiter.api.Test;

import dev.tern.protocol.DsnRequest;
import dev.tern.protocol.MailAddress;
import dev.tern.protocol.MessageEncoding;
import dev.tern.protocol.OriginalRecipient;
import dev.tern.protocol.Recipient;
import dev.tern.protocol.RecipientDsn;
import dev.tern.protocol.RecipientDsn.Notify;
import dev.tern.protocol.ReversePath;
import dev.tern.queue.QueueEntry;
import dev.tern.store.StagedMessage;
import dev.tern.streams.client.ClientTimeouts;
import dev.tern.streams.client.OpportunisticTls;
import dev.tern.streams.client.TlsPolicy;
import dev.tern.supervision.BackoffCurve;
import dev.tern.supervision.RelaySupervision;
import dev.tern.testing.ScriptedSmtpServer;

/** DSN requests (RFC 3461) through a relay and a real SMTP server on loopback: NOTIFY, RET, delay warnings. */
class RelayDsnTest extends RelayTestCase {

    private static final String DOMAIN = "[127.0.0.1]";
    private static final MailAddress BOB = new MailAddress("bob", DOMAIN);
    private static final byte[] RETURN_PATH = "Return-Path: <alice@local.test>\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MESSAGE = ("Subject: hello\r\nMessage-ID: <m1@local.test>\r\n\r\nbody line\r\n")
            .getBytes(StandardCharsets.US_ASCII);
    private static final ClientTimeouts FAST = new ClientTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2),
            Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(2),
            Duration.ofSeconds(2), Duration.ofSeconds(2));
    private static final BackoffCurve CURVE = new BackoffCurve(Duration.ofMillis(100), Duration.ofMillis(200), 0);
    private static final String DEFERRALS = "451 4.2.0 full";

    @Test
    void aDeferredRecipientGetsOneDelayWarningRecordedInTheSpool() throws Exception {
        ScriptedSmtpServer server = server(ScriptedSmtpServer.builder().rcptReplies(deferrals(40)));
        QueueEntry entry = enqueue(DsnRequest.NONE, RecipientDsn.NONE);

        start(server, Duration.ofMillis(300));

        BounceDelivery.Store warning = router.expectMessageClass(BounceDelivery.Store.class, Duration.ofSeconds(10));
        String dsn = Files.readString(warning.message().file(), StandardCharsets.ISO_8859_1);
        assertThat(dsn).contains("Action: delayed").contains("Status: 4.2.0").contains("Will-Retry-Until:")
                .contains("Subject: Delayed Mail (still being retried)");
        assertThat(warning.envelope().sender()).isEqualTo(ReversePath.NULL);
        warning.replyTo().tell(new BounceDelivery.Stored(warning.envelope().messageId()));
        assertThat(Files.readString(envelopeOf(entry))).contains("delay-warned ");

        int rcptsSoFar = rcpts(server);
        awaitTrue(() -> rcpts(server) >= rcptsSoFar + 3, "more retries after the warning");
        router.expectNoMessage(Duration.ofMillis(200));
        assertThat(Files.exists(envelopeOf(entry))).as("still queued, still retried").isTrue();
    }

    @Test
    void aRestartedRelayDoesNotWarnAgain() throws Exception {
        ScriptedSmtpServer server = server(ScriptedSmtpServer.builder().rcptReplies(deferrals(80)));
        QueueEntry entry = enqueue(DsnRequest.NONE, RecipientDsn.NONE);
        start(server, Duration.ofMillis(200));
        BounceDelivery.Store warning = router.expectMessageClass(BounceDelivery.Store.class, Duration.ofSeconds(10));
        warning.replyTo().tell(new BounceDelivery.Stored(warning.envelope().messageId()));
        started.forEach(testKit::stop);
        started.clear();
        int before = rcpts(server);

        start(server, Duration.ofMillis(200)); // reads the entry, warned, from the spool

        awaitTrue(() -> rcpts(server) >= before + 3, "the new relay retries");
        router.expectNoMessage(Duration.ofMillis(200));
        assertThat(Files.readString(envelopeOf(entry))).contains("delay-warned ");
    }

    @Test
    void noDelayWarningForNotifyNeverNorForNotifyWithoutDelay() throws Exception {
        ScriptedSmtpServer server = server(ScriptedSmtpServer.builder().rcptReplies(deferrals(80)));
        QueueEntry never = enqueue(DsnRequest.NONE, new RecipientDsn(Set.of(), null));
        QueueEntry failureOnly = enqueue(DsnRequest.NONE, new RecipientDsn(Set.of(Notify.FAILURE), null));

        start(server, Duration.ofMillis(100));

        awaitTrue(() -> rcpts(server) >= 8, "several deferrals past the delay");
        router.expectNoMessage(Duration.ofMillis(300));
        assertThat(Files.readString(envelopeOf(never))).contains("notify NEVER").doesNotContain("delay-warned");
        assertThat(Files.readString(envelopeOf(failureOnly))).contains("notify FAILURE").doesNotContain("delay-warned");
    }

    @Test
    void noBounceForNotifyNever() throws Exception {
        ScriptedSmtpServer server = server(ScriptedSmtpServer.builder().rcptReplies("550 5.1.1 no such user"));
        QueueEntry entry = enqueue(DsnRequest.NONE, new RecipientDsn(Set.of(), null));

        start(server, Duration.ZERO);

        awaitTrue(() -> !Files.exists(envelopeOf(entry)), "the failed entry leaves the queue");
        router.expectNoMessage(Duration.ofMillis(300));
    }

    @Test
    void aFailureDsnCarriesEnvidOrcptAndWithRetFullTheWholeMessage() throws Exception {
        ScriptedSmtpServer server = server(ScriptedSmtpServer.builder().rcptReplies("550 5.1.1 no such user"));
        enqueue(new DsnRequest(DsnRequest.Ret.FULL, "QQ314159"),
                new RecipientDsn(null, new OriginalRecipient("rfc822", "Bob+lists@example.org")));

        start(server, Duration.ZERO);

        BounceDelivery.Store bounce = router.expectMessageClass(BounceDelivery.Store.class, Duration.ofSeconds(10));
        String dsn = Files.readString(bounce.message().file(), StandardCharsets.ISO_8859_1);
        assertThat(dsn).contains("Original-Envelope-Id: QQ314159\r\n")
                .contains("Original-Recipient: rfc822; Bob+lists@example.org\r\n")
                .contains("Action: failed")
                .contains("Content-Type: message/rfc822\r\n\r\nSubject: hello\r\nMessage-ID: <m1@local.test>\r\n"
                        + "\r\nbody line\r\n\r\n--")
                .doesNotContain("text/rfc822-headers");
        assertThat(bounce.message().size()).isEqualTo(Files.size(bounce.message().file()));
    }

    @Test
    void retHdrsReturnsTheHeadersOnly() throws Exception {
        ScriptedSmtpServer server = server(ScriptedSmtpServer.builder().rcptReplies("550 5.1.1 no such user"));
        enqueue(new DsnRequest(DsnRequest.Ret.HDRS, null), RecipientDsn.NONE);

        start(server, Duration.ZERO);

        BounceDelivery.Store bounce = router.expectMessageClass(BounceDelivery.Store.class, Duration.ofSeconds(10));
        String dsn = Files.readString(bounce.message().file(), StandardCharsets.ISO_8859_1);
        assertThat(dsn).contains("Content-Type: text/rfc822-headers").contains("Subject: hello")
                .doesNotContain("body line").doesNotContain("message/rfc822").doesNotContain("Original-Envelope-Id");
    }

    @Test
    void aNextHopWithDsnGetsTheParametersAndTheSenderNoReport() throws Exception {
        ScriptedSmtpServer server = server(ScriptedSmtpServer.builder().extension("DSN"));
        QueueEntry entry = enqueue(new DsnRequest(DsnRequest.Ret.HDRS, "id+1"),
                new RecipientDsn(Set.of(Notify.SUCCESS), new OriginalRecipient("rfc822", "b@example.org")));

        start(server, Duration.ZERO);

        ScriptedSmtpServer.Transaction sent = server.awaitTransactions(1, Duration.ofSeconds(10)).get(0);
        assertThat(sent.mailParameters()).contains("RET=HDRS").contains("ENVID=id+2B1");
        assertThat(server.commandLines()).contains("RCPT TO:<bob@[127.0.0.1]> NOTIFY=SUCCESS ORCPT=rfc822;b@example.org");
        awaitTrue(() -> !Files.exists(envelopeOf(entry)), "delivered");
        router.expectNoMessage(Duration.ofMillis(300));
    }

    @Test
    void aNextHopWithoutDsnMeansARelayedReportForNotifySuccess() throws Exception {
        ScriptedSmtpServer server = server(ScriptedSmtpServer.builder());
        QueueEntry entry = enqueue(new DsnRequest(null, "E1"), new RecipientDsn(Set.of(Notify.SUCCESS), null));

        start(server, Duration.ZERO);

        BounceDelivery.Store report = router.expectMessageClass(BounceDelivery.Store.class, Duration.ofSeconds(10));
        String dsn = Files.readString(report.message().file(), StandardCharsets.ISO_8859_1);
        assertThat(dsn).contains("Action: relayed").contains("Status: 2.0.0").contains("Original-Envelope-Id: E1")
                .contains("Subject: Successful Mail Delivery Report");
        assertThat(server.commandLines()).contains("RCPT TO:<bob@[127.0.0.1]>");
        report.replyTo().tell(new BounceDelivery.Stored(report.envelope().messageId()));
        awaitTrue(() -> !Files.exists(envelopeOf(entry)), "the entry leaves once the report is stored");
    }

    // ---- scaffolding

    private static String[] deferrals(int n) {
        String[] replies = new String[n];
        java.util.Arrays.fill(replies, DEFERRALS);
        return replies;
    }

    private static int rcpts(ScriptedSmtpServer server) {
        return (int) server.commandLines().stream().filter(line -> line.startsWith("RCPT")).count();
    }

    private ScriptedSmtpServer server(ScriptedSmtpServer.Builder builder) throws IOException {
        return serve(builder.start());
    }

    private void start(ScriptedSmtpServer server, Duration delayWarning) {
        RelaySettings settings = new RelaySettings(List.of(), server.port(), TlsPolicy.OPPORTUNISTIC, spool.dir(),
                CURVE, Duration.ofSeconds(30), 2, 100, Duration.ofSeconds(2), FAST, "tern.test", delayWarning);
        MxResolver resolver = new MxResolver(List.of(new InetSocketAddress("127.0.0.1", 9)), Duration.ofSeconds(2),
                new Random(1));
        RelayContext context = new RelayContext(settings, spool, resolver, OpportunisticTls.context(), router.ref(),
                address -> Optional.of(new Recipient.LocalMailbox(address.localPart())),
                incoming, Clock.systemUTC(), new Random(7), Props.empty());
        spawn(RelaySupervision.supervise(Relay.create(DOMAIN, context, null), CURVE));
    }

    private int staged;

    private QueueEntry enqueue(DsnRequest dsn, RecipientDsn recipientDsn) throws IOException {
        Path file = incoming.resolve("staged-" + (++staged));
        byte[] bytes = new byte[RETURN_PATH.length + MESSAGE.length];
        System.arraycopy(RETURN_PATH, 0, bytes, 0, RETURN_PATH.length);
        System.arraycopy(MESSAGE, 0, bytes, RETURN_PATH.length, MESSAGE.length);
        Files.write(file, bytes);
        List<QueueEntry> entries = spool.enqueue("M" + staged, new ReversePath.Sender(new MailAddress("alice", "local.test")),
                List.of(BOB), new StagedMessage(file, bytes.length, RETURN_PATH.length), Instant.now(), MessageEncoding.PLAIN, dsn,
                Map.of(BOB, recipientDsn));
        return entries.get(0);
    }
}
