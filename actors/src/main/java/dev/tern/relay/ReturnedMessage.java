package dev.tern.relay;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import dev.tern.protocol.DeliveryStatusNotification;

/**
 * The original message a RET=FULL DSN returns (RFC 3461 §4.3), read from its spool file in small
 * buffers: scanned for 8-bit octets and a boundary, then copied file to file, never held whole.
 */
final class ReturnedMessage implements DeliveryStatusNotification.MessageScan {

    /** Postfix's bounce_size_limit: a larger message is returned as its headers only. */
    static final long LIMIT = 50_000;
    private static final int BUFFER = 8192;

    private final Path file;
    private final long offset;
    private final long size;

    ReturnedMessage(Path file, long offset, long size) {
        this.file = file;
        this.offset = offset;
        this.size = size;
    }

    @Override
    public boolean eightBit() {
        return scan(null);
    }

    @Override
    public boolean contains(byte[] text) {
        return scan(text);
    }

    /** Copies the message to {@code out}. */
    void copyTo(FileChannel out) throws IOException {
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            long done = 0;
            while (done < size) {
                long n = in.transferTo(offset + done, size - done, out);
                if (n <= 0) {
                    throw new IOException("spool file " + file + " ended early");
                }
                done += n;
            }
        }
    }

    /** With {@code needle} null: whether any octet is 8-bit; else whether {@code needle} occurs. */
    private boolean scan(byte[] needle) {
        int overlap = needle == null ? 0 : needle.length - 1;
        ByteBuffer buffer = ByteBuffer.allocate(BUFFER + overlap);
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            long position = offset;
            long end = offset + size;
            while (position < end) {
                buffer.limit((int) Math.min(buffer.capacity(), buffer.position() + (end - position)));
                int n = in.read(buffer, position);
                if (n <= 0) {
                    return false;
                }
                position += n;
                buffer.flip();
                if (found(buffer, needle)) {
                    return true;
                }
                // keep the last overlap octets: a needle may straddle two reads
                int keep = Math.min(overlap, buffer.limit());
                buffer.position(buffer.limit() - keep);
                buffer.compact();
            }
            return false;
        } catch (IOException e) {
            return needle != null; // unreadable: assume the worst, the caller fails on copying anyway
        }
    }

    private static boolean found(ByteBuffer buffer, byte[] needle) {
        int limit = buffer.limit();
        if (needle == null) {
            for (int i = 0; i < limit; i++) {
                if (buffer.get(i) < 0) {
                    return true;
                }
            }
            return false;
        }
        outer:
        for (int i = 0; i + needle.length <= limit; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (buffer.get(i + j) != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
