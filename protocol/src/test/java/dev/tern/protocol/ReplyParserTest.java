package dev.tern.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ReplyParserTest {

    @Test
    void singleLineWithEnhancedCode() {
        SmtpReply reply = ReplyParser.parse(List.of("550 5.1.1 <bob@example.com>: User unknown"));
        assertThat(reply.code()).isEqualTo(550);
        assertThat(reply.enhancedCode()).isEqualTo("5.1.1");
        assertThat(reply.lines()).containsExactly("<bob@example.com>: User unknown");
        assertThat(reply.toString()).isEqualTo("550 5.1.1 <bob@example.com>: User unknown");
    }

    @Test
    void greetingWithoutEnhancedCode() {
        SmtpReply reply = ReplyParser.parse(List.of("220 mx.example.com ESMTP"));
        assertThat(reply.enhancedCode()).isNull();
        assertThat(reply.lines()).containsExactly("mx.example.com ESMTP");
    }

    @Test
    void enhancedCodeOfAnotherClassIsText() {
        SmtpReply reply = ReplyParser.parse(List.of("250 5.1.1 odd"));
        assertThat(reply.enhancedCode()).isNull();
        assertThat(reply.lines()).containsExactly("5.1.1 odd");
    }

    @ParameterizedTest
    @ValueSource(strings = {"451 4.3", "451 4.3.0x later", "451 4..0 later", "451 4.3.1234 later", "451 4.3.0.1 x",
            "354 3.0.0 go ahead", "334 3.0.0"})
    void notQuiteEnhancedCodesAreText(String line) {
        SmtpReply reply = ReplyParser.parse(List.of(line));
        assertThat(reply.enhancedCode()).isNull();
        assertThat(reply.lines()).containsExactly(line.substring(4));
    }

    @Test
    void enhancedCodeAloneOnTheLine() {
        SmtpReply reply = ReplyParser.parse(List.of("250 2.0.0"));
        assertThat(reply.enhancedCode()).isEqualTo("2.0.0");
        assertThat(reply.lines()).containsExactly("");
    }

    @Test
    void bareCodeIsALastLine() {
        SmtpReply reply = ReplyParser.parse(List.of("250"));
        assertThat(reply.code()).isEqualTo(250);
        assertThat(reply.lines()).containsExactly("");
    }

    @Test
    void multiLineAssembledIncrementally() {
        ReplyParser parser = new ReplyParser();
        assertThat(parser.accept("250-mx.example.com greets client")).isEmpty();
        assertThat(parser.inProgress()).isTrue();
        assertThat(parser.accept("250-PIPELINING")).isEmpty();
        assertThat(parser.accept("250-")).isEmpty();
        Optional<SmtpReply> reply = parser.accept("250 SIZE 1000");
        assertThat(reply).isPresent();
        assertThat(reply.get().lines()).containsExactly("mx.example.com greets client", "PIPELINING", "", "SIZE 1000");
        assertThat(parser.inProgress()).isFalse();

        // the parser is ready for the next reply
        assertThat(parser.accept("221 2.0.0 bye")).hasValue(SmtpReply.of(221, "2.0.0", "bye"));
    }

    @Test
    void enhancedCodeStrippedFromEveryLine() {
        SmtpReply reply = ReplyParser.parse(List.of("550-5.7.1 Rejected", "550-5.7.1 see https://example.com", "550 5.7.1 bye"));
        assertThat(reply.enhancedCode()).isEqualTo("5.7.1");
        assertThat(reply.lines()).containsExactly("Rejected", "see https://example.com", "bye");
        assertThat(reply.render()).isEqualTo(
                "550-5.7.1 Rejected\r\n550-5.7.1 see https://example.com\r\n550 5.7.1 bye\r\n");
    }

    @Test
    void resetForgetsAPartialReply() {
        ReplyParser parser = new ReplyParser();
        parser.accept("250-injected");
        parser.reset();
        assertThat(parser.accept("220 2.0.0 ready")).hasValue(SmtpReply.of(220, "2.0.0", "ready"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "25", "abc ok", "2x0 ok", "250x ok", "250_ok", "150 intermediate", "600 odd", "099 x"})
    void malformedLinesAreRejected(String line) {
        assertThatThrownBy(() -> new ReplyParser().accept(line))
                .isInstanceOf(MalformedReplyException.class)
                .satisfies(e -> assertThat(((MalformedReplyException) e).line()).isEqualTo(line));
    }

    @Test
    void codeChangingInsideAMultiLineReplyIsMalformed() {
        ReplyParser parser = new ReplyParser();
        parser.accept("250-first");
        assertThatThrownBy(() -> parser.accept("550 second"))
                .isInstanceOf(MalformedReplyException.class)
                .hasMessageContaining("550 inside a multi-line 250 reply");
    }

    @Test
    void parseWantsExactlyOneReply() {
        assertThatThrownBy(() -> ReplyParser.parse(List.of("250-a")))
                .isInstanceOf(MalformedReplyException.class).hasMessageContaining("without a last line");
        assertThatThrownBy(() -> ReplyParser.parse(List.of("250 a", "250 b")))
                .isInstanceOf(MalformedReplyException.class).hasMessageContaining("after the last line");
    }
}
