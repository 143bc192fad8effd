package dev.tern.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Set;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.tern.protocol.ServerDialogue.Action;
import dev.tern.protocol.ServerDialogue.Step;

/** SMTPUTF8 (RFC 6531) and BODY= (RFC 6152, RFC 3030) on the server side, from command octets to the transaction. */
class SmtpUtf8DialogueTest {

    /** Local domains tern.test and bücher.test (configured as its A-label); every user exists. */
    private static final RecipientPolicy POLICY = new LocalRecipientPolicy(
            Set.of("tern.test", "xn--bcher-kva.test"), user -> true, LocalRecipientPolicy.Relay.DENIED);

    private final ServerDialogue dialogue =
            new ServerDialogue(new SessionSettings("mx.tern.test", 10_000_000, 100, 3), POLICY);

    /** The line as UTF-8 octets, through the parser that sessions use. */
    private Step step(SessionState state, String line) {
        return dialogue.onCommand(state, CommandParser.parse(ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8))));
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

    private static void assertReply(Step step, int code, String enhancedCode) {
        assertThat(step.replies()).hasSize(1);
        assertThat(step.reply().code()).as("%s", step.reply()).isEqualTo(code);
        assertThat(step.reply().enhancedCode()).as("%s", step.reply()).isEqualTo(enhancedCode);
    }

    @Nested
    class SmtpUtf8Parameter {

        @Test
        void ehloAdvertisesSmtpUtf8() {
            assertThat(step(SessionState.INITIAL, "EHLO client.example").reply().lines()).contains("SMTPUTF8");
        }

        @Test
        void utf8SenderAndRecipientsWithSmtpUtf8() {
            SessionState state = after("EHLO client.example", "MAIL FROM:<jöran@bücher.example> SMTPUTF8",
                    "RCPT TO:<josé@tern.test>", "RCPT TO:<ünï@bücher.test>");
            Transaction transaction = state.transaction();
            assertThat(transaction.encoding()).isEqualTo(new MessageEncoding(BodyType.SEVEN_BIT, true));
            assertThat(transaction.sender().bracketed()).isEqualTo("<jöran@bücher.example>");
            assertThat(transaction.recipients()).extracting(Recipient::route).containsExactly(
                    new Recipient.LocalMailbox("josé"), new Recipient.LocalMailbox("ünï"));
            assertThat(transaction.recipients().get(1).address().domain()).isEqualTo("bücher.test");
        }

        @Test
        void utf8SenderWithoutSmtpUtf8Is553() {
            Step step = step(after("EHLO client.example"), "MAIL FROM:<jöran@example.org>");
            assertReply(step, 553, "5.6.7");
            assertThat(step.state().transaction()).isNull();
        }

        @Test
        void utf8SenderDomainWithoutSmtpUtf8Is553() {
            assertReply(step(after("EHLO client.example"), "MAIL FROM:<a@bücher.example> BODY=8BITMIME"), 553, "5.6.7");
        }

        @Test
        void utf8RecipientWithoutSmtpUtf8Is553() {
            SessionState state = after("EHLO client.example", "MAIL FROM:<a@example.org>");
            Step step = step(state, "RCPT TO:<josé@tern.test>");
            assertReply(step, 553, "5.6.7");
            assertThat(step.state().transaction().recipients()).isEmpty();
            assertReply(step(state, "RCPT TO:<a@bücher.test>"), 553, "5.6.7");
        }

        @Test
        void asciiTransactionsAreUnchanged() {
            SessionState state = after("EHLO client.example", "MAIL FROM:<a@example.org>", "RCPT TO:<bob@tern.test>");
            assertThat(state.transaction().encoding()).isEqualTo(MessageEncoding.PLAIN);
        }

        @Test
        void smtpUtf8TakesNoValue() {
            assertReply(step(after("EHLO client.example"), "MAIL FROM:<a@example.org> SMTPUTF8=yes"), 501, "5.5.4");
        }

        @Test
        void smtpUtf8NeedsEhlo() {
            assertReply(step(after("HELO client.example"), "MAIL FROM:<a@example.org> SMTPUTF8"), 555, "5.5.4");
        }

        @Test
        void nextTransactionForgetsSmtpUtf8() {
            SessionState state = after("EHLO client.example", "MAIL FROM:<a@example.org> SMTPUTF8", "RSET",
                    "MAIL FROM:<a@example.org>");
            assertReply(step(state, "RCPT TO:<josé@tern.test>"), 553, "5.6.7");
        }

        @Test
        void mailboxIsTheNfcFormOfTheLocalPart() {
            String decomposed = "jose\u0301"; // e + combining acute
            SessionState state = after("EHLO client.example", "MAIL FROM:<a@example.org> SMTPUTF8",
                    "RCPT TO:<" + decomposed + "@tern.test>", "RCPT TO:<JOS\u00c9@tern.test>");
            assertThat(state.transaction().recipients()).extracting(Recipient::route).containsExactly(
                    new Recipient.LocalMailbox("jos\u00e9"), new Recipient.LocalMailbox("jos\u00e9"));
            assertThat(state.transaction().recipients().get(0).address().localPart()).isEqualTo(decomposed);
        }
    }

    @Nested
    class Received {

        @ParameterizedTest
        @ValueSource(strings = {"SMTPUTF8", "BODY=8BITMIME SMTPUTF8", "smtputf8"})
        void withUtf8Smtp(String parameters) {
            SessionState state = after("EHLO client.example", "MAIL FROM:<a@example.org> " + parameters);
            assertThat(state.withProtocol()).isEqualTo("UTF8SMTP");
        }

        @Test
        void withUtf8SmtpsAndUtf8SmtpsaInTls() {
            SessionState tls = SessionState.afterTlsHandshake(new TlsSession("TLSv1.3", "TLS_AES_128_GCM_SHA256"));
            SessionState state = step(step(tls, "EHLO client.example").state(), "MAIL FROM:<a@example.org> SMTPUTF8")
                    .state();
            assertThat(state.withProtocol()).isEqualTo("UTF8SMTPS");
            assertThat(state.authenticatedAs("alice").withProtocol()).isEqualTo("UTF8SMTPSA");
        }

        @Test
        void withEsmtpWithoutSmtpUtf8() {
            assertThat(after("EHLO client.example", "MAIL FROM:<a@example.org>").withProtocol()).isEqualTo("ESMTP");
        }
    }

    @Nested
    class BodyParameter {

        @ParameterizedTest
        @ValueSource(strings = {"7BIT", "8BITMIME", "BINARYMIME", "8bitmime", "binarymime"})
        void parsedIntoTheTransaction(String value) {
            SessionState state = after("EHLO client.example", "MAIL FROM:<a@example.org> BODY=" + value);
            assertThat(state.transaction().encoding().body()).isEqualTo(BodyType.parse(value).orElseThrow());
            assertThat(state.transaction().encoding().smtpUtf8()).isFalse();
        }

        @ParameterizedTest
        @ValueSource(strings = {"BODY=8BIT", "BODY=", "BODY", "BODY=BINARY"})
        void unknownBodyIs501(String parameter) {
            Step step = step(after("EHLO client.example"), "MAIL FROM:<a@example.org> " + parameter);
            assertReply(step, 501, "5.5.4");
            assertThat(step.reply().lines().get(0)).contains("BODY=7BIT|8BITMIME|BINARYMIME");
        }

        @Test
        void dataInABinaryMimeTransactionIs503() {
            SessionState state = after("EHLO client.example", "MAIL FROM:<a@example.org> BODY=BINARYMIME",
                    "RCPT TO:<bob@tern.test>");
            Step step = step(state, "DATA");
            assertReply(step, 503, "5.5.1");
            assertThat(step.action()).isEqualTo(Action.CONTINUE);
            assertThat(step.state().transaction()).isNotNull(); // BDAT may still follow
        }

        @Test
        void dataIn8BitMimeTransactionStarts() {
            SessionState state = after("EHLO client.example", "MAIL FROM:<a@example.org> BODY=8BITMIME",
                    "RCPT TO:<bob@tern.test>");
            assertThat(step(state, "DATA").action()).isEqualTo(Action.RECEIVE_DATA);
        }
    }

    @Nested
    class CommandOctets {

        @Test
        void invalidUtf8Is500AndNoCrash() {
            byte[] latin1 = "MAIL FROM:<j\u00f6ran@example.org> SMTPUTF8".getBytes(StandardCharsets.ISO_8859_1);
            SmtpCommand command = CommandParser.parse(ByteBuffer.wrap(latin1));
            assertThat(command).isEqualTo(new SmtpCommand.Invalid(Replies.COMMAND_NOT_UTF8));
            assertThat(Replies.COMMAND_NOT_UTF8.code()).isEqualTo(500);
            Step step = dialogue.onCommand(after("EHLO client.example"), command);
            assertReply(step, 500, "5.5.2");
        }

        @ParameterizedTest
        @ValueSource(strings = {"c3", "ed a0 80", "c0 af", "f8 88 80 80 80", "80", "ff"})
        void malformedSequencesAre500(String hex) {
            byte[] prefix = "NOOP ".getBytes(StandardCharsets.US_ASCII);
            String[] parts = hex.split(" ");
            byte[] line = new byte[prefix.length + parts.length];
            System.arraycopy(prefix, 0, line, 0, prefix.length);
            for (int i = 0; i < parts.length; i++) {
                line[prefix.length + i] = (byte) Integer.parseInt(parts[i], 16);
            }
            assertThat(CommandParser.parse(ByteBuffer.wrap(line))).isEqualTo(new SmtpCommand.Invalid(Replies.COMMAND_NOT_UTF8));
        }

        @Test
        void lengthLimitCountsOctets() {
            String local = "\u00e9".repeat(300); // 600 octets, 300 chars
            String line = "RCPT TO:<" + local + "@tern.test> " + "X".repeat(400); // 1021 octets, 721 chars
            assertThat(CommandParser.parse(ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8))))
                    .isEqualTo(new SmtpCommand.Invalid(Replies.LINE_TOO_LONG));
        }

        @Test
        void asciiLinesParseAsBefore() {
            String line = "MAIL FROM:<alice@example.com> SIZE=10";
            assertThat(CommandParser.parse(ByteBuffer.wrap(line.getBytes(StandardCharsets.US_ASCII))))
                    .isEqualTo(CommandParser.parse(line));
        }
    }
}
