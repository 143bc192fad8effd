package dev.tern.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.protocol.DataPhase.Content;
import dev.tern.protocol.DataPhase.Discard;
import dev.tern.protocol.DataPhase.End;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DataPhaseTest {

    private final DataPhase data = new DataPhase(1_000_000);

    private static ByteBuffer bytes(String line) {
        return ByteBuffer.wrap(line.getBytes(StandardCharsets.ISO_8859_1));
    }

    private DataPhase.Line feed(String line) {
        return data.accept(bytes(line), false);
    }

    @Test
    void loneDotEndsTheMessage() {
        assertThat(feed(".")).isEqualTo(new End());
        assertThat(data.refusal()).isNull();
        assertThat(data.size()).isZero();
    }

    @Test
    void plainLineIsStoredWhole() {
        assertThat(feed("Subject: hello")).isEqualTo(new Content(0));
        assertThat(data.size()).isEqualTo("Subject: hello".length() + 2);
    }

    @Test
    void stuffedDotIsRemoved() {
        assertThat(feed("..")).isEqualTo(new Content(1));
        assertThat(data.size()).isEqualTo(3); // "." + CRLF
    }

    @Test
    void onlyOneDotIsUnstuffed() {
        assertThat(feed("...")).isEqualTo(new Content(1));
        assertThat(data.size()).isEqualTo(4); // ".." + CRLF
    }

    @Test
    void lineStartingWithDotAndTextIsUnstuffed() {
        assertThat(feed(".hidden")).isEqualTo(new Content(1));
        assertThat(data.size()).isEqualTo("hidden".length() + 2);
    }

    @Test
    void dotInsideTheLineIsKept() {
        assertThat(feed("a.")).isEqualTo(new Content(0));
    }

    @Test
    void emptyLineCountsItsCrlf() {
        assertThat(feed("")).isEqualTo(new Content(0));
        assertThat(data.size()).isEqualTo(2);
    }

    @Test
    void sizeIsTheSumOfUnstuffedLinesWithCrlf() {
        feed("From: a@b.example");   // 17 + 2
        feed("");                    // 2
        feed("..dot");               // 4 + 2
        feed("body");                // 4 + 2
        assertThat(feed(".")).isEqualTo(new End());
        assertThat(data.size()).isEqualTo(19 + 2 + 6 + 6);
        assertThat(data.refusal()).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"bare\nLF", "bare\rCR", "\n.", ".\r", "\r", "\n", "end\n"})
    void bareNewlineRefusesTheMessage(String line) {
        assertThat(feed(line)).isEqualTo(new Discard());
        assertThat(data.refusal()).isEqualTo(Replies.BARE_NEWLINE_IN_DATA);
        assertThat(data.refusal().code()).isEqualTo(550);
        assertThat(data.refusal().enhancedCode()).isEqualTo("5.5.2");
    }

    @Test
    void afterABareNewlineEverythingIsDiscardedButTheDotStillEnds() {
        feed("Subject: smuggle");
        assertThat(feed("x\n.\nMAIL FROM:<evil@example.com>")).isEqualTo(new Discard());
        assertThat(feed("harmless")).isEqualTo(new Discard());
        assertThat(feed("..")).isEqualTo(new Discard());
        assertThat(feed("")).isEqualTo(new Discard());
        assertThat(feed(".")).isEqualTo(new End());
        assertThat(data.refusal()).isEqualTo(Replies.BARE_NEWLINE_IN_DATA);
    }

    @Test
    void overlongFlagRefusesTheMessage() {
        assertThat(data.accept(bytes("the tail of a long line"), true)).isEqualTo(new Discard());
        assertThat(data.refusal()).isEqualTo(Replies.DATA_LINE_TOO_LONG);
        assertThat(data.refusal().code()).isEqualTo(500);
        assertThat(data.refusal().enhancedCode()).isEqualTo("5.5.2");
        assertThat(feed("next")).isEqualTo(new Discard());
        assertThat(feed(".")).isEqualTo(new End());
    }

    @Test
    void lineOf998OctetsIsAccepted() {
        assertThat(feed("x".repeat(DataPhase.MAX_TEXT_LINE))).isEqualTo(new Content(0));
        assertThat(data.refusal()).isNull();
    }

    @Test
    void lineOf999OctetsIsRefused() {
        assertThat(feed("x".repeat(DataPhase.MAX_TEXT_LINE + 1))).isEqualTo(new Discard());
        assertThat(data.refusal()).isEqualTo(Replies.DATA_LINE_TOO_LONG);
        assertThat(data.refusal().code()).isEqualTo(500);
    }

    @Test
    void messageAtExactlyTheLimitIsAccepted() {
        DataPhase small = new DataPhase(10);
        assertThat(small.accept(bytes("12345678"), false)).isEqualTo(new Content(0));
        assertThat(small.size()).isEqualTo(10);
        assertThat(small.refusal()).isNull();
    }

    @Test
    void messageOverTheLimitIsRefusedAndDiscardedFromThenOn() {
        DataPhase small = new DataPhase(10);
        assertThat(small.accept(bytes("1234"), false)).isEqualTo(new Content(0));
        assertThat(small.accept(bytes("12345"), false)).isEqualTo(new Discard());
        assertThat(small.refusal()).isEqualTo(Replies.MESSAGE_TOO_BIG);
        assertThat(small.refusal().code()).isEqualTo(552);
        assertThat(small.refusal().enhancedCode()).isEqualTo("5.3.4");
        assertThat(small.accept(bytes(""), false)).isEqualTo(new Discard());
        assertThat(small.accept(bytes("."), false)).isEqualTo(new End());
    }

    @Test
    void unstuffedDotDoesNotCountTowardsTheLimit() {
        DataPhase small = new DataPhase(3);
        assertThat(small.accept(bytes(".."), false)).isEqualTo(new Content(1));
        assertThat(small.refusal()).isNull();
    }

    @Test
    void firstRefusalWins() {
        DataPhase small = new DataPhase(10);
        small.accept(bytes("bare\rCR"), false);
        small.accept(bytes("x".repeat(2000)), false);
        small.accept(bytes("y".repeat(20)), false);
        small.accept(bytes("z"), true);
        assertThat(small.refusal()).isEqualTo(Replies.BARE_NEWLINE_IN_DATA);
    }

    @Test
    void sizeRefusalIsNotReplacedByALaterBareNewline() {
        DataPhase small = new DataPhase(5);
        small.accept(bytes("123456"), false);
        small.accept(bytes("a\nb"), false);
        assertThat(small.refusal()).isEqualTo(Replies.MESSAGE_TOO_BIG);
    }

    @Test
    void slicedBufferIsReadFromItsOwnStart() {
        byte[] backing = "XXX..stuffed\r\n.YYY".getBytes(StandardCharsets.US_ASCII);
        ByteBuffer stuffed = ByteBuffer.wrap(backing, 3, 9).slice(); // "..stuffed"
        assertThat(stuffed.position()).isZero();
        assertThat(data.accept(stuffed, false)).isEqualTo(new Content(1));
        assertThat(data.size()).isEqualTo(".stuffed".length() + 2);

        ByteBuffer dot = ByteBuffer.wrap(backing, 14, 1).slice(); // "."
        assertThat(data.accept(dot, false)).isEqualTo(new End());
    }

    @Test
    void slicedBufferDoesNotSeeNewlinesOutsideItsWindow() {
        byte[] backing = "\r\nplain\r\n".getBytes(StandardCharsets.US_ASCII);
        ByteBuffer plain = ByteBuffer.wrap(backing, 2, 5).slice();
        assertThat(data.accept(plain, false)).isEqualTo(new Content(0));
        assertThat(data.refusal()).isNull();
        assertThat(data.size()).isEqualTo(7);
    }

    @Test
    void bufferWithNonZeroPositionIsReadFromItsPosition() {
        ByteBuffer buffer = ByteBuffer.wrap("\r\n..x".getBytes(StandardCharsets.US_ASCII));
        buffer.position(2); // remaining: "..x"
        assertThat(data.accept(buffer, false)).isEqualTo(new Content(1));
        assertThat(data.refusal()).isNull();
        assertThat(data.size()).isEqualTo(".x".length() + 2);
    }

    @Test
    void dotAtNonZeroPositionEndsTheMessage() {
        ByteBuffer buffer = ByteBuffer.wrap("abc.".getBytes(StandardCharsets.US_ASCII));
        buffer.position(3);
        assertThat(data.accept(buffer, false)).isEqualTo(new End());
    }

    @Test
    void bufferWithLimitBeforeABareNewlineIsClean() {
        ByteBuffer buffer = ByteBuffer.wrap("ab\ncd".getBytes(StandardCharsets.US_ASCII));
        buffer.position(1).limit(2); // remaining: "b"
        assertThat(data.accept(buffer, false)).isEqualTo(new Content(0));
        assertThat(data.size()).isEqualTo(3);
    }

    @Test
    void bareNewlineAfterANonZeroPositionIsFound() {
        ByteBuffer buffer = ByteBuffer.wrap("..ok\nno".getBytes(StandardCharsets.US_ASCII));
        buffer.position(2);
        assertThat(data.accept(buffer, false)).isEqualTo(new Discard());
        assertThat(data.refusal()).isEqualTo(Replies.BARE_NEWLINE_IN_DATA);
    }

    @Test
    void acceptDoesNotMoveTheBufferPosition() {
        ByteBuffer buffer = ByteBuffer.wrap("xx..line".getBytes(StandardCharsets.US_ASCII));
        buffer.position(2);
        data.accept(buffer, false);
        assertThat(buffer.position()).isEqualTo(2);
        assertThat(buffer.remaining()).isEqualTo(6);
    }

    @Test
    void moreReceivedFieldsThanTheHopLimitRefuseTheMessage() { // RFC 5321 §6.3
        for (int i = 0; i < HopCount.LIMIT; i++) {
            assertThat(feed("Received: from hop" + i + ".example")).isEqualTo(new Content(0));
        }
        assertThat(data.refusal()).isNull();
        assertThat(feed("Received: from one-too-many.example")).isEqualTo(new Discard());
        assertThat(data.refusal()).isEqualTo(Replies.TOO_MANY_HOPS);
        assertThat(data.refusal().code()).isEqualTo(554);
        assertThat(feed(".")).isEqualTo(new End());
    }

    @Test
    void receivedLinesInTheBodyDoNotCount() {
        feed("Subject: quoted trace");
        feed("");
        for (int i = 0; i <= HopCount.LIMIT; i++) {
            assertThat(feed("Received: from quoted" + i + ".example")).isEqualTo(new Content(0));
        }
        assertThat(data.refusal()).isNull();
    }
}
