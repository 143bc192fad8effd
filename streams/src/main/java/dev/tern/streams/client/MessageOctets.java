package dev.tern.streams.client;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import dev.tern.protocol.NextHopEncoding;

/**
 * What a stored message's octets hold, for a next hop that lacks 8BITMIME or SMTPUTF8: read
 * from the file in small blocks when asked (never held whole), and only then.
 */
final class MessageOctets implements NextHopEncoding.Content {

    private static final int BLOCK = 16 * 1024;

    private final Path file;
    private final long offset;
    private final long size;

    MessageOctets(Path file, long offset, long size) {
        this.file = file;
        this.offset = offset;
        this.size = size;
    }

    @Override
    public boolean headerSectionHasEightBit() {
        return scan(true);
    }

    @Override
    public boolean hasEightBit() {
        return scan(false);
    }

    /** Whether an octet above 127 comes first, or (headers only) the empty line that ends the header section. */
    private boolean scan(boolean headersOnly) {
        ByteBuffer block = ByteBuffer.allocate(BLOCK);
        // the last octets seen, to find CRLF CRLF across blocks; CRLF as if before the first line
        int recent = headersOnly ? ('\r' << 8) | '\n' : 0;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long position = offset;
            long end = offset + size;
            while (position < end) {
                block.clear().limit((int) Math.min(BLOCK, end - position));
                int read = channel.read(block, position);
                if (read < 0) {
                    return false; // a short file is BodySource's to report
                }
                position += read;
                for (int i = 0; i < read; i++) {
                    int octet = block.get(i) & 0xff;
                    if (octet >= 0x80) {
                        return true;
                    }
                    recent = (recent << 8) | octet;
                    if (headersOnly && recent == 0x0d0a0d0a) { // RFC 5322 §2.1: the empty line ends the headers
                        return false;
                    }
                }
            }
            return false;
        } catch (IOException e) {
            throw new SmtpClientException.BodyUnreadable("cannot read the message file: " + e, e);
        }
    }
}
