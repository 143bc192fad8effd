package dev.tern.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tern.protocol.Envelope;
import dev.tern.protocol.MailAddress;
import dev.tern.protocol.Recipient;
import dev.tern.protocol.ReversePath;
import dev.tern.router.Router;
import dev.tern.store.StagedMessage;

/** The signer between a session and the router: what the router gets, and who it answers. */
class MessageSignerTest {

    private static final ActorTestKit KIT = ActorTestKit.create();
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final String RETURN_PATH = "Return-Path: <alice@example.org>\r\n";

    @TempDir
    Path dir;

    private final TestProbe<Router.Command> router = KIT.createTestProbe();
    private final TestProbe<Router.Outcome> session = KIT.createTestProbe();
    private ActorRef<MessageSigner.Command> signer;

    @BeforeEach
    void spawnSigner() throws Exception {
        signer = KIT.spawn(MessageSigner.create(keys(), router.getRef(), Clock.systemUTC()));
    }

    @AfterAll
    static void stop() {
        KIT.shutdownTestKit();
    }

    private DkimKeys keys() throws Exception {
        var pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        Path file = Files.writeString(dir.resolve("key.pem"), "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder().encodeToString(pair.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n");
        return DkimKeys.load(List.of("example.org:sel:" + file));
    }

    private Router.Deliver deliver(String from, ActorRef<Router.Outcome> replyTo) throws Exception {
        String text = RETURN_PATH + "From: " + from + "\r\nSubject: s\r\n\r\nbody\r\n";
        Path file = Files.writeString(dir.resolve("staged"), text, StandardCharsets.ISO_8859_1);
        Envelope envelope = new Envelope("ID1", new ReversePath.Sender(new MailAddress("alice", "example.org")),
                List.of(new Recipient(new MailAddress("bob", "example.net"), new Recipient.RemoteDomain("example.net"))));
        return new Router.Deliver(envelope, new StagedMessage(file, Files.size(file), RETURN_PATH.length()), replyTo);
    }

    @Test
    void theRouterGetsTheSignedStagedFileAndAnswersTheSessionItself() throws Exception {
        Router.Deliver original = deliver("alice@example.org", session.getRef());

        signer.tell(new MessageSigner.Sign(original));

        Router.Deliver signed = router.expectMessageClass(Router.Deliver.class, TIMEOUT);
        assertThat(signed.replyTo()).isEqualTo(session.getRef());
        assertThat(signed.envelope()).isEqualTo(original.envelope());
        assertThat(signed.message().file()).isEqualTo(original.message().file());
        String text = Files.readString(signed.message().file(), StandardCharsets.ISO_8859_1);
        assertThat(signed.message().size()).isEqualTo(text.length());
        assertThat(text).startsWith(RETURN_PATH + "DKIM-Signature: v=1; a=ed25519-sha256;")
                .contains(" d=example.org;").contains("s=sel;").endsWith("From: alice@example.org\r\nSubject: s\r\n\r\nbody\r\n");
    }

    @Test
    void mailFromADomainWithoutAKeyGoesOnAsItCame() throws Exception {
        Router.Deliver original = deliver("mallory@elsewhere.example", session.getRef());
        String before = Files.readString(original.message().file(), StandardCharsets.ISO_8859_1);

        signer.tell(new MessageSigner.Sign(original));

        assertThat(router.expectMessageClass(Router.Deliver.class, TIMEOUT)).isEqualTo(original);
        assertThat(Files.readString(original.message().file(), StandardCharsets.ISO_8859_1)).isEqualTo(before);
    }

    @Test
    void aStagedFileThatIsGoneIsStoredUnsignedForTheRouterToRefuse() throws Exception {
        Router.Deliver original = deliver("alice@example.org", session.getRef());
        Files.delete(original.message().file());

        signer.tell(new MessageSigner.Sign(original));

        assertThat(router.expectMessageClass(Router.Deliver.class, TIMEOUT)).isEqualTo(original);
        session.expectNoMessage(Duration.ofMillis(100));
    }
}
