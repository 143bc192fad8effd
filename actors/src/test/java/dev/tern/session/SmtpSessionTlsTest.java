package dev.tern.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tern.protocol.AuthOutcome;
import dev.tern.protocol.LocalRecipientPolicy;
import dev.tern.protocol.ServerDialogue;
import dev.tern.protocol.SessionSettings;
import dev.tern.router.Router;
import dev.tern.streams.InputLine;
import dev.tern.streams.SessionInput;
import dev.tern.streams.TlsInbound;
import dev.tern.users.Authenticator;

/** STARTTLS, implicit TLS and AUTH as the session actor handles them, with the connection faked. */
class SmtpSessionTlsTest {

    private static final ActorTestKit testKit = ActorTestKit.create();
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final SessionSettings SETTINGS =
            new SessionSettings("mx.test", 10_000_000, 100, 3, SessionSettings.StartTls.OFFERED);
    private static final InetSocketAddress PEER = new InetSocketAddress(InetAddress.getLoopbackAddress(), 40000);
    private static final TlsInbound.Established TLS13 =
            new TlsInbound.Established("TLSv1.3", "TLS_AES_256_GCM_SHA384", null);

    @TempDir
    Path temp;
    private SmtpSessionTest.FakeConnection channel;
    private TestProbe<Router.Command> router;
    private TestProbe<Authenticator.Command> authenticator;

    @AfterAll
    static void stop() {
        testKit.shutdownTestKit();
    }

    @BeforeEach
    void setUp() {
        channel = new SmtpSessionTest.FakeConnection();
        router = testKit.createTestProbe();
        authenticator = testKit.createTestProbe();
    }

    private ActorRef<SmtpSession.Command> session(SessionSetup.Encryption encryption) throws Exception {
        LocalRecipientPolicy policy = new LocalRecipientPolicy(Set.of("example.org"), Set.of("alice")::contains,
                LocalRecipientPolicy.Relay.DENIED);
        SessionSetup setup = new SessionSetup(new ServerDialogue(SETTINGS, policy), SETTINGS, router.getRef(),
                authenticator.getRef(), Files.createDirectories(temp.resolve("incoming")), Duration.ofMinutes(5),
                Clock.systemUTC(), encryption);
        ActorRef<SmtpSession.Command> session = testKit.spawn(SmtpSession.create(setup, channel, PEER));
        channel.awaitInputRequests(1, TIMEOUT); // its first request, before anything is sent to it
        return session;
    }

    private void handled(ActorRef<SmtpSession.Command> session, String... lines) throws Exception {
        send(session, lines).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    private CompletableFuture<Done> send(ActorRef<SmtpSession.Command> session, String... lines) {
        CompletableFuture<Done> handled = new CompletableFuture<>();
        channel.expectInputRequest(handled);
        List<InputLine> input = java.util.Arrays.stream(lines)
                .<InputLine>map(line -> new InputLine.Line(ByteString.fromString(line, StandardCharsets.ISO_8859_1)))
                .toList();
        session.tell(new SmtpSession.FromConnection(new SessionInput.Lines(input)));
        return handled;
    }

    private void tlsStarted(ActorRef<SmtpSession.Command> session) throws Exception {
        CompletableFuture<Done> handled = new CompletableFuture<>();
        channel.expectInputRequest(handled);
        session.tell(new SmtpSession.FromConnection(new SessionInput.TlsStarted(TLS13)));
        handled.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void starttlsIsAdvertisedInClearAndSwitchesAfterThe220() throws Exception {
        ActorRef<SmtpSession.Command> session = session(SessionSetup.Encryption.ON_STARTTLS);
        handled(session, "EHLO client.test");
        assertThat(channel.text()).contains("250 STARTTLS\r\n").doesNotContain("AUTH");

        handled(session, "STARTTLS");

        assertThat(channel.text()).endsWith("220 2.0.0 Ready to start TLS\r\n<TLS>");
        assertThat(channel.tlsSwitches()).isEqualTo(1);
    }

    @Test
    void commandsPipelinedAfterStarttlsAreNeverExecuted() throws Exception {
        ActorRef<SmtpSession.Command> session = session(SessionSetup.Encryption.ON_STARTTLS);
        handled(session, "EHLO client.test");

        handled(session, "STARTTLS", "RSET", "MAIL FROM:<evil@example.net>");
        handled(session, "RCPT TO:<alice@example.org>"); // still in clear, before the handshake
        String beforeTls = channel.text();
        tlsStarted(session);

        assertThat(beforeTls).endsWith("<TLS>");
        assertThat(channel.text()).isEqualTo(beforeTls); // no reply to anything sent in clear after STARTTLS
        handled(session, "MAIL FROM:<a@example.net>");
        assertThat(channel.text()).as("RFC 3207 §4.2: the client must greet again inside TLS")
                .endsWith("503 5.5.1 Error: send HELO/EHLO first\r\n");
    }

    @Test
    void insideTlsAuthIsOfferedAndStarttlsIsNot() throws Exception {
        ActorRef<SmtpSession.Command> session = session(SessionSetup.Encryption.ON_STARTTLS);
        handled(session, "EHLO client.test", "STARTTLS");
        tlsStarted(session);

        handled(session, "EHLO client.test");

        String ehlo = channel.text().substring(channel.text().lastIndexOf("<TLS>"));
        assertThat(ehlo).contains("250 AUTH PLAIN LOGIN\r\n").doesNotContain("STARTTLS");
        handled(session, "STARTTLS");
        assertThat(channel.text()).endsWith("503 5.5.1 Error: TLS already active\r\n");
    }

    @Test
    void authInClearIsRefusedWith538() throws Exception {
        ActorRef<SmtpSession.Command> session = session(SessionSetup.Encryption.ON_STARTTLS);
        handled(session, "EHLO client.test", "AUTH PLAIN " + base64("\0alice\0secret"));

        assertThat(channel.text()).endsWith("538 5.7.11 Error: authentication requires an encrypted connection (STARTTLS)\r\n");
        authenticator.expectNoMessage(Duration.ofMillis(200));
    }

    @Test
    void implicitTlsGreetsOnlyAfterTheHandshake() throws Exception {
        ActorRef<SmtpSession.Command> session = session(SessionSetup.Encryption.IMPLICIT);
        handled(session, "EHLO sent before the handshake"); // cannot happen on the wire; dropped if it did
        assertThat(channel.text()).isEmpty();
        assertThat(channel.tlsSwitches()).as("the connection itself starts in TLS").isZero();

        tlsStarted(session);

        assertThat(channel.text()).isEqualTo("220 mx.test ESMTP Tern\r\n");
    }

    @Test
    void authPlainAsksTheAuthenticatorAndWaitsForItsVerdict() throws Exception {
        ActorRef<SmtpSession.Command> session = session(SessionSetup.Encryption.IMPLICIT);
        tlsStarted(session);
        handled(session, "EHLO client.test");

        CompletableFuture<Done> batch = send(session, "AUTH PLAIN " + base64("\0alice\0secret"), "NOOP");
        Authenticator.Verify verify = authenticator.expectMessageClass(Authenticator.Verify.class);

        assertThat(verify.user()).isEqualTo("alice");
        assertThat(new String(verify.password(), StandardCharsets.UTF_8)).isEqualTo("secret");
        assertThat(verify.clientAddress()).isEqualTo("127.0.0.1");
        assertThat(batch).as("the NOOP waits for the verdict").isNotDone();
        verify.replyTo().tell(new Authenticator.Verdict("alice", AuthOutcome.VALID));
        batch.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertThat(channel.text()).endsWith("235 2.7.0 Authentication successful\r\n250 2.0.0 Ok\r\n");
    }

    @Test
    void authLoginWithAWrongPasswordGets535() throws Exception {
        ActorRef<SmtpSession.Command> session = session(SessionSetup.Encryption.IMPLICIT);
        tlsStarted(session);
        handled(session, "EHLO client.test", "AUTH LOGIN");
        assertThat(channel.text()).endsWith("334 VXNlcm5hbWU6\r\n");
        handled(session, base64("alice"));
        assertThat(channel.text()).endsWith("334 UGFzc3dvcmQ6\r\n");

        CompletableFuture<Done> batch = send(session, base64("wrong"));
        Authenticator.Verify verify = authenticator.expectMessageClass(Authenticator.Verify.class);
        verify.replyTo().tell(new Authenticator.Verdict("alice", AuthOutcome.INVALID));
        batch.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);

        assertThat(verify.user()).isEqualTo("alice");
        assertThat(channel.text()).endsWith("535 5.7.8 Error: authentication failed\r\n");
    }

    @Test
    void authThatCannotBeCheckedNowGets454AndTheSessionGoesOn() throws Exception {
        ActorRef<SmtpSession.Command> session = session(SessionSetup.Encryption.IMPLICIT);
        tlsStarted(session);
        handled(session, "EHLO client.test");

        CompletableFuture<Done> batch = send(session, "AUTH PLAIN " + base64("\0alice\0secret"), "NOOP");
        authenticator.expectMessageClass(Authenticator.Verify.class).replyTo()
                .tell(new Authenticator.Verdict("alice", AuthOutcome.TEMPORARILY_UNAVAILABLE));
        batch.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);

        assertThat(channel.text()).endsWith("454 4.7.0 Temporary authentication failure\r\n250 2.0.0 Ok\r\n");
    }

    @Test
    void anAuthenticatedSessionMayRelay() throws Exception {
        ActorRef<SmtpSession.Command> session = session(SessionSetup.Encryption.IMPLICIT);
        tlsStarted(session);
        handled(session, "EHLO client.test", "MAIL FROM:<a@example.net>", "RCPT TO:<x@remote.test>", "RSET");
        assertThat(channel.text()).contains("550 5.7.1 Error: relay access denied\r\n");

        CompletableFuture<Done> batch = send(session, "AUTH PLAIN " + base64("\0alice\0secret"));
        authenticator.expectMessageClass(Authenticator.Verify.class).replyTo()
                .tell(new Authenticator.Verdict("alice", AuthOutcome.VALID));
        batch.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        handled(session, "MAIL FROM:<alice@example.org>", "RCPT TO:<x@remote.test>");

        assertThat(channel.text()).endsWith("250 2.1.5 Ok\r\n");
    }
}
