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
import java.util.function.Function;

import org.apache.pekko.actor.typed.Props;
import org.junit.jupiter.api.Test;

import dev.tern.metrics.TernMetrics;
import dev.tern.protocol.DsnRequest;
import dev.tern.protocol.MailAddress;
import dev.tern.protocol.MessageEncoding;
import dev.tern.protocol.Recipient;
import dev.tern.protocol.ReversePath;
import dev.tern.protocol.TlsRequirement;
import dev.tern.queue.QueueEntry;
import dev.tern.store.StagedMessage;
import dev.tern.streams.client.ClientTimeouts;
import dev.tern.streams.client.OpportunisticTls;
import dev.tern.streams.client.PkixCheck;
import dev.tern.streams.client.TlsPolicy;
import dev.tern.supervision.BackoffCurve;
import dev.tern.supervision.RelaySupervision;
import dev.tern.testing.ScriptedSmtpServer;
import dev.tern.testing.TestCa;
import dev.tern.transport.LocalPolicy;
import dev.tern.transport.OutboundTls;
import dev.tern.transport.TlsResults;

/**
 * RFC 8689 through a relay and a real SMTP server on loopback: a REQUIRETLS message the next hop cannot take safely
 * fails at once with a bounce while the other messages of the session go; a {@code TLS-Required: No} message goes
 * where the destination's TLS policy holds the others back.
 */
class RelayRequireTlsTest extends RelayTestCase {

    private static final String DOMAIN = "[127.0.0.1]";
    private static final MailAddress BOB = new MailAddress("bob", DOMAIN);
    private static final ReversePath ALICE = new ReversePath.Sender(new MailAddress("alice", "local.test"));
    private static final String RETURN_PATH = "Return-Path: <alice@local.test>\r\n";
    private static final Duration TWO = Duration.ofSeconds(2);
    private static final ClientTimeouts FAST = new ClientTimeouts(TWO, TWO, TWO, TWO, TWO, TWO, TWO, TWO);
    private static final BackoffCurve CURVE = new BackoffCurve(Duration.ofMillis(100), Duration.ofMillis(200), 0);

    private ScriptedSmtpServer server;

    @Test
    void aRequireTlsMessageToANextHopInClearBouncesWith5710AndTheOtherMessageGoes() throws Exception {
        server = serve(ScriptedSmtpServer.builder().extension("REQUIRETLS").start());
        QueueEntry secret = enqueue("secret", "", TlsRequirement.REQUIRETLS);
        QueueEntry plain = enqueue("plain", "", TlsRequirement.DEFAULT);

        start(OutboundTls.OPPORTUNISTIC);

        BounceDelivery.Store bounce = router.expectMessageClass(BounceDelivery.Store.class, Duration.ofSeconds(10));
        String dsn = Files.readString(bounce.message().file(), StandardCharsets.ISO_8859_1);
        assertThat(dsn).contains("Status: 5.7.10\r\n").contains("Action: failed")
                .contains("550 5.7.10 REQUIRETLS: not sent, no TLS session with");
        assertThat(bounce.envelope().recipients()).extracting(Recipient::address)
                .containsExactly(new MailAddress("alice", "local.test"));
        assertThat(bounce.envelope().tls()).isEqualTo(TlsRequirement.REQUIRETLS); // RFC 8689 §5
        List<ScriptedSmtpServer.Transaction> received = server.awaitTransactions(1, Duration.ofSeconds(10));
        assertThat(received).hasSize(1);
        assertThat(received.get(0).dataAsString()).contains("Subject: plain");
        assertThat(server.commandLines()).noneMatch(line -> line.contains("REQUIRETLS"));
        bounce.replyTo().tell(new BounceDelivery.Stored(bounce.envelope().messageId()));
        awaitTrue(() -> !Files.exists(envelopeOf(secret)) && !Files.exists(envelopeOf(plain)), "both entries done");
    }

    @Test
    void theBounceOfARequireTlsMessageFromARemoteSenderIsRelayedWithRequireTls() throws Exception {
        server = serve(ScriptedSmtpServer.builder().extension("REQUIRETLS").start());
        bounceRoute = address -> Optional.of(new Recipient.RemoteDomain(address.domain()));
        enqueue("secret", "", TlsRequirement.REQUIRETLS);

        start(OutboundTls.OPPORTUNISTIC);

        BounceDelivery.Store bounce = router.expectMessageClass(BounceDelivery.Store.class, Duration.ofSeconds(10));
        assertThat(bounce.envelope().recipients()).singleElement().satisfies(to ->
                assertThat(to.route()).isEqualTo(new Recipient.RemoteDomain("local.test")));
        assertThat(bounce.envelope().sender()).isEqualTo(ReversePath.NULL);
        assertThat(bounce.envelope().tls()).isEqualTo(TlsRequirement.REQUIRETLS); // RFC 8689 §5
        bounce.replyTo().tell(new BounceDelivery.Stored(bounce.envelope().messageId()));
    }

    @Test
    void theBounceOfAnOrdinaryMessageIsAnOrdinaryMessage() throws Exception {
        server = serve(ScriptedSmtpServer.builder().rcptReplies("550 5.1.1 no such user").start());
        bounceRoute = address -> Optional.of(new Recipient.RemoteDomain(address.domain()));
        enqueue("plain", "", TlsRequirement.DEFAULT);

        start(OutboundTls.OPPORTUNISTIC);

        BounceDelivery.Store bounce = router.expectMessageClass(BounceDelivery.Store.class, Duration.ofSeconds(10));
        assertThat(bounce.envelope().tls()).isEqualTo(TlsRequirement.DEFAULT);
        bounce.replyTo().tell(new BounceDelivery.Stored(bounce.envelope().messageId()));
    }

    @Test
    void tlsRequiredNoGoesWhereTheVerifyPolicyDefersTheOthers() throws Exception {
        server = serve(ScriptedSmtpServer.builder().startTls(TestCa.selfSigned("mx.dest.test").serverContext())
                .start());
        QueueEntry held = enqueue("held", "", TlsRequirement.DEFAULT);
        QueueEntry waived = enqueue("waived", "TLS-Required: No\r\n", TlsRequirement.DEFAULT);
        QueueEntry both = enqueue("both", "TLS-Required: No\r\n", TlsRequirement.REQUIRETLS);

        start(OutboundTls.VERIFY);

        List<ScriptedSmtpServer.Transaction> received = server.awaitTransactions(1, Duration.ofSeconds(10));
        assertThat(received).hasSize(1);
        assertThat(received.get(0).tls()).isTrue();
        assertThat(received.get(0).dataAsString()).contains("Subject: waived\r\nTLS-Required: No\r\n");
        awaitTrue(() -> !Files.exists(envelopeOf(waived)), "the waived entry delivered");
        awaitTrue(() -> Files.readString(envelopeOf(held)).contains("status DEFERRED")
                && Files.readString(envelopeOf(both)).contains("status DEFERRED"), "the others deferred");
        assertThat(Files.readString(envelopeOf(held))).contains("verify policy");
        Thread.sleep(500); // retries meanwhile: the policy still holds them
        assertThat(server.transactions()).hasSize(1);
        router.expectNoMessage(Duration.ofMillis(100));
    }

    // ---- scaffolding

    private Function<MailAddress, Optional<Recipient.Route>> bounceRoute =
            address -> Optional.of(new Recipient.LocalMailbox(address.localPart()));

    private void start(OutboundTls outboundTls) {
        RelaySettings settings = new RelaySettings(List.of(), server.port(), TlsPolicy.OPPORTUNISTIC, spool.dir(),
                CURVE, Duration.ofSeconds(30), 2, 100, TWO, FAST, "tern.test");
        MxResolver resolver = new MxResolver(List.of(new InetSocketAddress("127.0.0.1", 9)), TWO, new Random(1));
        RelayContext context = new RelayContext(settings, spool, resolver, OpportunisticTls.context(), router.ref(),
                bounceRoute, incoming, Clock.systemUTC(),
                new Random(7), Props.empty(), new TernMetrics(),
                new LocalPolicy(outboundTls, PkixCheck.trusting(List.of())), TlsResults.NONE);
        spawn(RelaySupervision.supervise(Relay.create(DOMAIN, context, null), CURVE));
    }

    private int staged;

    private QueueEntry enqueue(String subject, String moreHeaders, TlsRequirement tls) throws IOException {
        String message = "Subject: " + subject + "\r\n" + moreHeaders + "Message-ID: <" + subject
                + "@local.test>\r\n\r\nbody\r\n";
        byte[] bytes = (RETURN_PATH + message).getBytes(StandardCharsets.US_ASCII);
        Path file = Files.write(incoming.resolve("staged-" + (++staged)), bytes);
        return spool.enqueue("M" + staged, ALICE, List.of(BOB), new StagedMessage(file, bytes.length,
                RETURN_PATH.length()), Instant.now(), MessageEncoding.PLAIN, DsnRequest.NONE, Map.of(), tls).get(0);
    }
}
