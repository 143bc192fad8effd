package dev.tern.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.tern.protocol.ServerDialogue.Action;
import dev.tern.protocol.ServerDialogue.Step;

/** RFC 3030 CHUNKING on the server: BDAT parsed, and the dialogue's rules for it. */
class ChunkingTest {

    private static final RecipientPolicy POLICY = new LocalRecipientPolicy(
            Set.of("tern.test"), user -> !user.equals("nobody"), LocalRecipientPolicy.Relay.DENIED);
    private static final long MAX_SIZE = 1000;

    private final ServerDialogue dialogue = new ServerDialogue(new SessionSettings("mx.tern.test", MAX_SIZE, 100, 5),
            POLICY);

    private Step step(SessionState state, String line) {
        return dialogue.onCommand(state, CommandParser.parse(line));
    }

    private SessionState after(String... lines) {
        SessionState state = SessionState.INITIAL;
        for (String line : lines) {
            Step step = step(state, line);
            assertThat(step.reply().isPositive()).as("reply to %s: %s", line, step.reply()).isTrue();
            state = step.state();
        }
        return state;
    }

    private SessionState withRecipient() {
        return after("EHLO client.test", "MAIL FROM:<a@client.test>", "RCPT TO:<alice@tern.test>");
    }

    @Nested
    class Parsing {

        @Test
        void sizeAlone() {
            assertThat(CommandParser.parse("BDAT 1000")).isEqualTo(new SmtpCommand.Bdat(1000, false));
        }

        @Test
        void lastInAnyCase() {
            assertThat(CommandParser.parse("bdat 42 last")).isEqualTo(new SmtpCommand.Bdat(42, true));
            assertThat(CommandParser.parse("BDAT 42 LAST")).isEqualTo(new SmtpCommand.Bdat(42, true));
        }

        @Test
        void zeroLastIsAnEmptyFinalChunk() {
            assertThat(CommandParser.parse("BDAT 0 LAST")).isEqualTo(new SmtpCommand.Bdat(0, true));
        }

        @Test
        void extraBlanksAreTolerated() {
            assertThat(CommandParser.parse("BDAT  7   LAST ")).isEqualTo(new SmtpCommand.Bdat(7, true));
        }

        @Test
        void eighteenDigitsStillParse() {
            assertThat(CommandParser.parse("BDAT 999999999999999999"))
                    .isEqualTo(new SmtpCommand.Bdat(999_999_999_999_999_999L, false));
        }

        @ParameterizedTest
        @ValueSource(strings = {"BDAT", "BDAT LAST", "BDAT -1", "BDAT 1e3", "BDAT 12 FIRST", "BDAT 12 LAST more",
                "BDAT 0x10", "BDAT 1000000000000000000", "BDAT +5"})
        void malformedSizeIsUnrecoverable(String line) {
            assertThat(CommandParser.parse(line)).isEqualTo(new SmtpCommand.MalformedBdat(Replies.BDAT_SYNTAX));
        }
    }

    @Nested
    class Rules {

        @Test
        void ehloAdvertisesChunkingAndBinaryMime() {
            Step ehlo = step(SessionState.INITIAL, "EHLO client.test");
            assertThat(ehlo.reply().lines()).contains("CHUNKING", "BINARYMIME");
        }

        @Test
        void aChunkIsReceivedAndAnsweredWithItsOctets() {
            Step chunk = step(withRecipient(), "BDAT 100");

            assertThat(chunk.action()).isEqualTo(Action.RECEIVE_CHUNK);
            assertThat(chunk.replies()).extracting(SmtpReply::render).containsExactly("250 2.0.0 100 octets received\r\n");
            assertThat(chunk.state().transaction().chunks()).isEqualTo(new Chunks(100, null));
        }

        @Test
        void theLastChunkIsAnsweredOnlyOnceStored() {
            Step first = step(withRecipient(), "BDAT 100");
            Step last = step(first.state(), "BDAT 50 LAST");

            assertThat(last.action()).isEqualTo(Action.RECEIVE_CHUNK);
            assertThat(last.replies()).isEmpty();
            assertThat(last.state().transaction().chunks().octets()).isEqualTo(150);
        }

        @Test
        void bdatZeroLastIsValid() {
            Step last = step(withRecipient(), "BDAT 0 LAST");
            assertThat(last.action()).isEqualTo(Action.RECEIVE_CHUNK);
            assertThat(last.replies()).isEmpty();
        }

        @Test
        void withoutMailTheOctetsAreDiscardedWith503() {
            Step chunk = step(after("EHLO client.test"), "BDAT 10 LAST");
            assertThat(chunk.action()).isEqualTo(Action.DISCARD_CHUNK);
            assertThat(chunk.reply()).isEqualTo(Replies.NEED_MAIL);
            assertThat(chunk.reply().code()).isEqualTo(503);
        }

        @Test
        void beforeEhloTheOctetsAreDiscardedWith503() {
            Step chunk = step(SessionState.INITIAL, "BDAT 10");
            assertThat(chunk.action()).isEqualTo(Action.DISCARD_CHUNK);
            assertThat(chunk.reply()).isEqualTo(Replies.SEND_HELO_FIRST);
        }

        @Test
        void withoutAcceptedRecipientsTheOctetsAreDiscardedWith554() {
            Step chunk = step(after("EHLO client.test", "MAIL FROM:<a@client.test>"), "BDAT 10 LAST");
            assertThat(chunk.action()).isEqualTo(Action.DISCARD_CHUNK);
            assertThat(chunk.reply()).isEqualTo(Replies.NO_VALID_RECIPIENTS);
        }

        @Test
        void dataAfterBdatIs503AndKeepsTheTransactionForRset() {
            Step chunk = step(withRecipient(), "BDAT 10");
            Step data = step(chunk.state(), "DATA");

            assertThat(data.action()).isEqualTo(Action.CONTINUE);
            assertThat(data.reply()).isEqualTo(Replies.DATA_AFTER_BDAT);
            assertThat(data.reply().render()).isEqualTo("503 5.5.1 Error: DATA after BDAT\r\n");
            assertThat(step(data.state(), "RSET").state().transaction()).isNull();
        }

        @Test
        void rcptAfterBdatIs503() {
            Step chunk = step(withRecipient(), "BDAT 10");
            Step rcpt = step(chunk.state(), "RCPT TO:<bob@tern.test>");
            assertThat(rcpt.reply()).isEqualTo(Replies.RCPT_AFTER_BDAT);
            assertThat(rcpt.state().transaction().recipients()).hasSize(1);
        }

        @Test
        void aChunkOverTheSizeLimitIsDiscardedWith552() {
            Step chunk = step(withRecipient(), "BDAT 1001");
            assertThat(chunk.action()).isEqualTo(Action.DISCARD_CHUNK);
            assertThat(chunk.reply()).isEqualTo(Replies.MESSAGE_TOO_BIG);
            assertThat(chunk.reply().render()).startsWith("552 5.3.4 ");
        }

        @Test
        void theLimitAppliesAcrossChunksAndEveryLaterChunkIsRefusedUntilLast() {
            Step first = step(withRecipient(), "BDAT 600");
            assertThat(first.action()).isEqualTo(Action.RECEIVE_CHUNK);
            Step second = step(first.state(), "BDAT 400");
            assertThat(second.action()).as("exactly at the limit").isEqualTo(Action.RECEIVE_CHUNK);
            Step third = step(second.state(), "BDAT 1");
            assertThat(third.action()).isEqualTo(Action.DISCARD_CHUNK);
            assertThat(third.reply()).isEqualTo(Replies.MESSAGE_TOO_BIG);

            Step fourth = step(third.state(), "BDAT 0");
            assertThat(fourth.action()).as("refused once, refused for the rest").isEqualTo(Action.DISCARD_CHUNK);
            assertThat(fourth.reply()).isEqualTo(Replies.MESSAGE_TOO_BIG);
            Step last = step(fourth.state(), "BDAT 1 LAST");
            assertThat(last.action()).isEqualTo(Action.DISCARD_CHUNK);
            assertThat(last.reply()).isEqualTo(Replies.MESSAGE_TOO_BIG);
            assertThat(last.state().transaction()).as("LAST ends the transaction").isNull();
            assertThat(step(last.state(), "MAIL FROM:<b@client.test>").reply()).isEqualTo(Replies.SENDER_OK);
        }

        @Test
        void aHugeDeclaredSizeIsOverTheLimitNotAnOverflow() {
            Step first = step(withRecipient(), "BDAT 1000");
            Step huge = step(first.state(), "BDAT 999999999999999999 LAST");
            assertThat(huge.reply()).isEqualTo(Replies.MESSAGE_TOO_BIG);
        }

        @Test
        void aMalformedBdatGets501AndClosesTheConnection() {
            Step step = step(withRecipient(), "BDAT many");
            assertThat(step.action()).isEqualTo(Action.CLOSE);
            assertThat(step.replies()).extracting(SmtpReply::render)
                    .containsExactly("501 5.5.4 Syntax: BDAT count [LAST]\r\n");
        }

        @Test
        void refusedChunksCountAsProtocolErrors() {
            SessionState state = after("EHLO client.test");
            for (int i = 0; i < 4; i++) {
                state = step(state, "BDAT 1").state();
            }
            Step fifth = step(state, "BDAT 1");
            assertThat(fifth.action()).as("too many errors closes: no octets to resynchronise on")
                    .isEqualTo(Action.CLOSE);
        }
    }
}
