package dev.tern.streams.client;

import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.javadsl.FileIO;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.util.ByteString;

import dev.tern.streams.LinearStage;

/** The DATA octets (or BDAT chunks) of a stored message, read from disk chunk by chunk as the connection takes them. */
final class BodySource {

    private static final int CHUNK = 16 * 1024;

    private BodySource() {
    }

    /**
     * {@code size} octets of {@code file} from {@code offset}, dot-stuffed and terminated.
     * Fails with an {@link EOFException} if the file is shorter, and with a
     * {@code BackpressureTimeoutException} when a chunk waits longer than {@code blockTimeout}
     * for the connection to take it.
     */
    static Source<ByteString, NotUsed> of(Path file, long offset, long size, Duration blockTimeout) {
        return octets(file, offset, size)
                .via(DotStuffing.flow())
                .backpressureTimeout(blockTimeout);
    }

    /**
     * One BDAT chunk (RFC 3030 §2): {@code length} octets of {@code file} from {@code offset} as
     * they are stored, no dot-stuffing and no terminator; fails as {@link #of} does.
     */
    static Source<ByteString, NotUsed> chunk(Path file, long offset, long length, Duration blockTimeout) {
        return octets(file, offset, length).backpressureTimeout(blockTimeout);
    }

    private static Source<ByteString, NotUsed> octets(Path file, long offset, long size) {
        return FileIO.fromPath(file, CHUNK, offset)
                .via(Flow.fromGraph(new ExactOctets(size)))
                .mapMaterializedValue(io -> NotUsed.getInstance());
    }

    /**
     * Makes sure {@code file} holds {@code size} octets from {@code offset}: a message that
     * cannot be sent is found before anything is said to the server.
     *
     * @throws SmtpClientException.BodyUnreadable when it does not, or cannot be read
     */
    static void check(Path file, long offset, long size) {
        long available;
        try {
            available = Files.size(file) - offset;
        } catch (IOException e) {
            throw new SmtpClientException.BodyUnreadable("cannot read the message file: " + e, e);
        }
        if (available < size) {
            throw new SmtpClientException.BodyUnreadable("message file " + file + " holds " + available
                    + " octets after offset " + offset + ", expected " + size, null);
        }
    }

    /** Passes exactly {@code size} octets: cuts the input there, fails if it ends sooner. */
    static final class ExactOctets extends LinearStage<ByteString, ByteString> {

        private final long size;

        ExactOctets(long size) {
            super("ExactOctets");
            this.size = size;
        }


        @Override
        public GraphStageLogic createLogic(Attributes inheritedAttributes) {
            return new GraphStageLogic(shape()) {
                private long remaining = size;

                {
                    setHandler(in, new AbstractInHandler() {
                        @Override
                        public void onPush() {
                            ByteString chunk = grab(in);
                            if (chunk.size() >= remaining) {
                                ByteString lastPart = chunk.take((int) remaining);
                                remaining = 0;
                                push(out, lastPart);
                                completeStage();
                            } else {
                                remaining -= chunk.size();
                                push(out, chunk);
                            }
                        }

                        @Override
                        public void onUpstreamFinish() {
                            if (remaining > 0) {
                                failStage(new EOFException("message file ended " + remaining + " octets early"));
                            } else {
                                completeStage();
                            }
                        }
                    });
                    setHandler(out, new AbstractOutHandler() {
                        @Override
                        public void onPull() {
                            pull(in);
                        }
                    });
                }

                @Override
                public void preStart() {
                    if (size == 0) {
                        completeStage();
                    }
                }
            };
        }
    }
}
