package dev.tern.queue;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An entry's octets to relay as a region of a file, for one attempt or one DSN: the SMTP client and the DSN writer
 * stream from files. The spool hands out its own body file; the queue database a node-local copy, streamed out of
 * its chunk rows and deleted on {@link #close()}.
 *
 * @param file   the file
 * @param offset where the octets start
 * @param size   how many there are
 * @param copy   whether the file is a copy of this holder's own, deleted on close
 */
public record BodyFile(Path file, long offset, long size, boolean copy) implements Closeable {

    /** The spool's own file: closing leaves it. */
    public static BodyFile of(Path file, long offset, long size) {
        return new BodyFile(file, offset, size, false);
    }

    @Override
    public void close() throws IOException {
        if (copy) {
            Files.deleteIfExists(file);
        }
    }
}
