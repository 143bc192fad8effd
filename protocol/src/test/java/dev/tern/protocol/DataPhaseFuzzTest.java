package dev.tern.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes {@link DataPhase} with arbitrary message content (FUZZING.md). Replays
 * {@code DataPhaseFuzzTestInputs/content/} in every test run.
 *
 * <p>Input: two octets of size limit (big-endian, times 4), then the content as the client
 * sends it, cut into lines at CRLF as the framing does.
 */
class DataPhaseFuzzTest {

    @FuzzTest(maxDuration = "10m")
    void content(byte[] input) {
        if (input.length < 2) {
            return;
        }
        long maxSize = 4L * (((input[0] & 0xff) << 8) | (input[1] & 0xff));
        byte[] content = Arrays.copyOfRange(input, 2, input.length);

        DataPhase plain = new DataPhase(maxSize);
        DataPhase embedded = new DataPhase(maxSize);
        long stored = 0;
        SmtpReply refusal = null;
        for (byte[] line : lines(content)) {
            ByteBuffer alone = ByteBuffer.wrap(line);
            DataPhase.Line result = plain.accept(alone, false);

            // the same octets at another position of a larger buffer (as a frame out of a bigger chunk)
            byte[] padded = new byte[line.length + 6];
            Arrays.fill(padded, (byte) '.');
            System.arraycopy(line, 0, padded, 3, line.length);
            ByteBuffer inside = ByteBuffer.wrap(padded, 3, line.length);
            assertThat(embedded.accept(inside, false)).isEqualTo(result);
            assertThat(inside.position()).as("accept does not consume").isEqualTo(3);
            assertThat(alone.position()).isZero();

            boolean lone = line.length == 1 && line[0] == '.';
            assertThat(result instanceof DataPhase.End).isEqualTo(lone);
            if (lone) {
                break;
            }
            if (refusal == null) {
                refusal = line.length > DataPhase.MAX_TEXT_LINE ? Replies.DATA_LINE_TOO_LONG
                        : contains(line, '\r') || contains(line, '\n') ? Replies.BARE_NEWLINE_IN_DATA
                        : null;
                if (refusal == null) {
                    int offset = line.length > 0 && line[0] == '.' ? 1 : 0; // RFC 5321 §4.5.2
                    stored += line.length - offset + 2;
                    if (stored > maxSize) {
                        refusal = Replies.MESSAGE_TOO_BIG;
                    }
                }
            }
            if (refusal == null) {
                assertThat(result).isEqualTo(new DataPhase.Content(line.length > 0 && line[0] == '.' ? 1 : 0));
            } else {
                assertThat(result).isInstanceOf(DataPhase.Discard.class);
            }
            assertThat(plain.refusal()).isEqualTo(refusal);
            if (plain.refusal() == null) {
                assertThat(plain.size()).as("never accepts more than the limit").isLessThanOrEqualTo(maxSize);
                assertThat(plain.size()).isEqualTo(stored);
            }
        }
        assertThat(embedded.refusal()).isEqualTo(plain.refusal());
        assertThat(embedded.size()).isEqualTo(plain.size());
    }

    private static List<byte[]> lines(byte[] content) {
        List<byte[]> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i + 1 < content.length; i++) {
            if (content[i] == '\r' && content[i + 1] == '\n') {
                lines.add(Arrays.copyOfRange(content, start, i));
                start = i + 2;
                i++;
            }
        }
        lines.add(Arrays.copyOfRange(content, start, content.length));
        return lines;
    }

    private static boolean contains(byte[] line, char c) {
        for (byte b : line) {
            if (b == c) {
                return true;
            }
        }
        return false;
    }
}
