package dev.tern.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.protocol.ServerDialogue.Action;
import dev.tern.protocol.ServerDialogue.Step;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ServerDialogueTest {

    private static final String HOST = "mx.tern.test";
    private static final long MAX_SIZE = 10_240_000;

    /** Local domain tern.test; every user exists except "nobody"; no relaying. */
    private static final RecipientPolicy POLICY = new LocalRecipientPolicy(
            Set.of("tern.test"), user -> !user.equals("nobody"), LocalRecipientPolicy.Relay.DENIED);

    private final ServerDialogue dialogue = new ServerDialogue(new SessionSettings(HOST, MAX_SIZE, 100, 3), POLICY);

    /** Parses one command line and runs it. */
    private Step step(SessionState state, String line) {
        return dialogue.onCommand(state, CommandParser.parse(line));
    }

    /** Runs lines from a fresh session, each of which must succeed, and returns where the session stands. */
    private SessionState after(String... lines) {
        SessionState state = SessionState.INITIAL;
        for (String line : lines) {
            Step step = step(state, line);
            assertThat(step.replies()).as("replies to %s", line).hasSize(1);
            assertThat(step.reply().isPositive()).as("reply to %s: %s", line, step.reply()).isTrue();
            state = step.state();
        }
        return state;
    }

    private static void assertReply(Step step, int code, String enhancedCode) {
        assertThat(step.replies()).as("replies").hasSize(1);
        assertThat(step.reply().code()).as("code of %s", step.reply()).isEqualTo(code);
        assertThat(step.reply().enhancedCode()).as("enhanced code of %s", step.reply()).isEqualTo(enhancedCode);
        assertThat(step.action()).isEqualTo(Action.CONTINUE);
    }

    private static MailAddress address(String text) {
        return MailAddress.parse(text).orElseThrow();
    }

    @Test
    void greetingNamesTheHost() {
        assertThat(dialogue.greeting().render()).isEqualTo("220 mx.tern.test ESMTP Tern\r\n");
    }

    @Nested
    class HappyPath {

        @Test
        void fullTransactionReachesData() {
            Step ehlo = step(SessionState.INITIAL, "EHLO client.example");
            assertReply(ehlo, 250, null);

            Step mail = step(ehlo.state(), "MAIL FROM:<sender@client.example>");
            assertReply(mail, 250, "2.1.0");

            Step rcpt1 = step(mail.state(), "RCPT TO:<alice@tern.test>");
            assertReply(rcpt1, 250, "2.1.5");
            Step rcpt2 = step(rcpt1.state(), "RCPT TO:<Bob@TERN.test>");
            assertReply(rcpt2, 250, "2.1.5");

            Step data = step(rcpt2.state(), "DATA");
            assertThat(data.replies()).containsExactly(Replies.START_MAIL_INPUT);
            assertThat(data.reply().code()).isEqualTo(354);
            assertThat(data.action()).isEqualTo(Action.RECEIVE_DATA);

            Transaction transaction = data.state().transaction();
            assertThat(transaction.sender()).isEqualTo(new ReversePath.Sender(address("sender@client.example")));
            assertThat(transaction.recipients()).containsExactly(
                    new Recipient(address("alice@tern.test"), new Recipient.LocalMailbox("alice")),
                    new Recipient(address("Bob@tern.test"), new Recipient.LocalMailbox("bob")));
        }

        @Test
        void ehloAdvertisesTheExtensions() {
            Step step = step(SessionState.INITIAL, "EHLO client.example");
            assertThat(step.reply().lines()).containsExactly(
                    HOST, "PIPELINING", "SIZE 10240000", "8BITMIME", "ENHANCEDSTATUSCODES", "SMTPUTF8", "DSN",
                    "CHUNKING", "BINARYMIME");
            assertThat(step.reply().render()).isEqualTo(
                    "250-mx.tern.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n"
                            + "250-SMTPUTF8\r\n250-DSN\r\n250-CHUNKING\r\n250 BINARYMIME\r\n");
            assertThat(step.state().clientName()).isEqualTo("client.example");
            assertThat(step.state().extended()).isTrue();
            assertThat(step.state().greeted()).isTrue();
        }

        @Test
        void heloAnswersWithTheHostnameOnly() {
            Step step = step(SessionState.INITIAL, "HELO client.example");
            assertThat(step.replies()).containsExactly(SmtpReply.of(250, null, HOST));
            assertThat(step.state().clientName()).isEqualTo("client.example");
            assertThat(step.state().extended()).isFalse();
        }

        @Test
        void heloAllowsAPlainTransaction() {
            SessionState state = after("HELO client.example", "MAIL FROM:<>", "RCPT TO:<alice@tern.test>");
            assertThat(state.transaction().sender()).isEqualTo(ReversePath.NULL);
            assertThat(step(state, "DATA").action()).isEqualTo(Action.RECEIVE_DATA);
        }

        @Test
        void afterMessageClearsTheTransactionAndKeepsTheGreeting() {
            SessionState state = after("EHLO client.example", "MAIL FROM:<a@client.example>", "RCPT TO:<alice@tern.test>");
            Step data = step(state, "DATA");

            SessionState next = data.state().afterMessage();
            assertThat(next.transaction()).isNull();
            assertThat(next.clientName()).isEqualTo("client.example");
            assertThat(next.extended()).isTrue();
            assertThat(next.errorsInARow()).isZero();
            assertReply(step(next, "MAIL FROM:<b@client.example> SIZE=10"), 250, "2.1.0");
        }
    }

    @Nested
    class WrongOrder {

        @Test
        void mailBeforeEhlo() {
            Step step = step(SessionState.INITIAL, "MAIL FROM:<a@client.example>");
            assertReply(step, 503, "5.5.1");
            assertThat(step.reply()).isEqualTo(Replies.SEND_HELO_FIRST);
            assertThat(step.state().transaction()).isNull();
        }

        @Test
        void rcptBeforeEhlo() {
            assertThat(step(SessionState.INITIAL, "RCPT TO:<alice@tern.test>").replies())
                    .containsExactly(Replies.SEND_HELO_FIRST);
        }

        @Test
        void dataBeforeEhlo() {
            assertThat(step(SessionState.INITIAL, "DATA").replies()).containsExactly(Replies.SEND_HELO_FIRST);
        }

        @Test
        void nestedMail() {
            SessionState state = after("EHLO client.example", "MAIL FROM:<a@client.example>");
            Step step = step(state, "MAIL FROM:<b@client.example>");
            assertReply(step, 503, "5.5.1");
            assertThat(step.reply()).isEqualTo(Replies.NESTED_MAIL);
            assertThat(step.state().transaction().sender())
                    .isEqualTo(new ReversePath.Sender(address("a@client.example")));
        }

        @Test
        void rcptBeforeMail() {
            Step step = step(after("EHLO client.example"), "RCPT TO:<alice@tern.test>");
            assertReply(step, 503, "5.5.1");
            assertThat(step.reply()).isEqualTo(Replies.NEED_MAIL);
        }

        @Test
        void dataBeforeMail() {
            Step step = step(after("EHLO client.example"), "DATA");
            assertReply(step, 503, "5.5.1");
            assertThat(step.reply()).isEqualTo(Replies.NEED_MAIL);
        }

        @Test
        void dataWithoutAcceptedRecipients() {
            SessionState state = after("EHLO client.example", "MAIL FROM:<a@client.example>");
            Step rejected = step(state, "RCPT TO:<nobody@tern.test>");
            assertReply(rejected, 550, "5.1.1");

            Step data = step(rejected.state(), "DATA");
            assertReply(data, 554, "5.5.1");
            assertThat(data.reply()).isEqualTo(Replies.NO_VALID_RECIPIENTS);
        }
    }

    @Nested
    class MailParameters {

        private final SessionState greeted = after("EHLO client.example");

        @Test
        void sizeWithinTheLimit() {
            Step step = step(greeted, "MAIL FROM:<a@client.example> SIZE=" + MAX_SIZE);
            assertReply(step, 250, "2.1.0");
        }

        @Test
        void sizeOverTheLimit() {
            Step step = step(greeted, "MAIL FROM:<a@client.example> SIZE=" + (MAX_SIZE + 1));
            assertReply(step, 552, "5.3.4");
            assertThat(step.state().transaction()).isNull();
        }

        @Test
        void hugeSizeIsOverTheLimitNotAnOverflow() {
            assertReply(step(greeted, "MAIL FROM:<a@client.example> SIZE=999999999999999999"), 552, "5.3.4");
        }

        @ParameterizedTest
        @ValueSource(strings = {"SIZE", "SIZE=", "SIZE=abc", "SIZE=-1", "SIZE=1234567890123456789"})
        void malformedSize(String parameter) {
            Step step = step(greeted, "MAIL FROM:<a@client.example> " + parameter);
            assertReply(step, 501, "5.5.4");
            assertThat(step.state().transaction()).isNull();
        }

        @ParameterizedTest
        @ValueSource(strings = {"BODY=8BITMIME", "BODY=7BIT", "body=8bitmime", "BODY=BINARYMIME"})
        void knownBodyTypes(String parameter) {
            assertReply(step(greeted, "MAIL FROM:<a@client.example> " + parameter), 250, "2.1.0");
        }

        @ParameterizedTest
        @ValueSource(strings = {"BODY=foo", "BODY"})
        void unknownBodyType(String parameter) {
            assertReply(step(greeted, "MAIL FROM:<a@client.example> " + parameter), 501, "5.5.4");
        }

        @Test
        void unknownParameter() {
            Step step = step(greeted, "MAIL FROM:<a@client.example> FOO=bar");
            assertReply(step, 555, "5.5.4");
            assertThat(step.reply().lines()).containsExactly("Unsupported option: FOO");
            assertThat(step.state().transaction()).isNull();
        }

        @Test
        void unknownBareKeyword() {
            Step step = step(greeted, "MAIL FROM:<a@client.example> XUTF8");
            assertReply(step, 555, "5.5.4");
            assertThat(step.reply().lines()).containsExactly("Unsupported option: XUTF8");
        }

        @Test
        void firstBadParameterIsTheOneReported() {
            Step step = step(greeted, "MAIL FROM:<a@client.example> XB=1 XA=2 XC=3");
            assertThat(step.reply().lines()).containsExactly("Unsupported option: XB");
        }

        @ParameterizedTest
        @ValueSource(strings = {"SIZE=100", "BODY=8BITMIME"})
        void parametersNeedEhlo(String parameter) {
            Step step = step(after("HELO client.example"), "MAIL FROM:<a@client.example> " + parameter);
            assertReply(step, 555, "5.5.4");
            assertThat(step.state().transaction()).isNull();
        }
    }

    @Nested
    class Recipients {

        private final SessionState inTransaction = after("EHLO client.example", "MAIL FROM:<a@client.example>");

        @Test
        void rcptParametersAreRefused() {
            // NOTIFY and ORCPT are DSN's (RFC 3461), accepted since: DsnDialogueTest
            Step step = step(inTransaction, "RCPT TO:<alice@tern.test> XFROB=1");
            assertReply(step, 555, "5.5.4");
            assertThat(step.reply().lines()).containsExactly("Unsupported option: XFROB");
            assertThat(step.state().transaction().recipients()).isEmpty();
        }

        @Test
        void unknownLocalUser() {
            Step step = step(inTransaction, "RCPT TO:<nobody@tern.test>");
            assertReply(step, 550, "5.1.1");
            assertThat(step.state().transaction().recipients()).isEmpty();
        }

        @Test
        void remoteDomainWithoutRelay() {
            assertReply(step(inTransaction, "RCPT TO:<someone@elsewhere.example>"), 550, "5.7.1");
        }

        @Test
        void barePostmaster() {
            Step step = step(inTransaction, "RCPT TO:<postmaster>");
            assertReply(step, 250, "2.1.5");
            assertThat(step.state().transaction().recipients()).extracting(Recipient::route)
                    .containsExactly(new Recipient.LocalMailbox("postmaster"));
        }

        @Test
        void hundredRecipientsAreAcceptedAndTheHundredAndFirstIsDeferred() {
            SessionState state = inTransaction;
            for (int i = 1; i <= 100; i++) {
                Step step = step(state, "RCPT TO:<user" + i + "@tern.test>");
                assertReply(step, 250, "2.1.5");
                state = step.state();
            }
            Step step = step(state, "RCPT TO:<user101@tern.test>");
            assertReply(step, 452, "4.5.3");
            assertThat(step.state().transaction().recipients()).hasSize(100);
            assertThat(step(step.state(), "DATA").action()).isEqualTo(Action.RECEIVE_DATA);
        }

        @Test
        void rejectedRecipientsDoNotCountTowardsTheLimit() {
            ServerDialogue small = new ServerDialogue(new SessionSettings(HOST, MAX_SIZE, 1, 3), POLICY);
            SessionState state = small.onCommand(SessionState.INITIAL, CommandParser.parse("EHLO c")).state();
            state = small.onCommand(state, CommandParser.parse("MAIL FROM:<>")).state();
            state = small.onCommand(state, CommandParser.parse("RCPT TO:<nobody@tern.test>")).state();
            Step accepted = small.onCommand(state, CommandParser.parse("RCPT TO:<alice@tern.test>"));
            assertReply(accepted, 250, "2.1.5");
            assertReply(small.onCommand(accepted.state(), CommandParser.parse("RCPT TO:<bob@tern.test>")), 452, "4.5.3");
        }
    }

    @Nested
    class Resetting {

        @Test
        void rsetClearsTheTransaction() {
            SessionState state = after("EHLO client.example", "MAIL FROM:<a@client.example>", "RCPT TO:<alice@tern.test>");
            Step rset = step(state, "RSET");
            assertReply(rset, 250, "2.0.0");
            assertThat(rset.state().transaction()).isNull();
            assertThat(rset.state().clientName()).isEqualTo("client.example");
            assertThat(rset.state().extended()).isTrue();
            assertReply(step(rset.state(), "DATA"), 503, "5.5.1");
            assertReply(step(rset.state(), "MAIL FROM:<b@client.example>"), 250, "2.1.0");
        }

        @Test
        void rsetBeforeGreetingIsFine() {
            Step step = step(SessionState.INITIAL, "RSET");
            assertReply(step, 250, "2.0.0");
            assertThat(step.state().greeted()).isFalse();
        }

        @Test
        void ehloInTheMiddleOfATransactionClearsIt() {
            SessionState state = after("EHLO client.example", "MAIL FROM:<a@client.example>", "RCPT TO:<alice@tern.test>");
            Step ehlo = step(state, "EHLO other.example");
            assertReply(ehlo, 250, null);
            assertThat(ehlo.state().transaction()).isNull();
            assertThat(ehlo.state().clientName()).isEqualTo("other.example");
            assertReply(step(ehlo.state(), "RCPT TO:<alice@tern.test>"), 503, "5.5.1");
        }

        @Test
        void heloAfterEhloDropsTheExtendedMode() {
            SessionState state = after("EHLO client.example", "MAIL FROM:<a@client.example>");
            Step helo = step(state, "HELO client.example");
            assertThat(helo.state().transaction()).isNull();
            assertThat(helo.state().extended()).isFalse();
        }
    }

    @Nested
    class OtherCommands {

        private final SessionState greeted = after("EHLO client.example");

        @Test
        void vrfyNeitherConfirmsNorDenies() {
            Step step = step(greeted, "VRFY alice");
            assertReply(step, 252, "2.5.0");
            assertThat(step.reply()).isEqualTo(Replies.CANNOT_VRFY);
        }

        @Test
        void help() {
            Step step = step(SessionState.INITIAL, "HELP");
            assertReply(step, 214, "2.0.0");
            assertThat(step.reply().lines()).hasSize(2);
            assertThat(step.reply().lines().get(0)).contains("EHLO", "MAIL", "RCPT", "DATA", "QUIT");
        }

        @Test
        void noop() {
            Step step = step(greeted, "NOOP");
            assertReply(step, 250, "2.0.0");
            assertThat(step.state()).isEqualTo(greeted);
        }

        @Test
        void noopKeepsTheTransaction() {
            SessionState state = after("EHLO client.example", "MAIL FROM:<a@client.example>");
            assertThat(step(state, "NOOP hello").state()).isEqualTo(state);
        }

        @Test
        void quitSaysByeAndCloses() {
            Step step = step(greeted, "QUIT");
            assertThat(step.replies()).containsExactly(Replies.BYE);
            assertThat(step.reply().code()).isEqualTo(221);
            assertThat(step.reply().enhancedCode()).isEqualTo("2.0.0");
            assertThat(step.action()).isEqualTo(Action.CLOSE);
        }

        @Test
        void quitBeforeGreeting() {
            assertThat(step(SessionState.INITIAL, "QUIT").action()).isEqualTo(Action.CLOSE);
        }

        @ParameterizedTest
        @ValueSource(strings = {"GET / HTTP/1.1", "POST /login HTTP/1.1", "CONNECT mx.tern.test:25 HTTP/1.1"})
        void httpRequestIsRefusedAndClosed(String line) {
            Step step = step(SessionState.INITIAL, line);
            assertThat(step.replies()).containsExactly(Replies.HTTP_REJECTED);
            assertThat(step.reply().code()).isEqualTo(421);
            assertThat(step.reply().enhancedCode()).isEqualTo("4.7.0");
            assertThat(step.action()).isEqualTo(Action.CLOSE);
        }

        @Test
        void unknownCommand() {
            Step step = step(greeted, "FROB");
            assertReply(step, 500, "5.5.2");
            assertThat(step.reply()).isEqualTo(Replies.COMMAND_UNRECOGNIZED);
        }

        @ParameterizedTest
        @ValueSource(strings = {"EXPN staff", "TURN", "ETRN tern.test"})
        void notImplemented(String line) {
            Step step = step(greeted, line);
            assertReply(step, 502, "5.5.1");
            assertThat(step.reply()).isEqualTo(Replies.NOT_IMPLEMENTED);
        }

        @Test
        void syntaxErrorFromTheParserIsTheReply() {
            assertReply(step(greeted, "MAIL FROM:a@client.example"), 501, "5.5.4");
            assertReply(step(greeted, "MAIL FROM:<a@-bad>"), 501, "5.1.7");
            assertReply(step(greeted, "NOOP " + "x".repeat(600)), 500, "5.5.2");
        }
    }

    @Nested
    class ErrorsInARow {

        @Test
        void thirdConsecutiveErrorClosesTheSession() {
            Step first = step(SessionState.INITIAL, "FROB");
            assertReply(first, 500, "5.5.2");
            assertThat(first.state().errorsInARow()).isEqualTo(1);

            Step second = step(first.state(), "MAIL FROM:<a@client.example>");
            assertReply(second, 503, "5.5.1");
            assertThat(second.state().errorsInARow()).isEqualTo(2);

            Step third = step(second.state(), "EXPN staff");
            assertThat(third.replies()).containsExactly(Replies.NOT_IMPLEMENTED, Replies.TOO_MANY_ERRORS);
            assertThat(third.reply().code()).isEqualTo(421);
            assertThat(third.reply().enhancedCode()).isEqualTo("4.7.0");
            assertThat(third.action()).isEqualTo(Action.CLOSE);
        }

        @Test
        void successfulCommandResetsTheCount() {
            SessionState state = SessionState.INITIAL;
            state = step(state, "FROB").state();
            state = step(state, "FROB").state();
            assertThat(state.errorsInARow()).isEqualTo(2);

            Step noop = step(state, "NOOP");
            assertThat(noop.state().errorsInARow()).isZero();

            Step again = step(step(noop.state(), "FROB").state(), "FROB");
            assertReply(again, 500, "5.5.2");
            assertThat(again.state().errorsInARow()).isEqualTo(2);
        }

        @Test
        void unsupportedParameterCountsAsAnError() {
            SessionState state = after("EHLO client.example");
            state = step(state, "MAIL FROM:<a@client.example> FOO").state();
            state = step(state, "MAIL FROM:<a@client.example> BAR").state();
            Step third = step(state, "MAIL FROM:<a@client.example> BAZ");
            assertThat(third.replies()).hasSize(2);
            assertThat(third.replies().get(0).code()).isEqualTo(555);
            assertThat(third.reply()).isEqualTo(Replies.TOO_MANY_ERRORS);
            assertThat(third.action()).isEqualTo(Action.CLOSE);
        }

        @Test
        void policyRejectionsAreNotProtocolErrors() {
            SessionState state = after("EHLO client.example", "MAIL FROM:<a@client.example>");
            for (int i = 0; i < 5; i++) {
                Step step = step(state, "RCPT TO:<nobody@tern.test>");
                assertReply(step, 550, "5.1.1");
                assertThat(step.state().errorsInARow()).isZero();
                state = step.state();
            }
        }

        @Test
        void policyRejectionDoesNotCompleteARunOfErrors() {
            SessionState state = after("EHLO client.example", "MAIL FROM:<a@client.example>");
            state = step(state, "FROB").state();
            state = step(state, "FROB").state();
            Step rejected = step(state, "RCPT TO:<nobody@tern.test>");
            assertReply(rejected, 550, "5.1.1");
            assertThat(rejected.action()).isEqualTo(Action.CONTINUE);
        }

        @Test
        void oversizeMailIsNotAProtocolError() {
            SessionState state = after("EHLO client.example");
            for (int i = 0; i < 4; i++) {
                Step step = step(state, "MAIL FROM:<a@client.example> SIZE=" + (MAX_SIZE + 1));
                assertReply(step, 552, "5.3.4");
                state = step.state();
            }
        }

        @Test
        void quitAfterErrorsStillSaysBye() {
            SessionState state = step(step(SessionState.INITIAL, "FROB").state(), "FROB").state();
            Step quit = step(state, "QUIT");
            assertThat(quit.replies()).containsExactly(Replies.BYE);
            assertThat(quit.action()).isEqualTo(Action.CLOSE);
        }
    }

    @Nested
    class Authentication {

        private final SessionState encrypted = SessionState.afterTlsHandshake(new TlsSession("TLSv1.3", "TLS_AES_128_GCM_SHA256"));

        private Step authPlain() {
            Step ehlo = dialogue.onCommand(encrypted, CommandParser.parse("EHLO client.example"));
            // "\0alice\0secret"
            Step auth = step(ehlo.state(), "AUTH PLAIN AGFsaWNlAHNlY3JldA==");
            assertThat(auth.action()).isEqualTo(Action.AUTHENTICATE);
            assertThat(auth.credentials().username()).isEqualTo("alice");
            return auth;
        }

        @Test
        void aValidPasswordAuthenticates() {
            Step verdict = dialogue.authenticated(authPlain().state(), "alice", AuthOutcome.VALID);
            assertReply(verdict, 235, "2.7.0");
            assertThat(verdict.state().user()).isEqualTo("alice");
        }

        @Test
        void anInvalidPasswordGets535() {
            Step verdict = dialogue.authenticated(authPlain().state(), "alice", AuthOutcome.INVALID);
            assertReply(verdict, 535, "5.7.8");
            assertThat(verdict.state().authenticated()).isFalse();
        }

        @Test
        void hashingThatIsUnavailableGets454AndTheClientMayTryAgain() {
            Step unavailable = dialogue.authenticated(authPlain().state(), "alice", AuthOutcome.TEMPORARILY_UNAVAILABLE);
            assertThat(unavailable.replies()).containsExactly(Replies.AUTH_UNAVAILABLE);
            assertThat(unavailable.reply().render()).isEqualTo("454 4.7.0 Temporary authentication failure\r\n");
            assertThat(unavailable.state().authenticated()).isFalse();
            assertThat(unavailable.state().auth()).as("no exchange left open").isNull();
            assertThat(unavailable.state().errorsInARow()).isZero();

            Step retry = step(unavailable.state(), "AUTH PLAIN AGFsaWNlAHNlY3JldA==");
            assertThat(retry.action()).isEqualTo(Action.AUTHENTICATE);
            assertReply(dialogue.authenticated(retry.state(), "alice", AuthOutcome.VALID), 235, "2.7.0");
        }
    }

    @Nested
    class FullDisk {

        /** Storage whose free space, beyond the reserve, is {@code spare} octets (negative: below it). */
        private ServerDialogue withSpare(long spare) {
            StorageSpace space = new StorageSpace() {
                @Override
                public boolean low() {
                    return spare < 0;
                }

                @Override
                public boolean roomFor(long octets) {
                    return octets <= spare;
                }
            };
            return new ServerDialogue(new SessionSettings(HOST, MAX_SIZE, 100, 3), POLICY, space);
        }

        private Step mail(ServerDialogue dialogue, String line) {
            Step ehlo = dialogue.onCommand(SessionState.INITIAL, CommandParser.parse("EHLO client.example"));
            return dialogue.onCommand(ehlo.state(), CommandParser.parse(line));
        }

        @Test
        void lowStorageRefusesMailWith452AndOpensNoTransaction() {
            Step step = mail(withSpare(-1), "MAIL FROM:<a@client.example>");
            assertReply(step, 452, "4.3.1");
            assertThat(step.reply()).isEqualTo(Replies.INSUFFICIENT_STORAGE);
            assertThat(step.reply().render()).isEqualTo("452 4.3.1 Insufficient system storage\r\n");
            assertThat(step.state().transaction()).isNull();
            assertThat(step.state().errorsInARow()).as("not a protocol error").isZero();
        }

        @Test
        void lowStorageStillAnswersEhloAndNoop() {
            ServerDialogue full = withSpare(-1);
            Step ehlo = full.onCommand(SessionState.INITIAL, CommandParser.parse("EHLO client.example"));
            assertReply(ehlo, 250, null);
            assertReply(full.onCommand(ehlo.state(), CommandParser.parse("NOOP")), 250, "2.0.0");
        }

        @Test
        void aDeclaredSizeThatDoesNotFitNowGets452NotTheLimits552() {
            ServerDialogue tight = withSpare(1000);
            assertReply(mail(tight, "MAIL FROM:<a@client.example> SIZE=1000"), 250, "2.1.0");
            assertReply(mail(tight, "MAIL FROM:<a@client.example> SIZE=1001"), 452, "4.3.1");
            assertReply(mail(tight, "MAIL FROM:<a@client.example>"), 250, "2.1.0");
        }

        @Test
        void aSizeOverTheLimitIsStillPermanent() {
            assertReply(mail(withSpare(-1), "MAIL FROM:<a@client.example> SIZE=" + (MAX_SIZE + 1)), 552, "5.3.4");
        }

        @Test
        void plentyOfSpaceAcceptsMail() {
            assertReply(mail(withSpare(Long.MAX_VALUE), "MAIL FROM:<a@client.example> SIZE=" + MAX_SIZE), 250, "2.1.0");
        }
    }
}
