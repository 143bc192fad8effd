package dev.tern.protocol;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The header block of a stored message, for the text/rfc822-headers part of a DSN: the lines
 * before the first empty line, at most a byte limit, cut at a line boundary (a DSN returns the
 * headers, never the body, and not megabytes of them).
 */
public final class OriginalHeaders {

    /** Enough for any ordinary header block, small enough to keep bounces small. */
    public static final int DEFAULT_LIMIT = 64 * 1024;

    private OriginalHeaders() {
    }

    /**
     * Reads from the start of a message: complete lines (with their line endings) up to, not
     * including, the empty line that ends the header block, or the end of the stream. Stops
     * before the first line that would take the result beyond {@code limit} octets.
     * The stream is read through a buffer: afterwards its position is unspecified.
     */
    public static byte[] read(InputStream message, int limit) throws IOException {
        if (limit < 0) {
            throw new IllegalArgumentException("negative limit: " + limit);
        }
        InputStream in = new BufferedInputStream(message);
        ByteArrayOutputStream headers = new ByteArrayOutputStream(Math.min(limit, 8192));
        ByteArrayOutputStream line = new ByteArrayOutputStream(256);
        int b;
        while ((b = in.read()) != -1) {
            line.write(b);
            if (headers.size() + line.size() > limit) {
                return headers.toByteArray(); // this line does not fit: cut before it
            }
            if (b == '\n') {
                if (isEmptyLine(line)) {
                    return headers.toByteArray();
                }
                line.writeTo(headers);
                line.reset();
            }
        }
        // end of message without an empty line: the message is all header (last line unterminated)
        if (!isEmptyLine(line)) {
            line.writeTo(headers);
        }
        return headers.toByteArray();
    }

    /**
     * As {@link #read(InputStream, int)} for a stored message file whose message starts at
     * {@code offset} (e.g. a staged message's relay offset, past its Return-Path: line).
     */
    public static byte[] read(Path file, long offset, int limit) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            in.skipNBytes(offset);
            return read(in, limit);
        }
    }

    private static boolean isEmptyLine(ByteArrayOutputStream line) {
        int size = line.size();
        if (size == 0 || size > 2) {
            return false;
        }
        byte[] bytes = line.toByteArray();
        return size == 1 ? bytes[0] == '\n' || bytes[0] == '\r' : bytes[0] == '\r' && bytes[1] == '\n';
    }
}
