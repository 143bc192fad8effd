package dev.tern.streams.client;

import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.util.ByteString;
import org.apache.pekko.util.ByteStringBuilder;

import dev.tern.streams.LinearStage;

/**
 * Message octets to DATA octets (RFC 5321 §4.5.2): a line starting with {@code '.'} gets one
 * more, and the end of the message is marked with {@code ".\r\n"} — after an extra CRLF if the
 * message does not end with one, so the terminating dot always starts a line.
 *
 * <p>A line starts at the beginning of the message and after every LF, even one without CR.
 * Stored messages are CRLF lines, so this matters only for a stray bare LF; stuffing after it
 * keeps a receiver that (wrongly) ends lines at bare LF from seeing an early end of data.
 *
 * <p>Chunks without a dot at a line start pass through as they are; the stage holds no more
 * than one chunk.
 */
final class DotStuffing extends LinearStage<ByteString, ByteString> {

    private static final ByteString END = ByteString.fromString(".\r\n");
    private static final ByteString CRLF_END = ByteString.fromString("\r\n.\r\n");


    private DotStuffing() {
        super("DotStuffing");
    }

    static Flow<ByteString, ByteString, NotUsed> flow() {
        return Flow.fromGraph(new DotStuffing());
    }


    @Override
    public GraphStageLogic createLogic(Attributes inheritedAttributes) {
        return new GraphStageLogic(shape()) {
            private boolean atLineStart = true;
            private byte last;
            private byte beforeLast;
            private long octets;

            {
                setHandler(in, new AbstractInHandler() {
                    @Override
                    public void onPush() {
                        ByteString chunk = grab(in);
                        if (chunk.isEmpty()) {
                            pull(in);
                        } else {
                            push(out, stuff(chunk));
                        }
                    }

                    @Override
                    public void onUpstreamFinish() {
                        boolean endsWithCrlf = octets >= 2 && beforeLast == '\r' && last == '\n';
                        emit(out, octets == 0 || endsWithCrlf ? END : CRLF_END, () -> completeStage());
                    }
                });
                setHandler(out, new AbstractOutHandler() {
                    @Override
                    public void onPull() {
                        pull(in);
                    }
                });
            }

            private ByteString stuff(ByteString chunk) {
                ByteStringBuilder stuffed = null;
                int copied = 0;
                for (int i = 0; i < chunk.size(); i++) {
                    byte b = chunk.apply(i);
                    if (atLineStart && b == '.') {
                        if (stuffed == null) {
                            stuffed = new ByteStringBuilder();
                        }
                        stuffed.append(chunk.slice(copied, i)).putByte((byte) '.');
                        copied = i;
                    }
                    atLineStart = b == '\n';
                }
                octets += chunk.size();
                beforeLast = chunk.size() >= 2 ? chunk.apply(chunk.size() - 2) : last;
                last = chunk.apply(chunk.size() - 1);
                if (stuffed == null) {
                    return chunk;
                }
                return stuffed.append(chunk.slice(copied, chunk.size())).result();
            }
        };
    }
}
