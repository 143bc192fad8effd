package dev.tern.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SmtpReplyTest {

    @Test
    void singleLineWithEnhancedCode() {
        assertThat(SmtpReply.of(550, "5.1.1", "User unknown").render()).isEqualTo("550 5.1.1 User unknown\r\n");
    }

    @Test
    void singleLineWithoutEnhancedCode() {
        assertThat(SmtpReply.of(220, null, "mx.example ESMTP Tern").render()).isEqualTo("220 mx.example ESMTP Tern\r\n");
    }

    @Test
    void multiLineWithoutEnhancedCode() {
        SmtpReply reply = new SmtpReply(250, null,
                List.of("mx.example", "PIPELINING", "SIZE 1000", "8BITMIME", "ENHANCEDSTATUSCODES"));
        assertThat(reply.render()).isEqualTo(
                "250-mx.example\r\n"
                        + "250-PIPELINING\r\n"
                        + "250-SIZE 1000\r\n"
                        + "250-8BITMIME\r\n"
                        + "250 ENHANCEDSTATUSCODES\r\n");
    }

    @Test
    void multiLineRepeatsTheEnhancedCodeOnEveryLine() {
        SmtpReply reply = new SmtpReply(214, "2.0.0", List.of("Commands: EHLO", "See RFC 5321"));
        assertThat(reply.render()).isEqualTo("214-2.0.0 Commands: EHLO\r\n214 2.0.0 See RFC 5321\r\n");
    }

    @Test
    void toBytesIsTheRenderingInAscii() {
        SmtpReply reply = SmtpReply.of(250, "2.0.0", "Ok");
        assertThat(reply.toBytes()).isEqualTo("250 2.0.0 Ok\r\n".getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void toStringShowsTheFirstLine() {
        assertThat(new SmtpReply(250, "2.0.0", List.of("first", "second"))).hasToString("250 2.0.0 first");
        assertThat(SmtpReply.of(354, null, "go ahead")).hasToString("354 go ahead");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 199, 600, 999, -250})
    void codesOutside200To599AreRejected(int code) {
        assertThatIllegalArgumentException().isThrownBy(() -> SmtpReply.of(code, null, "text"));
    }

    @ParameterizedTest
    @ValueSource(ints = {200, 599})
    void boundaryCodesAreAccepted(int code) {
        assertThat(SmtpReply.of(code, null, "text").code()).isEqualTo(code);
    }

    @Test
    void emptyLinesAreRejected() {
        assertThatIllegalArgumentException().isThrownBy(() -> new SmtpReply(250, null, List.of()));
    }

    @Test
    void linesAreCopied() {
        List<String> lines = new ArrayList<>(List.of("one"));
        SmtpReply reply = new SmtpReply(250, null, lines);
        lines.add("two");
        assertThat(reply.lines()).containsExactly("one");
    }

    @Test
    void classification() {
        assertThat(SmtpReply.of(250, null, "x").isPositive()).isTrue();
        assertThat(SmtpReply.of(354, null, "x").isPositive()).isTrue();
        assertThat(SmtpReply.of(451, null, "x").isTransientFailure()).isTrue();
        assertThat(SmtpReply.of(451, null, "x").isPermanentFailure()).isFalse();
        assertThat(SmtpReply.of(550, null, "x").isPermanentFailure()).isTrue();
        assertThat(SmtpReply.of(550, null, "x").isTransientFailure()).isFalse();
        assertThat(SmtpReply.of(550, null, "x").isPositive()).isFalse();
    }

    @Test
    void greetingHasNoEnhancedCode() {
        assertThat(Replies.greeting("mx.example").render()).isEqualTo("220 mx.example ESMTP Tern\r\n");
    }

    @Test
    void queuedNamesTheMessageId() {
        assertThat(Replies.queued("4XyZ").render()).isEqualTo("250 2.0.0 Ok: queued as 4XyZ\r\n");
    }

    @Test
    void firstWordIsTheNameTheServerGivesItself() {
        assertThat(SmtpReply.of(220, null, " mx.example ESMTP Postfix").firstWord()).isEqualTo("mx.example");
        assertThat(new SmtpReply(250, null, List.of("mx.example", "PIPELINING")).firstWord()).isEqualTo("mx.example");
        assertThat(SmtpReply.of(250, null, "").firstWord()).isEmpty();
    }
}
