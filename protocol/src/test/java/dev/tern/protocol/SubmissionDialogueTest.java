package dev.tern.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.protocol.ServerDialogue.Action;
import dev.tern.protocol.ServerDialogue.Step;
import dev.tern.protocol.SubmissionSenderPolicy.Ownership;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * A submission listener's dialogue (RFC 6409), as transcripts: STARTTLS, then AUTH, then
 * any recipient; MAIL before AUTH gets {@code 530 5.7.0}; a sender that is not the user's
 * gets {@code 553 5.7.1} while the ownership check is on. The session is wired exactly as
 * {@code service/Guardian} wires a {@code --submission} listener.
 */
class SubmissionDialogueTest {

    private static final String HOST = "mx.tern.test";
    private static final TlsSession TLS = new TlsSession("TLSv1.3", "TLS_AES_128_GCM_SHA256");
    private static final Set<String> DOMAINS = Set.of("tern.test");
    /** Every user exists except "nobody" and names with a "+" (sub-addresses). */
    private static final Predicate<String> USERS = user -> !user.equals("nobody") && !user.contains("+");
    private static final RecipientPolicy RECIPIENTS = new LocalRecipientPolicy(
            DOMAINS, USERS, LocalRecipientPolicy.Relay.DENIED);

    private static ServerDialogue submission(Ownership ownership) {
        return new ServerDialogue(new SessionSettings(HOST, 10_240_000, 100, 3, SessionSettings.StartTls.OFFERED),
                RECIPIENTS, new SubmissionSenderPolicy(DOMAINS, USERS, ownership, "+"),
                StorageSpace.UNLIMITED);
    }

    /** One client's session: each line sent, the reply it must get. */
    private static final class Client {
        private final ServerDialogue dialogue;
        private SessionState state = SessionState.INITIAL;
        private Step last;

        Client(ServerDialogue dialogue) {
            this.dialogue = dialogue;
        }

        /** Sends a command; its (last) reply line must start with {@code reply}. */
        Client send(String line, String reply) {
            return got(state.auth() == null ? dialogue.onCommand(state, CommandParser.parse(line))
                    : dialogue.onAuthResponse(state, line), line, reply);
        }

        /** STARTTLS, its 220 and the handshake: the session starts over, encrypted. */
        Client startTls() {
            send("STARTTLS", "220 2.0.0 Ready to start TLS");
            assertThat(last.action()).isEqualTo(Action.START_TLS);
            state = SessionState.afterTlsHandshake(TLS);
            return this;
        }

        /** AUTH PLAIN for the user, and the authenticator's verdict. */
        Client auth(String user, AuthOutcome outcome, String reply) {
            String plain = Base64.getEncoder().encodeToString(("\0" + user + "\0secret").getBytes(StandardCharsets.UTF_8));
            Step step = dialogue.onCommand(state, CommandParser.parse("AUTH PLAIN " + plain));
            assertThat(step.action()).as("AUTH PLAIN asks for a verification").isEqualTo(Action.AUTHENTICATE);
            return got(dialogue.authenticated(step.state(), step.credentials().username(), outcome), "(verdict)", reply);
        }

        /** Greeted, encrypted, greeted again, authenticated as {@code user}. */
        Client authenticatedAs(String user) {
            return send("EHLO client.example", "250").startTls().send("EHLO client.example", "250")
                    .auth(user, AuthOutcome.VALID, "235 2.7.0");
        }

        Step last() {
            return last;
        }

        SessionState state() {
            return state;
        }

        private Client got(Step step, String line, String reply) {
            String lastLine = step.reply().render().lines().reduce((a, b) -> b).orElseThrow();
            assertThat(lastLine).as("reply to %s", line).startsWith(reply);
            last = step;
            state = step.state();
            return this;
        }
    }

    @Test
    void inClearStartTlsIsOfferedAndAuthIsNeither() {
        Client client = new Client(submission(Ownership.OWN)).send("EHLO client.example", "250");
        assertThat(client.last().reply().lines()).contains("STARTTLS").noneMatch(line -> line.startsWith("AUTH"));
        // as on the inbound listener: AUTH in clear is refused, and MAIL without AUTH is too
        client.send("AUTH PLAIN AGFsaWNlAHNlY3JldA==", "538 5.7.11")
                .send("AUTH LOGIN", "538 5.7.11")
                .send("MAIL FROM:<alice@tern.test>", "530 5.7.0 Authentication required")
                .send("RCPT TO:<alice@tern.test>", "503 5.5.1 Error: need MAIL command")
                .send("DATA", "503 5.5.1");
        assertThat(client.state().transaction()).isNull();
    }

    @Test
    void insideTlsAuthIsOfferedAndMailBeforeItGets530() {
        Client client = new Client(submission(Ownership.OWN)).send("EHLO client.example", "250").startTls()
                .send("EHLO client.example", "250");
        assertThat(client.last().reply().lines()).contains("AUTH PLAIN LOGIN").doesNotContain("STARTTLS");
        client.send("MAIL FROM:<alice@tern.test>", "530 5.7.0 Authentication required");
        assertThat(client.last().reply().render()).isEqualTo("530 5.7.0 Authentication required\r\n");
        assertThat(client.last().action()).isEqualTo(Action.CONTINUE);
        assertThat(client.state().transaction()).as("no transaction opened").isNull();
        // a policy refusal, not a protocol error: it never adds up to the 421 of three errors in a row
        client.send("MAIL FROM:<>", "530 5.7.0").send("MAIL FROM:<alice@tern.test> SIZE=10", "530 5.7.0");
        assertThat(client.state().errorsInARow()).isZero();
        assertThat(client.last().action()).isEqualTo(Action.CONTINUE);
        client.send("NOOP", "250").send("RSET", "250");
    }

    @Test
    void aFailedAuthLeavesMailRefused() {
        new Client(submission(Ownership.OWN)).send("EHLO client.example", "250").startTls()
                .send("EHLO client.example", "250")
                .auth("alice", AuthOutcome.INVALID, "535 5.7.8")
                .send("MAIL FROM:<alice@tern.test>", "530 5.7.0")
                .auth("alice", AuthOutcome.TEMPORARILY_UNAVAILABLE, "454 4.7.0")
                .send("MAIL FROM:<alice@tern.test>", "530 5.7.0")
                .auth("alice", AuthOutcome.VALID, "235 2.7.0")
                .send("MAIL FROM:<alice@tern.test>", "250 2.1.0");
    }

    @Test
    void afterAuthAnyRecipientIsRelayedOrDeliveredLocally() {
        Client client = new Client(submission(Ownership.OWN)).authenticatedAs("alice")
                .send("MAIL FROM:<alice@tern.test>", "250 2.1.0 Ok")
                .send("RCPT TO:<friend@remote.example>", "250 2.1.5 Ok")
                .send("RCPT TO:<bob@tern.test>", "250 2.1.5 Ok")
                .send("RCPT TO:<nobody@tern.test>", "550 5.1.1")
                .send("DATA", "354");
        assertThat(client.last().action()).isEqualTo(Action.RECEIVE_DATA);
        assertThat(client.state().transaction().recipients()).extracting(Recipient::route).containsExactly(
                new Recipient.RemoteDomain("remote.example"), new Recipient.LocalMailbox("bob"));
        assertThat(client.state().withProtocol()).isEqualTo("ESMTPSA");
    }

    @Test
    void theAuthenticationOutlivesTheTransaction() {
        Client client = new Client(submission(Ownership.OWN)).authenticatedAs("alice")
                .send("MAIL FROM:<alice@tern.test>", "250").send("RCPT TO:<friend@remote.example>", "250")
                .send("RSET", "250")
                .send("MAIL FROM:<alice@tern.test>", "250").send("RCPT TO:<friend@remote.example>", "250");
        assertThat(client.state().afterMessage().authenticated()).isTrue();
    }

    @Test
    void withTheOwnershipCheckOnAnotherUsersSenderGets553() {
        Client client = new Client(submission(Ownership.OWN)).authenticatedAs("alice")
                .send("MAIL FROM:<bob@tern.test>", "553 5.7.1 Sender address rejected: not owned by user alice");
        assertThat(client.last().reply().render())
                .isEqualTo("553 5.7.1 Sender address rejected: not owned by user alice\r\n");
        assertThat(client.state().transaction()).isNull();
        client.send("RCPT TO:<friend@remote.example>", "503 5.5.1")
                .send("MAIL FROM:<someone@remote.example>", "553 5.7.1")
                .send("MAIL FROM:<alice+news@tern.test>", "250 2.1.0");
        assertThat(client.state().errorsInARow()).isZero();
        client.send("RSET", "250").send("MAIL FROM:<>", "250 2.1.0");
    }

    @Test
    void withOwnLocalOnlyTheLocalDomainsAreGuarded() {
        new Client(submission(Ownership.OWN_LOCAL)).authenticatedAs("alice")
                .send("MAIL FROM:<bob@tern.test>", "553 5.7.1 Sender address rejected: not owned by user alice")
                .send("MAIL FROM:<alice@elsewhere.example>", "250 2.1.0")
                .send("RCPT TO:<friend@remote.example>", "250 2.1.5");
    }

    @Test
    void withTheOwnershipCheckOffAnySenderIsAcceptedButOnlyAfterAuth() {
        new Client(submission(Ownership.ANY)).send("EHLO client.example", "250").startTls()
                .send("EHLO client.example", "250")
                .send("MAIL FROM:<bob@tern.test>", "530 5.7.0")
                .auth("alice", AuthOutcome.VALID, "235")
                .send("MAIL FROM:<bob@tern.test>", "250 2.1.0")
                .send("RCPT TO:<friend@remote.example>", "250 2.1.5");
    }

    @Test
    void theInboundDialogueStillTakesMailWithoutAuthAndRefusesRelaying() {
        ServerDialogue inbound = new ServerDialogue(
                new SessionSettings(HOST, 10_240_000, 100, 3, SessionSettings.StartTls.OFFERED), RECIPIENTS,
                StorageSpace.UNLIMITED);
        new Client(inbound).send("EHLO client.example", "250")
                .send("AUTH PLAIN AGFsaWNlAHNlY3JldA==", "538 5.7.11")
                .send("MAIL FROM:<bob@remote.example>", "250 2.1.0")
                .send("RCPT TO:<friend@remote.example>", "550 5.7.1")
                .send("RCPT TO:<alice@tern.test>", "250 2.1.5");
    }
}
