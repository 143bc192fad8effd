package dev.tern.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.tern.protocol.ClientDialogue.Failure;
import dev.tern.protocol.ClientDialogue.Stage;
import dev.tern.protocol.ClientDialogue.StartTls;
import dev.tern.protocol.ClientDialogue.Step;

/** The client's side of conversations as transcripts: server replies in, client steps out. */
class ClientDialogueTest {

    private static final ReversePath ALICE = new ReversePath.Sender(new MailAddress("alice", "origin.test"));
    private static final MailAddress BOB = new MailAddress("bob", "dest.test");
    private static final MailAddress CAROL = new MailAddress("carol", "dest.test");
    private static final MailAddress DAVE = new MailAddress("dave", "dest.test");
    private static final Step READY = new Step.Ready();
    private static final Step SEND_CONTENT = new Step.SendContent();

    /** A reply as the server would send it, through the client's parser. */
    private static SmtpReply reply(String... lines) {
        return ReplyParser.parse(List.of(lines));
    }

    private static Step write(Stage awaiting, String... lines) {
        return new Step.Write(List.of(lines), awaiting);
    }

    private static Step await(Stage stage) {
        return new Step.Await(stage);
    }

    private static Step rejected(Stage stage, SmtpReply reply, boolean quit) {
        return new Step.Fail(new Failure.Rejected(stage, reply), quit);
    }

    private static ClientDialogue dialogue(StartTls startTls) {
        return new ClientDialogue("mx.dest.test", "client.test", startTls);
    }

    /** Waiting for the greeting. */
    private static ClientDialogue connected(StartTls policy) {
        ClientDialogue dialogue = dialogue(policy);
        dialogue.connected();
        return dialogue;
    }

    /** Greeted with a 220: EHLO sent. */
    private static ClientDialogue greeted(StartTls policy) {
        ClientDialogue dialogue = connected(policy);
        dialogue.onReply(reply("220 mx.dest.test"));
        return dialogue;
    }

    /** Greeting and EHLO done, with these extensions advertised: ready for a transaction. */
    private static ClientDialogue opened(String... extensions) {
        ClientDialogue dialogue = greeted(StartTls.NEVER);
        List<String> ehlo = new ArrayList<>(List.of("250" + (extensions.length == 0 ? " " : "-") + "mx.dest.test"));
        for (int i = 0; i < extensions.length; i++) {
            ehlo.add("250" + (i == extensions.length - 1 ? " " : "-") + extensions[i]);
        }
        assertThat(dialogue.onReply(reply(ehlo.toArray(String[]::new)))).isEqualTo(READY);
        return dialogue;
    }

    private static Step report(Object... recipientsAndReplies) {
        Map<MailAddress, SmtpReply> replies = new LinkedHashMap<>();
        for (int i = 0; i < recipientsAndReplies.length; i += 2) {
            replies.put((MailAddress) recipientsAndReplies[i], (SmtpReply) recipientsAndReplies[i + 1]);
        }
        return new Step.Report(replies);
    }

    // ------------------------------------------------------------------ opening

    @Nested
    class Opening {

        @Test
        void greetingEhloReady() {
            ClientDialogue dialogue = dialogue(StartTls.WHEN_OFFERED);

            assertThat(dialogue.connected()).isEqualTo(await(Stage.GREETING));
            assertThat(dialogue.onReply(reply("220 mx.dest.test ESMTP Postfix")))
                    .isEqualTo(write(Stage.EHLO, "EHLO client.test"));
            assertThat(dialogue.onReply(reply("250-mx.dest.test Hello", "250-PIPELINING", "250 SIZE 1000")))
                    .isEqualTo(READY);

            assertThat(dialogue.greeting()).isEqualTo(reply("220 mx.dest.test ESMTP Postfix"));
            assertThat(dialogue.greetingName()).isEqualTo("mx.dest.test");
            assertThat(dialogue.capabilities().domain()).isEqualTo("mx.dest.test");
            assertThat(dialogue.capabilities().pipelining()).isTrue();
            assertThat(dialogue.fits(1000)).isTrue();
            assertThat(dialogue.fits(1001)).isFalse();
        }

        @Test
        void greetingOtherThan220IsARejectionAndTheClientSaysQuit() {
            ClientDialogue dialogue = connected(StartTls.WHEN_OFFERED);
            SmtpReply goAway = reply("554 5.7.1 go away");

            assertThat(dialogue.onReply(goAway)).isEqualTo(rejected(Stage.GREETING, goAway, true));
            assertThat(dialogue.quit()).isEqualTo(write(Stage.QUIT, "QUIT"));
            assertThat(dialogue.onReply(reply("221 2.0.0 bye"))).isEqualTo(new Step.Close());
        }

        @Test
        void greeting421EndsTheSessionWithoutQuit() {
            ClientDialogue dialogue = connected(StartTls.WHEN_OFFERED);
            SmtpReply busy = reply("421 4.3.2 too busy");

            assertThat(dialogue.onReply(busy)).isEqualTo(rejected(Stage.GREETING, busy, false));
        }

        @Test
        void ehloRefusedForGoodFallsBackToHelo() {
            ClientDialogue dialogue = greeted(StartTls.WHEN_OFFERED);

            assertThat(dialogue.onReply(reply("502 5.5.2 command not recognized")))
                    .isEqualTo(write(Stage.HELO, "HELO client.test"));
            assertThat(dialogue.onReply(reply("250 mx.dest.test"))).isEqualTo(READY);
            assertThat(dialogue.capabilities()).isEqualTo(EhloCapabilities.none("mx.dest.test"));
        }

        @Test
        void heloRefusedEndsTheSessionAfterQuit() {
            ClientDialogue dialogue = greeted(StartTls.WHEN_OFFERED);
            dialogue.onReply(reply("500 5.5.1 what?"));
            SmtpReply refusal = reply("550 5.7.1 not you");

            assertThat(dialogue.onReply(refusal)).isEqualTo(rejected(Stage.HELO, refusal, true));
        }

        @Test
        void ehloRefusedForNowEndsTheSessionAfterQuit() {
            ClientDialogue dialogue = greeted(StartTls.WHEN_OFFERED);
            SmtpReply later = reply("451 4.3.0 later");

            assertThat(dialogue.onReply(later)).isEqualTo(rejected(Stage.EHLO, later, true));
        }

        @Test
        void nothingMayBeSentBeforeTheDialogueIsReady() {
            ClientDialogue dialogue = dialogue(StartTls.NEVER);
            assertThatThrownBy(() -> dialogue.send(ALICE, List.of(BOB), 10)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> dialogue.onReply(reply("250 ok"))).isInstanceOf(IllegalStateException.class);
            dialogue.connected();
            assertThatThrownBy(dialogue::reset).isInstanceOf(IllegalStateException.class);
        }
    }

    // ------------------------------------------------------------------ STARTTLS

    @Nested
    class StartingTls {

        private final SmtpReply offer = reply("250-mx.dest.test", "250-STARTTLS", "250 SIZE 1000");
        private final SmtpReply noOffer = reply("250-mx.dest.test", "250 SIZE 1000");

        @ParameterizedTest
        @EnumSource(value = StartTls.class, names = {"WHEN_OFFERED", "REQUIRED"})
        void offeredAndAcceptedMeansHandshakeThenAFreshEhlo(StartTls policy) {
            ClientDialogue dialogue = greeted(policy);

            assertThat(dialogue.onReply(offer)).isEqualTo(write(Stage.STARTTLS, "STARTTLS"));
            assertThat(dialogue.onReply(reply("220 2.0.0 go ahead"))).isEqualTo(new Step.Handshake());
            // replies injected in clear behind the 220 (CVE-2011-0411), even a 421, are ignored
            assertThat(dialogue.onReply(reply("250-injected", "250 PIPELINING"))).isEqualTo(await(Stage.TLS));
            assertThat(dialogue.onReply(reply("421 4.3.2 injected"))).isEqualTo(await(Stage.TLS));
            assertThat(dialogue.onTlsStarted()).isEqualTo(write(Stage.EHLO, "EHLO client.test"));
            // inside TLS: no second STARTTLS, whatever the server says
            assertThat(dialogue.onReply(reply("250-mx.dest.test", "250-STARTTLS", "250 SIZE 2000"))).isEqualTo(READY);

            assertThat(dialogue.capabilities().sizeLimit()).hasValue(2000);
            assertThat(dialogue.capabilities().pipelining()).isFalse();
        }

        @Test
        void heloFallbackInsideTls() {
            ClientDialogue dialogue = greeted(StartTls.REQUIRED);
            dialogue.onReply(offer);
            dialogue.onReply(reply("220 go ahead"));

            assertThat(dialogue.onTlsStarted()).isEqualTo(write(Stage.EHLO, "EHLO client.test"));
            assertThat(dialogue.onReply(reply("500 no EHLO"))).isEqualTo(write(Stage.HELO, "HELO client.test"));
            assertThat(dialogue.onReply(reply("250 mx.dest.test"))).isEqualTo(READY);
            assertThat(dialogue.capabilities().keywords()).isEmpty();
        }

        @Test
        void neverIgnoresTheOffer() {
            assertThat(greeted(StartTls.NEVER).onReply(offer)).isEqualTo(READY);
        }

        @Test
        void notOfferedContinuesInClearUnlessRequired() {
            assertThat(greeted(StartTls.NEVER).onReply(noOffer)).isEqualTo(READY);
            assertThat(greeted(StartTls.WHEN_OFFERED).onReply(noOffer)).isEqualTo(READY);
            assertThat(greeted(StartTls.REQUIRED).onReply(noOffer))
                    .isEqualTo(new Step.Fail(new Failure.NoTls(null), true));
        }

        @Test
        void notOfferedAfterHeloEither() {
            ClientDialogue dialogue = greeted(StartTls.REQUIRED);
            dialogue.onReply(reply("502 5.5.2 no EHLO here"));
            assertThat(dialogue.onReply(reply("250 mx.dest.test")))
                    .isEqualTo(new Step.Fail(new Failure.NoTls(null), true));
        }

        @Test
        void refusedContinuesInClearUnlessRequired() {
            SmtpReply refusal = reply("454 4.7.0 TLS not available");

            ClientDialogue opportunistic = greeted(StartTls.WHEN_OFFERED);
            opportunistic.onReply(offer);
            assertThat(opportunistic.onReply(refusal)).isEqualTo(READY);
            assertThat(opportunistic.capabilities().startTls()).isTrue(); // the capabilities in clear

            ClientDialogue required = greeted(StartTls.REQUIRED);
            required.onReply(offer);
            assertThat(required.onReply(refusal)).isEqualTo(new Step.Fail(new Failure.NoTls(refusal), true));
        }

        @Test
        void a421ToStartTlsIsARejectionWithoutQuit() {
            ClientDialogue dialogue = greeted(StartTls.REQUIRED);
            dialogue.onReply(offer);
            SmtpReply closing = reply("421 4.3.2 closing");

            assertThat(dialogue.onReply(closing)).isEqualTo(rejected(Stage.STARTTLS, closing, false));
        }

        @Test
        void tlsStartedUnaskedIsAViolation() {
            ClientDialogue dialogue = greeted(StartTls.NEVER);

            assertThat(dialogue.onTlsStarted()).isEqualTo(
                    new Step.Fail(new Failure.Violation("TLS started unasked while waiting for EHLO"), false));
        }
    }

    // ------------------------------------------------------------------ transactions

    @Nested
    class Pipelined {

        private final ClientDialogue dialogue = opened("PIPELINING", "SIZE 10000");

        @Test
        void mailRcptsAndDataGoOutAsOneGroupThenTheMessage() {
            Step group = dialogue.send(ALICE, List.of(BOB, CAROL), 1234);

            assertThat(group).isEqualTo(write(Stage.MAIL, "MAIL FROM:<alice@origin.test> SIZE=1234",
                    "RCPT TO:<bob@dest.test>", "RCPT TO:<carol@dest.test>", "DATA"));
            assertThat(((Step.Write) group).text()).isEqualTo("MAIL FROM:<alice@origin.test> SIZE=1234\r\n"
                    + "RCPT TO:<bob@dest.test>\r\nRCPT TO:<carol@dest.test>\r\nDATA\r\n");
            assertThat(dialogue.onReply(reply("250 2.1.0 Ok"))).isEqualTo(await(Stage.RCPT));
            assertThat(dialogue.onReply(reply("250 2.1.5 Ok"))).isEqualTo(await(Stage.RCPT));
            assertThat(dialogue.onReply(reply("550 5.1.1 no such user"))).isEqualTo(await(Stage.DATA));
            assertThat(dialogue.onReply(reply("354 End data with <CR><LF>.<CR><LF>"))).isEqualTo(SEND_CONTENT);
            Step report = dialogue.onReply(reply("250 2.0.0 Ok: queued as 12345"));

            assertThat(report).isEqualTo(report(BOB, reply("250 2.0.0 Ok: queued as 12345"),
                    CAROL, reply("550 5.1.1 no such user")));
            assertThat(((Step.Report) report).replies()).containsOnlyKeys(BOB, CAROL);
            assertThat(((Step.Report) report).replies().keySet()).containsExactly(BOB, CAROL);
            assertThat(dialogue.reset()).isEqualTo(write(Stage.RSET, "RSET"));
        }

        @Test
        void rejectedMailDecidesEveryRecipientOnceAllRepliesAreIn() {
            SmtpReply rejected = reply("550 5.7.1 sender rejected");
            dialogue.send(ALICE, List.of(BOB, CAROL), 10);

            assertThat(dialogue.onReply(rejected)).isEqualTo(await(Stage.RCPT));
            assertThat(dialogue.onReply(reply("503 5.5.1 need MAIL"))).isEqualTo(await(Stage.RCPT));
            assertThat(dialogue.onReply(reply("503 5.5.1 need MAIL"))).isEqualTo(await(Stage.DATA));
            assertThat(dialogue.onReply(reply("503 5.5.1 need MAIL"))).isEqualTo(report(BOB, rejected, CAROL, rejected));
        }

        @Test
        void noRecipientAcceptedTakesTheRcptRepliesAndSendsNoContent() {
            dialogue.send(ALICE, List.of(BOB, CAROL), 10);
            dialogue.onReply(reply("250 ok"));
            dialogue.onReply(reply("550 5.1.1 unknown"));
            dialogue.onReply(reply("450 4.2.0 later"));

            assertThat(dialogue.onReply(reply("554 5.5.1 no valid recipients")))
                    .isEqualTo(report(BOB, reply("550 5.1.1 unknown"), CAROL, reply("450 4.2.0 later")));
        }

        @Test
        void a354WithoutAcceptedRecipientsGetsAnEmptyDataPhase() {
            SmtpReply later = reply("451 4.3.0 try later");
            dialogue.send(ALICE, List.of(BOB), 10);
            dialogue.onReply(later);
            dialogue.onReply(reply("503 need MAIL"));

            assertThat(dialogue.onReply(reply("354 go ahead"))).isEqualTo(write(Stage.END_OF_DATA, "."));
            assertThat(dialogue.onReply(reply("554 5.5.1 no valid recipients"))).isEqualTo(report(BOB, later));
            assertThat(dialogue.reset()).isEqualTo(write(Stage.RSET, "RSET")); // still in step
        }

        @Test
        void a421InTheGroupEndsTheSessionAtOnce() {
            SmtpReply closing = reply("421 4.3.2 shutting down");
            dialogue.send(ALICE, List.of(BOB, CAROL), 10);
            dialogue.onReply(reply("250 ok"));
            dialogue.onReply(reply("250 ok"));

            assertThat(dialogue.onReply(closing)).isEqualTo(rejected(Stage.RCPT, closing, false));
            assertThatThrownBy(dialogue::reset).isInstanceOf(IllegalStateException.class);
        }
    }

    @Nested
    class LockStep {

        private final ClientDialogue dialogue = opened("8BITMIME");

        @Test
        void oneCommandAtATimeWithoutSize() {
            assertThat(dialogue.send(ALICE, List.of(BOB, CAROL), 1234))
                    .isEqualTo(write(Stage.MAIL, "MAIL FROM:<alice@origin.test>"));
            assertThat(dialogue.onReply(reply("250 ok"))).isEqualTo(write(Stage.RCPT, "RCPT TO:<bob@dest.test>"));
            assertThat(dialogue.onReply(reply("250 ok"))).isEqualTo(write(Stage.RCPT, "RCPT TO:<carol@dest.test>"));
            assertThat(dialogue.onReply(reply("250 ok"))).isEqualTo(write(Stage.DATA, "DATA"));
            assertThat(dialogue.onReply(reply("354 go ahead"))).isEqualTo(SEND_CONTENT);
            assertThat(dialogue.onReply(reply("250 2.0.0 queued")))
                    .isEqualTo(report(BOB, reply("250 2.0.0 queued"), CAROL, reply("250 2.0.0 queued")));
        }

        @Test
        void nullSenderAndDuplicateRecipientsOnce() {
            assertThat(dialogue.send(ReversePath.NULL, List.of(BOB, BOB), 10))
                    .isEqualTo(write(Stage.MAIL, "MAIL FROM:<>"));
            assertThat(dialogue.onReply(reply("250 ok"))).isEqualTo(write(Stage.RCPT, "RCPT TO:<bob@dest.test>"));
            assertThat(dialogue.onReply(reply("250 ok"))).isEqualTo(write(Stage.DATA, "DATA"));
        }

        @Test
        void mixedRecipientOutcomes() {
            dialogue.send(ALICE, List.of(BOB, CAROL, DAVE), 10);
            dialogue.onReply(reply("250 ok"));
            dialogue.onReply(reply("550 5.1.1 no such user"));
            dialogue.onReply(reply("451 4.2.0 later"));
            assertThat(dialogue.onReply(reply("250 ok"))).isEqualTo(write(Stage.DATA, "DATA"));
            dialogue.onReply(reply("354 go ahead"));

            assertThat(dialogue.onReply(reply("250 2.0.0 queued"))).isEqualTo(report(
                    BOB, reply("550 5.1.1 no such user"), CAROL, reply("451 4.2.0 later"), DAVE, reply("250 2.0.0 queued")));
        }

        @Test
        void everyRecipientRefusedMeansNoData() {
            dialogue.send(ALICE, List.of(BOB, CAROL), 10);
            dialogue.onReply(reply("250 ok"));
            dialogue.onReply(reply("550 5.1.1 unknown"));

            assertThat(dialogue.onReply(reply("550 5.1.1 unknown")))
                    .isEqualTo(report(BOB, reply("550 5.1.1 unknown"), CAROL, reply("550 5.1.1 unknown")));
        }

        @ParameterizedTest
        @ValueSource(strings = {"451 4.3.0 later", "550 5.7.1 sender rejected"})
        void rejectedMailDecidesEveryRecipientWithoutRcpt(String line) {
            dialogue.send(ALICE, List.of(BOB, CAROL), 10);

            assertThat(dialogue.onReply(reply(line))).isEqualTo(report(BOB, reply(line), CAROL, reply(line)));
            assertThat(dialogue.reset()).isEqualTo(write(Stage.RSET, "RSET"));
        }

        @ParameterizedTest
        @ValueSource(strings = {"452 4.3.1 insufficient storage", "554 5.5.0 no"})
        void rejectedDataDecidesTheAcceptedRecipients(String line) {
            dialogue.send(ALICE, List.of(BOB, CAROL), 10);
            dialogue.onReply(reply("250 ok"));
            dialogue.onReply(reply("250 ok"));
            dialogue.onReply(reply("550 5.1.1 unknown"));

            assertThat(dialogue.onReply(reply(line))).isEqualTo(report(BOB, reply(line), CAROL, reply("550 5.1.1 unknown")));
        }

        @ParameterizedTest
        @ValueSource(strings = {"451 4.3.0 queue full", "554 5.6.0 content rejected"})
        void finalReplyDecidesTheAcceptedRecipients(String line) {
            dialogue.send(ALICE, List.of(BOB, CAROL), 10);
            dialogue.onReply(reply("250 ok"));
            dialogue.onReply(reply("250 ok"));
            dialogue.onReply(reply("550 5.1.1 unknown"));
            dialogue.onReply(reply("354 go ahead"));

            assertThat(dialogue.onReply(reply(line))).isEqualTo(report(BOB, reply(line), CAROL, reply("550 5.1.1 unknown")));
        }

        @Test
        void a421AtTheEndOfDataEndsTheSession() {
            SmtpReply closing = reply("421 4.4.2 timeout");
            dialogue.send(ALICE, List.of(BOB), 10);
            dialogue.onReply(reply("250 ok"));
            dialogue.onReply(reply("250 ok"));
            dialogue.onReply(reply("354 go ahead"));

            assertThat(dialogue.onReply(closing)).isEqualTo(rejected(Stage.END_OF_DATA, closing, false));
        }

        @Test
        void dataAnsweredPositivelyWithout354IsAViolation() {
            dialogue.send(ALICE, List.of(BOB), 10);
            dialogue.onReply(reply("250 ok"));
            dialogue.onReply(reply("250 ok"));

            assertThat(dialogue.onReply(reply("250 2.0.0 sure"))).isEqualTo(new Step.Fail(
                    new Failure.Violation("DATA answered 250 2.0.0 sure instead of 354"), false));
        }

        @Test
        void tlsStartingInTheMiddleOfATransactionIsAViolation() {
            dialogue.send(ALICE, List.of(BOB), 10);

            assertThat(dialogue.onTlsStarted()).isEqualTo(
                    new Step.Fail(new Failure.Violation("TLS started unasked while waiting for MAIL"), false));
        }
    }

    @Nested
    class Size {

        @Test
        void aMessageOverTheLimitIsNotOffered() {
            ClientDialogue dialogue = opened("PIPELINING", "SIZE 1000");
            SmtpReply tooBig = SmtpReply.of(552, "5.3.4",
                    "Message size 1001 exceeds the fixed maximum message size 1000 of mx.dest.test");

            assertThat(dialogue.fits(1001)).isFalse();
            assertThat(dialogue.send(ALICE, List.of(BOB, CAROL, BOB), 1001)).isEqualTo(report(BOB, tooBig, CAROL, tooBig));
            // nothing was said: the next message goes ahead
            assertThat(dialogue.send(ALICE, List.of(BOB), 1000)).isEqualTo(write(Stage.MAIL,
                    "MAIL FROM:<alice@origin.test> SIZE=1000", "RCPT TO:<bob@dest.test>", "DATA"));
        }

        @Test
        void sizeWithoutAFixedMaximumTakesAnything() {
            ClientDialogue dialogue = opened("SIZE");
            assertThat(dialogue.fits(Long.MAX_VALUE)).isTrue();
            assertThat(dialogue.send(ALICE, List.of(BOB), 99)).isEqualTo(write(Stage.MAIL,
                    "MAIL FROM:<alice@origin.test> SIZE=99"));
        }
    }

    // ------------------------------------------------------------------ RSET and QUIT

    @Nested
    class ResetAndQuit {

        private final ClientDialogue dialogue = opened("PIPELINING");

        @Test
        void resetAcceptedLeavesTheDialogueReady() {
            assertThat(dialogue.reset()).isEqualTo(write(Stage.RSET, "RSET"));
            assertThat(dialogue.onReply(reply("250 2.0.0 Ok"))).isEqualTo(READY);
            assertThat(dialogue.send(ALICE, List.of(BOB), 1)).isInstanceOf(Step.Write.class);
        }

        @Test
        void resetRefusedEndsTheSessionWithoutQuit() {
            SmtpReply refusal = reply("500 5.5.1 what?");
            dialogue.reset();

            assertThat(dialogue.onReply(refusal)).isEqualTo(rejected(Stage.RSET, refusal, false));
            assertThatThrownBy(() -> dialogue.send(ALICE, List.of(BOB), 1)).isInstanceOf(IllegalStateException.class);
        }

        @Test
        void whateverAnswersQuitTheNextStepIsToClose() {
            for (String answer : List.of("221 2.0.0 Bye", "421 4.3.2 going anyway", "500 5.5.1 what?")) {
                ClientDialogue dialogue = opened();
                assertThat(dialogue.quit()).isEqualTo(write(Stage.QUIT, "QUIT"));
                assertThat(dialogue.onReply(reply(answer))).as(answer).isEqualTo(new Step.Close());
            }
        }

        @Test
        void stagesReadAsTheyAppearInMessages() {
            assertThat(Stage.GREETING).hasToString("greeting");
            assertThat(Stage.END_OF_DATA).hasToString("end of data");
            assertThat(Stage.TLS).hasToString("TLS handshake");
            assertThat(Stage.RCPT).hasToString("RCPT");
        }
    }

    // ------------------------------------------------------------------ RFC 3030 CHUNKING

    @Nested
    class Chunking {

        private ClientDialogue opened(long chunkSize, String... extensions) {
            ClientDialogue dialogue = new ClientDialogue("mx.dest.test", "client.test", StartTls.NEVER, chunkSize);
            dialogue.connected();
            dialogue.onReply(reply("220 mx.dest.test"));
            List<String> ehlo = new ArrayList<>(List.of("250-mx.dest.test"));
            for (int i = 0; i < extensions.length; i++) {
                ehlo.add("250" + (i == extensions.length - 1 ? " " : "-") + extensions[i]);
            }
            assertThat(dialogue.onReply(reply(ehlo.toArray(String[]::new)))).isEqualTo(READY);
            return dialogue;
        }

        @Test
        void pipelinedMailAndRcptsThenTheContentInChunksOfTheChunkSize() {
            ClientDialogue dialogue = opened(100, "PIPELINING", "CHUNKING", "SIZE 10000");

            assertThat(dialogue.send(ALICE, List.of(BOB, CAROL), 250)).as("no DATA in the group").isEqualTo(write(
                    Stage.MAIL, "MAIL FROM:<alice@origin.test> SIZE=250", "RCPT TO:<bob@dest.test>",
                    "RCPT TO:<carol@dest.test>"));
            assertThat(dialogue.onReply(reply("250 2.1.0 Ok"))).isEqualTo(await(Stage.RCPT));
            assertThat(dialogue.onReply(reply("250 2.1.5 Ok"))).isEqualTo(await(Stage.RCPT));
            Step first = dialogue.onReply(reply("550 5.1.1 no such user"));
            assertThat(first).isEqualTo(new Step.SendChunk(0, 100, false));
            assertThat(((Step.SendChunk) first).command()).isEqualTo("BDAT 100\r\n");
            assertThat(dialogue.onReply(reply("250 2.0.0 100 octets received"))).isEqualTo(new Step.SendChunk(100, 100, false));
            Step last = dialogue.onReply(reply("250 2.0.0 100 octets received"));
            assertThat(last).isEqualTo(new Step.SendChunk(200, 50, true));
            assertThat(((Step.SendChunk) last).command()).isEqualTo("BDAT 50 LAST\r\n");

            assertThat(dialogue.onReply(reply("250 2.0.0 Ok: queued as 1"))).isEqualTo(report(
                    BOB, reply("250 2.0.0 Ok: queued as 1"), CAROL, reply("550 5.1.1 no such user")));
            assertThat(dialogue.reset()).isEqualTo(write(Stage.RSET, "RSET"));
        }

        @Test
        void lockStepWithoutPipelining() {
            ClientDialogue dialogue = opened(1000, "CHUNKING");

            assertThat(dialogue.send(ALICE, List.of(BOB), 10)).isEqualTo(write(Stage.MAIL, "MAIL FROM:<alice@origin.test>"));
            assertThat(dialogue.onReply(reply("250 ok"))).isEqualTo(write(Stage.RCPT, "RCPT TO:<bob@dest.test>"));
            assertThat(dialogue.onReply(reply("250 ok"))).isEqualTo(new Step.SendChunk(0, 10, true));
            assertThat(dialogue.onReply(reply("250 2.0.0 queued"))).isEqualTo(report(BOB, reply("250 2.0.0 queued")));
        }

        @Test
        void anEmptyMessageIsOneBdatZeroLast() {
            ClientDialogue dialogue = opened(1000, "CHUNKING");
            dialogue.send(ALICE, List.of(BOB), 0);
            dialogue.onReply(reply("250 ok"));
            Step chunk = dialogue.onReply(reply("250 ok"));
            assertThat(chunk).isEqualTo(new Step.SendChunk(0, 0, true));
            assertThat(((Step.SendChunk) chunk).command()).isEqualTo("BDAT 0 LAST\r\n");
        }

        @Test
        void anExactMultipleOfTheChunkSizeEndsWithAFullLastChunk() {
            ClientDialogue dialogue = opened(100, "CHUNKING");
            dialogue.send(ALICE, List.of(BOB), 200);
            dialogue.onReply(reply("250 ok"));
            assertThat(dialogue.onReply(reply("250 ok"))).isEqualTo(new Step.SendChunk(0, 100, false));
            assertThat(dialogue.onReply(reply("250 ok"))).isEqualTo(new Step.SendChunk(100, 100, true));
        }

        @Test
        void aRefusedChunkDecidesTheAcceptedRecipientsAndNoMoreChunksGo() {
            ClientDialogue dialogue = opened(100, "CHUNKING");
            dialogue.send(ALICE, List.of(BOB), 300);
            dialogue.onReply(reply("250 ok"));
            dialogue.onReply(reply("250 ok"));
            SmtpReply tooBig = reply("552 5.3.4 Error: message file too big");

            assertThat(dialogue.onReply(tooBig)).isEqualTo(report(BOB, tooBig));
            assertThat(dialogue.reset()).as("ready again: RSET before the next").isEqualTo(write(Stage.RSET, "RSET"));
        }

        @Test
        void aTransientRefusalOfTheLastChunkIsTheMessagesReply() {
            ClientDialogue dialogue = opened(100, "CHUNKING");
            dialogue.send(ALICE, List.of(BOB, CAROL), 50);
            dialogue.onReply(reply("250 ok"));
            dialogue.onReply(reply("250 ok"));
            dialogue.onReply(reply("250 ok"));
            SmtpReply later = reply("451 4.3.0 try again later");
            assertThat(dialogue.onReply(later)).isEqualTo(report(BOB, later, CAROL, later));
        }

        @Test
        void noRecipientAcceptedSendsNoChunk() {
            ClientDialogue dialogue = opened(100, "PIPELINING", "CHUNKING");
            dialogue.send(ALICE, List.of(BOB), 50);
            dialogue.onReply(reply("250 ok"));
            SmtpReply unknown = reply("550 5.1.1 unknown");
            assertThat(dialogue.onReply(unknown)).isEqualTo(report(BOB, unknown));
        }

        @Test
        void aServerWithoutChunkingGetsData() {
            ClientDialogue dialogue = opened(100, "PIPELINING");
            assertThat(dialogue.send(ALICE, List.of(BOB), 50)).isEqualTo(write(Stage.MAIL,
                    "MAIL FROM:<alice@origin.test>", "RCPT TO:<bob@dest.test>", "DATA"));
        }

        @Test
        void a354ToBdatIsAViolation() {
            ClientDialogue dialogue = opened(100, "CHUNKING");
            dialogue.send(ALICE, List.of(BOB), 50);
            dialogue.onReply(reply("250 ok"));
            dialogue.onReply(reply("250 ok"));
            assertThat(dialogue.onReply(reply("354 go ahead"))).isInstanceOf(Step.Fail.class);
        }
    }
}
