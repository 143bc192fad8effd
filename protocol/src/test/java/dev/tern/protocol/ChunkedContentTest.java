package dev.tern.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ChunkedContentTest {

    private static ChunkedContent fed(String text, int pieceSize) {
        ChunkedContent content = new ChunkedContent();
        byte[] octets = text.getBytes(StandardCharsets.ISO_8859_1);
        for (int at = 0; at < octets.length; at += pieceSize) {
            content.feed(ByteBuffer.wrap(octets, at, Math.min(pieceSize, octets.length - at)));
        }
        return content;
    }

    @Test
    void crlfLinesPassHoweverTheyAreSplit() {
        for (int piece : new int[] {1, 2, 3, 5, 64}) {
            assertThat(fed("Subject: x\r\n\r\nline\r\n.\r\nend\r\n", piece).refusal(BodyType.EIGHT_BIT_MIME))
                    .as("pieces of %d", piece).isNull();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"a\r.\rMAIL FROM:<x@y>\r\n", "a\n.\nb\r\n", "a\r\n\rb\r\n", "ends with a CR\r",
            "\nfirst\r\n"})
    void aBareCrOrLfIsRefusedAsInData(String text) { // the smuggling defence of DATA, on octets
        for (int piece : new int[] {1, 2, 7, 1000}) {
            assertThat(fed(text, piece).refusal(BodyType.SEVEN_BIT)).as("pieces of %d", piece)
                    .isEqualTo(Replies.BARE_NEWLINE_IN_DATA);
            assertThat(fed(text, piece).refusal(BodyType.EIGHT_BIT_MIME)).isEqualTo(Replies.BARE_NEWLINE_IN_DATA);
        }
    }

    @Test
    void binaryMimeMayCarryAnyOctet() { // RFC 3030 §3, and it is never relayed by DATA
        assertThat(fed("bin\r\r\n\n\0\u00ff.\r", 3).refusal(BodyType.BINARY_MIME)).isNull();
    }

    @Test
    void theHopLimitComesFirst() {
        String hops = "Received: from a.example\n".repeat(HopCount.LIMIT + 1) + "\nbody";
        assertThat(fed(hops, 11).refusal(BodyType.BINARY_MIME)).isEqualTo(Replies.TOO_MANY_HOPS);
        assertThat(fed(hops, 11).refusal(BodyType.SEVEN_BIT)).isEqualTo(Replies.TOO_MANY_HOPS);
    }
}
