package dev.tern.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.protocol.ServerDialogue.Action;
import dev.tern.protocol.ServerDialogue.Step;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** RFC 8689 REQUIRETLS on the server: offered and taken only inside TLS, kept on the transaction. */
class RequireTlsDialogueTest {

    private static final RecipientPolicy POLICY = new LocalRecipientPolicy(
            Set.of("tern.test"), user -> true, LocalRecipientPolicy.Relay.DENIED);
    private static final TlsSession TLS = new TlsSession("TLSv1.3", "TLS_AES_128_GCM_SHA256");
    private final ServerDialogue dialogue = new ServerDialogue(new SessionSettings("mx.tern.test", 1000, 100, 50),
            POLICY);

    private Step step(SessionState state, String line) {
        return dialogue.onCommand(state, CommandParser.parse(line));
    }

    private SessionState after(SessionState start, String... lines) {
        SessionState state = start;
        for (String line : lines) {
            Step step = step(state, line);
            assertThat(step.reply().isPositive()).as("reply to %s: %s", line, step.reply()).isTrue();
            state = step.state();
        }
        return state;
    }

    private static void assertReply(Step step, String rendered) {
        assertThat(step.reply().render()).isEqualTo(rendered);
    }

    @Nested
    class InClear {
        private final SessionState greeted = after(SessionState.INITIAL, "EHLO client.example");

        @Test
        void ehloDoesNotOfferIt() {
            assertThat(step(SessionState.INITIAL, "EHLO client.example").reply().lines())
                    .contains("DSN").doesNotContain("REQUIRETLS");
        }

        @Test
        void mailWithItIsRefusedWith530AndOpensNoTransaction() {
            Step step = step(greeted, "MAIL FROM:<a@client.example> REQUIRETLS");
            assertReply(step, "530 5.7.10 REQUIRETLS needs an encrypted session: send STARTTLS first\r\n");
            assertThat(step.state().transaction()).isNull();
            assertThat(step.action()).isEqualTo(Action.CONTINUE);
        }

        @Test
        void afterTheRefusalAPlainMailIsTaken() {
            SessionState refused = step(greeted, "MAIL FROM:<a@client.example> REQUIRETLS").state();
            Step step = step(refused, "MAIL FROM:<a@client.example>");
            assertThat(step.reply().code()).isEqualTo(250);
            assertThat(step.state().transaction().tls()).isEqualTo(TlsRequirement.DEFAULT);
        }

        @Test
        void afterHeloItIsAnUnsupportedParameter() {
            SessionState helo = after(SessionState.INITIAL, "HELO client.example");
            assertThat(step(helo, "MAIL FROM:<a@client.example> REQUIRETLS").reply().code()).isEqualTo(555);
        }
    }

    @Nested
    class InsideTls {
        private final SessionState greeted = after(SessionState.afterTlsHandshake(TLS), "EHLO client.example");

        @Test
        void ehloOffersIt() {
            assertThat(step(SessionState.afterTlsHandshake(TLS), "EHLO client.example").reply().lines())
                    .contains("REQUIRETLS").doesNotContain("STARTTLS");
        }

        @Test
        void heloOffersNothing() {
            assertThat(step(SessionState.afterTlsHandshake(TLS), "HELO client.example").reply().lines())
                    .doesNotContain("REQUIRETLS");
        }

        @ParameterizedTest
        @ValueSource(strings = {"REQUIRETLS", "requiretls", "RequireTLS"})
        void mailWithItTagsTheTransaction(String keyword) {
            Step step = step(greeted, "MAIL FROM:<a@client.example> " + keyword);
            assertReply(step, "250 2.1.0 Ok\r\n");
            assertThat(step.state().transaction().tls()).isEqualTo(TlsRequirement.REQUIRETLS);
        }

        @Test
        void itComesWithTheOtherParameters() {
            Step step = step(greeted, "MAIL FROM:<a@client.example> BODY=8BITMIME REQUIRETLS RET=HDRS SIZE=100");
            Transaction transaction = step.state().transaction();
            assertThat(transaction.tls()).isEqualTo(TlsRequirement.REQUIRETLS);
            assertThat(transaction.encoding().body()).isEqualTo(BodyType.EIGHT_BIT_MIME);
            assertThat(transaction.dsn().ret()).isEqualTo(DsnRequest.Ret.HDRS);
        }

        @Test
        void withoutItTheTransactionAsksNothing() {
            assertThat(step(greeted, "MAIL FROM:<a@client.example>").state().transaction().tls())
                    .isEqualTo(TlsRequirement.DEFAULT);
        }

        @Test
        void aNullSenderMayAskForItToo() {
            assertThat(step(greeted, "MAIL FROM:<> REQUIRETLS").state().transaction().tls())
                    .isEqualTo(TlsRequirement.REQUIRETLS);
        }

        @Test
        void givenTwiceIs501() {
            Step step = step(greeted, "MAIL FROM:<a@client.example> REQUIRETLS REQUIRETLS");
            assertThat(step.reply().code()).isEqualTo(501);
            assertThat(step.reply().enhancedCode()).isEqualTo("5.5.4");
            assertThat(step.state().transaction()).isNull();
        }

        @ParameterizedTest
        @ValueSource(strings = {"REQUIRETLS=YES", "REQUIRETLS="})
        void aValueIs501(String parameter) {
            Step step = step(greeted, "MAIL FROM:<a@client.example> " + parameter);
            assertThat(step.reply().code()).isEqualTo(501);
            assertThat(step.state().transaction()).isNull();
        }

        @Test
        void theTagSurvivesRecipientsAndIsGoneAfterRset() {
            SessionState mail = after(greeted, "MAIL FROM:<a@client.example> REQUIRETLS", "RCPT TO:<b@tern.test>");
            assertThat(mail.transaction().tls()).isEqualTo(TlsRequirement.REQUIRETLS);
            assertThat(mail.transaction().recipients()).hasSize(1);
            SessionState again = after(mail, "RSET", "MAIL FROM:<a@client.example>");
            assertThat(again.transaction().tls()).isEqualTo(TlsRequirement.DEFAULT);
        }
    }
}
