package dev.tern.protocol;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OriginalHeadersTest {

    private static byte[] read(String message, int limit) throws IOException {
        return OriginalHeaders.read(new ByteArrayInputStream(message.getBytes(US_ASCII)), limit);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(US_ASCII);
    }

    @Test
    void stopsAtTheFirstEmptyLine() throws IOException {
        assertThat(read("From: a@b\r\nSubject: hi\r\n\tthere\r\n\r\nbody\r\nX: not a header\r\n", 1000))
                .isEqualTo(ascii("From: a@b\r\nSubject: hi\r\n\tthere\r\n"));
        assertThat(read("From: a@b\nSubject: hi\n\nbody\n", 1000)).isEqualTo(ascii("From: a@b\nSubject: hi\n"));
    }

    @Test
    void cutsAtALineBoundaryWithinTheLimit() throws IOException {
        String message = "A: 1\r\nB: 22\r\nC: 333\r\n\r\nbody\r\n";
        assertThat(read(message, 13)).isEqualTo(ascii("A: 1\r\nB: 22\r\n"));
        assertThat(read(message, 14)).isEqualTo(ascii("A: 1\r\nB: 22\r\n"));
        assertThat(read(message, 12)).isEqualTo(ascii("A: 1\r\n"));
        assertThat(read(message, 5)).isEmpty();
        assertThat(read(message, 22)).isEqualTo(ascii("A: 1\r\nB: 22\r\nC: 333\r\n"));
    }

    @Test
    void aMessageWithoutBodyIsAllHeader() throws IOException {
        assertThat(read("A: 1\r\nB: 2", 1000)).isEqualTo(ascii("A: 1\r\nB: 2"));
        assertThat(read("A: 1\r\n", 1000)).isEqualTo(ascii("A: 1\r\n"));
        assertThat(read("", 1000)).isEmpty();
        assertThat(read("\r\nbody\r\n", 1000)).isEmpty();
    }

    @Test
    void doesNotReadAHugeHeaderBeyondTheLimit() throws IOException {
        byte[] huge = ("X: " + "y".repeat(10_000_000)).getBytes(US_ASCII);
        CountingStream in = new CountingStream(huge);
        assertThat(OriginalHeaders.read(in, OriginalHeaders.DEFAULT_LIMIT)).isEmpty();
        assertThat(in.consumed()).isLessThan(1_000_000);
    }

    @Test
    void readsAStoredMessageFromAnOffset(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("m.msg");
        Files.write(file, ascii("Return-Path: <a@b>\r\nSubject: hi\r\n\r\nbody\r\n"));
        assertThat(OriginalHeaders.read(file, "Return-Path: <a@b>\r\n".length(), OriginalHeaders.DEFAULT_LIMIT))
                .isEqualTo(ascii("Subject: hi\r\n"));
    }

    private static final class CountingStream extends ByteArrayInputStream {
        CountingStream(byte[] bytes) {
            super(bytes);
        }

        int consumed() {
            return pos;
        }
    }
}
