package dev.tern.mailauth;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import dev.tern.files.PrivateFiles;
import dev.tern.store.StagedMessage;

/**
 * A staged message copied into a new staged file (0600 from creation, as staging does) with
 * header text put in front (after the delivery-only Return-Path: line) and the forged
 * Authentication-Results fields left out: file regions copied by the kernel, nothing held.
 */
final class MarkedCopy {

    private MarkedCopy() {
    }

    static StagedMessage write(StagedMessage staged, Path target, String headerText,
                               List<MessageScan.Range> dropped) throws IOException {
        byte[] header = headerText.getBytes(StandardCharsets.UTF_8);
        Files.deleteIfExists(target); // a copy left by a crash in the middle of this message
        try (FileChannel in = FileChannel.open(staged.file(), StandardOpenOption.READ);
             FileChannel out = PrivateFiles.create(target)) {
            long written = copy(in, out, 0, staged.relayOffset());
            ByteBuffer buffer = ByteBuffer.wrap(header);
            while (buffer.hasRemaining()) {
                written += out.write(buffer);
            }
            long at = staged.relayOffset();
            for (MessageScan.Range range : dropped) {
                written += copy(in, out, at, range.start());
                at = range.end();
            }
            written += copy(in, out, at, staged.size());
            return new StagedMessage(target, written, staged.relayOffset());
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(target);
            throw e;
        }
    }

    private static long copy(FileChannel in, FileChannel out, long from, long to) throws IOException {
        long position = from;
        while (position < to) {
            long moved = in.transferTo(position, to - position, out);
            if (moved <= 0) {
                throw new IOException("staged file shorter than expected at " + position);
            }
            position += moved;
        }
        return to - from;
    }
}
