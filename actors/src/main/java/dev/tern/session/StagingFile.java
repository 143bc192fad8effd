package dev.tern.session;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.pekko.util.ByteString;

import dev.tern.files.PrivateFiles;
import dev.tern.store.StagedMessage;

/**
 * The file a message is streamed into while DATA or BDAT runs, so that no body is ever held
 * whole in the heap. It is not fsync'd here: the mailbox writers fsync the copies they
 * make (a hard link shares the data, so one fsync covers every mailbox).
 */
final class StagingFile {

    private static final int BUFFER = 64 * 1024;
    private static final byte[] CRLF = {'\r', '\n'};

    private final Path path;
    private final FileChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER);
    private long size;
    private long relayOffset;

    private StagingFile(Path path, FileChannel channel) {
        this.path = path;
        this.channel = channel;
    }

    static StagingFile create(Path directory, String messageId) throws IOException {
        Path path = directory.resolve(messageId);
        // 0600 from the start: every mailbox and queue copy is a hard link to this inode
        return new StagingFile(path, PrivateFiles.create(path));
    }

    /** Writes what only final delivery keeps (the Return-Path: line); relays skip it. */
    void writeDeliveryOnlyText(String text) throws IOException {
        if (size != 0) {
            throw new IllegalStateException("delivery-only text must come first");
        }
        writeText(text);
        relayOffset = size;
    }

    /** Trace fields: ASCII, or UTF-8 addresses in an SMTPUTF8 transaction (RFC 6532 §3.7). */
    void writeText(String text) throws IOException {
        write(ByteString.fromString(text, StandardCharsets.UTF_8), 0);
    }

    /** Appends octets as they are: a BDAT chunk (RFC 3030), no line ends added. */
    void writeOctets(ByteString octets) throws IOException {
        write(octets, 0);
    }

    /** Appends {@code line} from {@code offset} on, then CRLF. */
    void writeLine(ByteString line, int offset) throws IOException {
        write(line, offset);
        write(CRLF);
    }

    private void write(ByteString bytes, int offset) throws IOException {
        ByteString rest = offset == 0 ? bytes : bytes.drop(offset);
        while (!rest.isEmpty()) {
            if (!buffer.hasRemaining()) {
                flush();
            }
            int copied = rest.copyToBuffer(buffer);
            size += copied;
            rest = rest.drop(copied);
        }
    }

    private void write(byte[] bytes) throws IOException {
        if (buffer.remaining() < bytes.length) {
            flush();
        }
        buffer.put(bytes);
        size += bytes.length;
    }

    private void flush() throws IOException {
        buffer.flip();
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
        buffer.clear();
    }

    /** Writes out what is buffered and closes: the message is complete. */
    StagedMessage finish() throws IOException {
        try {
            flush();
        } finally {
            channel.close();
        }
        return new StagedMessage(path, size, relayOffset);
    }

    /** Drops the file: the message was refused or the client went away. */
    void abandon() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // the file is deleted next; nothing in it matters
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // an undeleted file in the incoming spool is swept at the next start
        }
    }
}
