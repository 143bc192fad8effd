package dev.tern.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class HopCountTest {

    private static String received(int n) {
        return "Received: from hop" + n + ".example by next.example; Mon, 30 Nov 2026 10:00:00 +0000\r\n";
    }

    private static String message(int hops) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < hops; i++) {
            text.append(received(i));
        }
        return text.append("Subject: loop\r\n\r\nbody\r\n").toString();
    }

    private static HopCount fed(String text, int pieceSize) {
        HopCount hops = new HopCount();
        byte[] octets = text.getBytes(StandardCharsets.UTF_8);
        for (int at = 0; at < octets.length; at += pieceSize) {
            hops.feed(ByteBuffer.wrap(octets, at, Math.min(pieceSize, octets.length - at)));
        }
        return hops;
    }

    @Test
    void countsReceivedFieldsHoweverTheOctetsAreSplit() {
        for (int piece : new int[] {1, 2, 3, 7, 9, 10, 64, 100_000}) {
            assertThat(fed(message(5), piece).received()).as("pieces of %d", piece).isEqualTo(5);
        }
    }

    @Test
    void theLimitIsRfc5321sHundred() {
        assertThat(fed(message(HopCount.LIMIT), 13).tooMany()).isFalse();
        assertThat(fed(message(HopCount.LIMIT + 1), 13).tooMany()).isTrue();
    }

    @Test
    void fieldNamesAreCaseInsensitiveAndOnlyAtTheStartOfALine() {
        String text = "RECEIVED: a\r\nreceived:b\r\nX-Received: c\r\n\tReceived: folded\r\nReceived : spaced\r\n"
                + "Subject: Received: no\r\n\r\n";
        assertThat(fed(text, 4).received()).isEqualTo(2);
    }

    @Test
    void theBodyIsNotRead() {
        String text = "Subject: x\r\n\r\n" + received(1).repeat(200);
        assertThat(fed(text, 5).received()).isZero();
        assertThat(fed(text, 5).tooMany()).isFalse();
    }

    @Test
    void aBareLfEndsLinesToo() { // BDAT content has no line rules; a loop is a loop whatever its line ends
        assertThat(fed("Received: a\nReceived: b\n\nReceived: body\n", 3).received()).isEqualTo(2);
    }
}
