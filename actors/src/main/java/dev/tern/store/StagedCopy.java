package dev.tern.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import dev.tern.files.PrivateFiles;

/**
 * A staged message copied into a new staged file (0600 from creation, as staging does) with
 * header fields put in front (after the delivery-only Return-Path: line) and some octet ranges
 * left out: file regions copied by the kernel, nothing held. What DKIM signing (a
 * DKIM-Signature: in front) and inbound authentication (Authentication-Results: in front,
 * forged ones left out) make of a staged message; the original stays as it was.
 */
public final class StagedCopy {

    /** Octets [start, end) of the staged file. */
    public record Range(long start, long end) {
    }

    private StagedCopy() {
    }

    /**
     * @param header  the fields to put in front, CRLFs included
     * @param dropped ranges to leave out, in order, none overlapping, after the Return-Path: line
     */
    public static StagedMessage write(StagedMessage staged, Path target, byte[] header, List<Range> dropped)
            throws IOException {
        Files.deleteIfExists(target); // a copy left by a crash in the middle of this message
        try (FileChannel in = FileChannel.open(staged.file(), StandardOpenOption.READ);
             FileChannel out = PrivateFiles.create(target)) {
            long written = copy(in, out, 0, staged.relayOffset());
            ByteBuffer buffer = ByteBuffer.wrap(header);
            while (buffer.hasRemaining()) {
                written += out.write(buffer);
            }
            long at = staged.relayOffset();
            for (Range range : dropped) {
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
