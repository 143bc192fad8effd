package dev.tern.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import dev.tern.protocol.ClientDialogue.Stage;
import dev.tern.protocol.ClientDialogue.StartTls;
import dev.tern.protocol.ClientDialogue.Step;

/** BODY= and SMTPUTF8 passed on to the next hop, or the message refused for it (5.6.7, 5.6.3), as transcripts. */
class ClientDialogueEncodingTest {

    private static final ReversePath ALICE = new ReversePath.Sender(new MailAddress("alice", "origin.test"));
    private static final ReversePath JORAN = new ReversePath.Sender(new MailAddress("jöran", "origin.test"));
    private static final MailAddress BOB = new MailAddress("bob", "dest.test");
    private static final MailAddress JOSE = new MailAddress("josé", "dest.test");
    private static final MessageEncoding EIGHT_BIT = new MessageEncoding(BodyType.EIGHT_BIT_MIME, false);
    private static final MessageEncoding UTF8 = new MessageEncoding(BodyType.EIGHT_BIT_MIME, true);
    private static final MessageEncoding BINARY = new MessageEncoding(BodyType.BINARY_MIME, false);

    /** Content that says what it holds and counts how often it was asked. */
    private static final class Scan implements NextHopEncoding.Content {
        final boolean headers;
        final boolean body;
        int asked;

        Scan(boolean headers, boolean body) {
            this.headers = headers;
            this.body = body;
        }

        @Override
        public boolean headerSectionHasEightBit() {
            asked++;
            return headers;
        }

        @Override
        public boolean hasEightBit() {
            asked++;
            return body;
        }
    }

    /** Never counted on: shared by the tests. */
    private static final Scan ASCII = new Scan(false, false);

    private static ClientDialogue opened(String... extensions) {
        ClientDialogue dialogue = new ClientDialogue("mx.dest.test", "client.test", StartTls.NEVER);
        dialogue.connected();
        dialogue.onReply(ReplyParser.parse(List.of("220 mx.dest.test")));
        List<String> ehlo = new ArrayList<>(List.of("250" + (extensions.length == 0 ? " " : "-") + "mx.dest.test"));
        for (int i = 0; i < extensions.length; i++) {
            ehlo.add("250" + (i == extensions.length - 1 ? " " : "-") + extensions[i]);
        }
        assertThat(dialogue.onReply(ReplyParser.parse(ehlo))).isEqualTo(new Step.Ready());
        return dialogue;
    }

    private static Step mailLine(String line) {
        return new Step.Write(List.of(line), Stage.MAIL);
    }

    private static void assertRefused(Step step, int code, String enhanced, MailAddress... recipients) {
        assertThat(step).isInstanceOf(Step.Report.class);
        Map<MailAddress, SmtpReply> replies = ((Step.Report) step).replies();
        assertThat(replies.keySet()).containsExactly(recipients);
        for (SmtpReply reply : replies.values()) {
            assertThat(reply.code()).isEqualTo(code);
            assertThat(reply.enhancedCode()).isEqualTo(enhanced);
            assertThat(reply.isPermanentFailure()).isTrue();
            assertThat(reply.lines().get(0)).contains("mx.dest.test");
        }
    }

    @Nested
    class Passed {

        @Test
        void bodyAndSmtpUtf8WhenOffered() {
            ClientDialogue dialogue = opened("SIZE 1000", "8BITMIME", "SMTPUTF8");
            Scan scan = new Scan(true, true);
            assertThat(dialogue.send(JORAN, List.of(JOSE), 10, UTF8, scan))
                    .isEqualTo(mailLine("MAIL FROM:<jöran@origin.test> SIZE=10 BODY=8BITMIME SMTPUTF8"));
            assertThat(dialogue.onReply(ReplyParser.parse(List.of("250 ok"))))
                    .isEqualTo(new Step.Write(List.of("RCPT TO:<josé@dest.test>"), Stage.RCPT));
            assertThat(scan.asked).as("the file is read only for a next hop that lacks an extension").isZero();
        }

        @Test
        void eightBitMimeWhenOffered() {
            assertThat(opened("8BITMIME").send(ALICE, List.of(BOB), 10, EIGHT_BIT, null))
                    .isEqualTo(mailLine("MAIL FROM:<alice@origin.test> BODY=8BITMIME"));
        }

        @Test
        void binaryMimeWhenBinaryMimeAndChunkingAreOffered() {
            assertThat(opened("BINARYMIME", "CHUNKING").send(ALICE, List.of(BOB), 10, BINARY, null))
                    .isEqualTo(mailLine("MAIL FROM:<alice@origin.test> BODY=BINARYMIME"));
        }

        @Test
        void plainMessagesCarryNoParameters() {
            assertThat(opened("8BITMIME", "SMTPUTF8").send(ALICE, List.of(BOB), 10, MessageEncoding.PLAIN, null))
                    .isEqualTo(mailLine("MAIL FROM:<alice@origin.test>"));
        }

        @Test
        void pipelinedGroupCarriesTheParameters() {
            assertThat(opened("PIPELINING", "8BITMIME", "SMTPUTF8").send(ALICE, List.of(JOSE), 10, UTF8, null))
                    .isEqualTo(new Step.Write(List.of("MAIL FROM:<alice@origin.test> BODY=8BITMIME SMTPUTF8",
                            "RCPT TO:<josé@dest.test>", "DATA"), Stage.MAIL));
        }
    }

    @Nested
    class NextHopWithoutSmtpUtf8 {

        @Test
        void utf8RecipientFailsWith567() {
            assertRefused(opened("8BITMIME").send(ALICE, List.of(BOB, JOSE), 10, UTF8, ASCII), 553, "5.6.7", BOB, JOSE);
        }

        @Test
        void utf8SenderFailsWith567() {
            assertRefused(opened("8BITMIME").send(JORAN, List.of(BOB), 10, UTF8, ASCII), 553, "5.6.7", BOB);
        }

        @Test
        void utf8HeaderFailsWith567() {
            Scan headers = new Scan(true, true);
            assertRefused(opened("8BITMIME").send(ALICE, List.of(BOB), 10, UTF8, headers), 553, "5.6.7", BOB);
            assertThat(headers.asked).isEqualTo(1);
        }

        @Test
        void allAsciiMessageFlaggedSmtpUtf8GoesAsUsual() {
            assertThat(opened("8BITMIME").send(ALICE, List.of(BOB), 10, UTF8, new Scan(false, true)))
                    .isEqualTo(mailLine("MAIL FROM:<alice@origin.test> BODY=8BITMIME"));
        }
    }

    @Nested
    class NextHopWithout8BitMime {

        @Test
        void eightBitBodyFailsWith563() {
            assertRefused(opened("SIZE 100").send(ALICE, List.of(BOB), 10, EIGHT_BIT, new Scan(false, true)),
                    554, "5.6.3", BOB);
        }

        @Test
        void declaredEightBitButSevenBitContentGoesWithoutBody() {
            assertThat(opened("SIZE 100").send(ALICE, List.of(BOB), 10, EIGHT_BIT, ASCII))
                    .isEqualTo(mailLine("MAIL FROM:<alice@origin.test> SIZE=10"));
        }

        @Test
        void binaryMimeWithoutChunkingFailsWith563() {
            assertRefused(opened("8BITMIME", "BINARYMIME").send(ALICE, List.of(BOB), 10, BINARY, ASCII),
                    554, "5.6.3", BOB);
            assertRefused(opened("8BITMIME", "CHUNKING").send(ALICE, List.of(BOB), 10, BINARY, ASCII),
                    554, "5.6.3", BOB);
        }

        @Test
        void afterARefusalTheDialogueIsReadyForTheNextMessage() {
            ClientDialogue dialogue = opened("SIZE 100");
            dialogue.send(ALICE, List.of(BOB), 10, EIGHT_BIT, new Scan(false, true));
            assertThat(dialogue.send(ALICE, List.of(BOB), 10, MessageEncoding.PLAIN, null))
                    .isEqualTo(mailLine("MAIL FROM:<alice@origin.test> SIZE=10"));
        }
    }
}
