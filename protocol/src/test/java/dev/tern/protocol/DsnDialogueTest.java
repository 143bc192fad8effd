package dev.tern.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.protocol.RecipientDsn.Notify;
import dev.tern.protocol.ServerDialogue.Step;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** RFC 3461 DSN parameters on MAIL and RCPT, through the server dialogue. */
class DsnDialogueTest {

    private static final RecipientPolicy POLICY = new LocalRecipientPolicy(
            Set.of("tern.test"), user -> true, LocalRecipientPolicy.Relay.DENIED);
    private final ServerDialogue dialogue = new ServerDialogue(new SessionSettings("mx.tern.test", 1000, 100, 50),
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

    private static void assertReply(Step step, int code, String enhanced) {
        assertThat(step.reply().code()).as("%s", step.reply()).isEqualTo(code);
        assertThat(step.reply().enhancedCode()).as("%s", step.reply()).isEqualTo(enhanced);
    }

    @Test
    void ehloAdvertisesDsn() {
        assertThat(step(SessionState.INITIAL, "EHLO client.example").reply().lines()).contains("DSN");
    }

    @Test
    void heloOffersNoDsn() {
        assertThat(step(SessionState.INITIAL, "HELO client.example").reply().lines()).doesNotContain("DSN");
    }

    @Nested
    class Mail {
        private final SessionState greeted = after("EHLO client.example");

        @Test
        void retAndEnvidAreKeptOnTheTransaction() {
            Step step = step(greeted, "MAIL FROM:<a@client.example> RET=FULL ENVID=QQ314159+2Bx");
            assertReply(step, 250, "2.1.0");
            assertThat(step.state().transaction().dsn()).isEqualTo(new DsnRequest(DsnRequest.Ret.FULL, "QQ314159+x"));
        }

        @Test
        void retIsCaseInsensitive() {
            Step step = step(greeted, "MAIL FROM:<a@client.example> ret=hdrs");
            assertThat(step.state().transaction().dsn()).isEqualTo(new DsnRequest(DsnRequest.Ret.HDRS, null));
        }

        @Test
        void withoutParametersNothingIsAsked() {
            Step step = step(greeted, "MAIL FROM:<a@client.example>");
            assertThat(step.state().transaction().dsn()).isEqualTo(DsnRequest.NONE);
            assertThat(step.state().transaction().dsn().returnsFullMessage()).isFalse();
        }

        @ParameterizedTest
        @ValueSource(strings = {"RET=ALL", "RET", "RET=", "ENVID", "ENVID=a+2", "ENVID=a+ZZ", "ENVID=+00"})
        void badValuesAre501(String parameter) {
            Step step = step(greeted, "MAIL FROM:<a@client.example> " + parameter);
            assertReply(step, 501, "5.5.4");
            assertThat(step.state().transaction()).isNull();
        }

        @Test
        void envidOfHundredCharactersIsTheLimit() {
            assertReply(step(greeted, "MAIL FROM:<a@client.example> ENVID=" + "x".repeat(100)), 250, "2.1.0");
            assertReply(step(greeted, "MAIL FROM:<a@client.example> ENVID=" + "x".repeat(101)), 501, "5.5.4");
        }

        @Test
        void duplicateParameterIs501() {
            assertReply(step(greeted, "MAIL FROM:<a@client.example> RET=FULL RET=HDRS"), 501, "5.5.4");
            assertReply(step(greeted, "MAIL FROM:<a@client.example> ENVID=a ENVID=b"), 501, "5.5.4");
        }

        @Test
        void afterHeloParametersAreRefused() {
            assertReply(step(after("HELO client.example"), "MAIL FROM:<a@client.example> RET=FULL"), 555, "5.5.4");
        }
    }

    @Nested
    class Rcpt {
        private final SessionState inTransaction = after("EHLO client.example", "MAIL FROM:<a@client.example>");

        private Recipient accepted(String line) {
            Step step = step(inTransaction, line);
            assertReply(step, 250, "2.1.5");
            return step.state().transaction().recipients().get(0);
        }

        @Test
        void notifyListIsKept() {
            RecipientDsn dsn = accepted("RCPT TO:<alice@tern.test> NOTIFY=SUCCESS,DELAY").dsn();
            assertThat(dsn.conditions()).containsExactlyInAnyOrder(Notify.SUCCESS, Notify.DELAY);
            assertThat(dsn.wants(Notify.SUCCESS)).isTrue();
            assertThat(dsn.wants(Notify.FAILURE)).isFalse();
            assertThat(dsn.notifyValue()).isEqualTo("SUCCESS,DELAY");
        }

        @Test
        void neverIsTheEmptySet() {
            RecipientDsn dsn = accepted("RCPT TO:<alice@tern.test> NOTIFY=never").dsn();
            assertThat(dsn.conditions()).isEmpty();
            for (Notify condition : Notify.values()) {
                assertThat(dsn.wants(condition)).isFalse();
            }
            assertThat(dsn.parameters()).isEqualTo(" NOTIFY=NEVER");
        }

        @Test
        void withoutNotifyFailureAndDelayAreWanted() {
            RecipientDsn dsn = accepted("RCPT TO:<alice@tern.test>").dsn();
            assertThat(dsn).isEqualTo(RecipientDsn.NONE);
            assertThat(dsn.wants(Notify.FAILURE)).isTrue();
            assertThat(dsn.wants(Notify.DELAY)).isTrue();
            assertThat(dsn.wants(Notify.SUCCESS)).isFalse();
            assertThat(dsn.parameters()).isEmpty();
        }

        @Test
        void orcptIsDecoded() {
            RecipientDsn dsn = accepted("RCPT TO:<alice@tern.test> ORCPT=rfc822;Alice+2Blists@tern.test").dsn();
            assertThat(dsn.orcpt()).isEqualTo(new OriginalRecipient("rfc822", "Alice+lists@tern.test"));
            assertThat(dsn.orcpt().toString()).isEqualTo("rfc822;Alice+lists@tern.test");
            assertThat(dsn.parameters()).isEqualTo(" ORCPT=rfc822;Alice+2Blists@tern.test");
        }

        @Test
        void bothTogether() {
            RecipientDsn dsn = accepted("RCPT TO:<alice@tern.test> NOTIFY=FAILURE ORCPT=RFC822;a@b.example").dsn();
            assertThat(dsn.parameters()).isEqualTo(" NOTIFY=FAILURE ORCPT=rfc822;a@b.example");
        }

        @ParameterizedTest
        @ValueSource(strings = {"NOTIFY=NEVER,SUCCESS", "NOTIFY=SUCCESS,NEVER", "NOTIFY=SOMETIMES", "NOTIFY",
                "NOTIFY=SUCCESS,,FAILURE", "NOTIFY=SUCCESS,SUCCESS", "NOTIFY=SUCCESS,", "ORCPT=a@b.example",
                "ORCPT=;a@b.example", "ORCPT=rfc822;", "ORCPT=rfc822;a+2", "ORCPT=rfc822;a+00b", "ORCPT"})
        void badValuesAre501(String parameter) {
            Step step = step(inTransaction, "RCPT TO:<alice@tern.test> " + parameter);
            assertReply(step, 501, "5.5.4");
            assertThat(step.state().transaction().recipients()).isEmpty();
        }

        @Test
        void duplicateParameterIs501() {
            Step step = step(inTransaction, "RCPT TO:<alice@tern.test> NOTIFY=SUCCESS NOTIFY=FAILURE");
            assertReply(step, 501, "5.5.4");
        }

        @Test
        void orcptOfFiveHundredCharactersIsTheLimit() {
            // the whole RCPT line stays within RFC 5321's 512 octets, so the limit is checked on the value
            String prefix = "rfc822;";
            String at500 = prefix + "a".repeat(500 - prefix.length() - "@b.example".length()) + "@b.example";
            assertThat(at500).hasSize(500);
            assertThat(OriginalRecipient.parse(at500)).isNotNull();
            assertThat(OriginalRecipient.parse("x" + at500)).isNull();
            assertReply(step(inTransaction, "RCPT TO:<alice@tern.test> ORCPT=rfc822;" + "a".repeat(400) + "@b.example"),
                    250, "2.1.5");
        }

        @Test
        void otherParametersAre555() {
            assertReply(step(inTransaction, "RCPT TO:<alice@tern.test> NOTIFY=NEVER XFROB"), 555, "5.5.4");
        }

        @Test
        void afterHeloParametersAreRefused() {
            SessionState plain = after("HELO client.example", "MAIL FROM:<a@client.example>");
            assertReply(step(plain, "RCPT TO:<alice@tern.test> NOTIFY=NEVER"), 555, "5.5.4");
        }
    }
}
