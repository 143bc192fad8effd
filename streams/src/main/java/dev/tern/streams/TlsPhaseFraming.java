package dev.tern.streams;

import java.util.List;

import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.GraphStageLogic;

/**
 * Line framing for a connection that may switch to TLS: one fresh {@link LineSplitter}
 * per phase — cleartext, then TLS — so that whatever the cleartext framing still buffers
 * when the switch comes (a partial line a client or a man in the middle sent after
 * STARTTLS) is dropped with it and can never be prefixed to the first decrypted line.
 *
 * <p>The {@link TlsInbound.Established} marker comes out as {@link SessionInput.TlsStarted},
 * ahead of the first TLS lines. One stage for both phases: a connection costs no
 * substream materialization (splitting into per-phase substreams did, on its first line).
 */
public final class TlsPhaseFraming extends LinearStage<TlsInbound, SessionInput> {

    private final int maxLineLength;

    private TlsPhaseFraming(int maxLineLength) {
        super("TlsPhaseFraming");
        this.maxLineLength = LineSplitter.requireValidLimit(maxLineLength);
    }

    /** @param maxLineLength the longest line kept, without CRLF */
    public static Flow<TlsInbound, SessionInput, NotUsed> flow(int maxLineLength) {
        return Flow.fromGraph(new TlsPhaseFraming(maxLineLength));
    }


    @Override
    public GraphStageLogic createLogic(Attributes inheritedAttributes) {
        return new GraphStageLogic(shape()) {
            private LineSplitter splitter = new LineSplitter(maxLineLength);
            private boolean encrypted;

            {
                setHandler(in, new AbstractInHandler() {
                    @Override
                    public void onPush() {
                        TlsInbound element = grab(in);
                        if (element instanceof TlsInbound.Established established) {
                            if (encrypted) {
                                failStage(new IllegalStateException("a second TLS handshake on one connection"));
                                return;
                            }
                            encrypted = true;
                            splitter = new LineSplitter(maxLineLength); // the cleartext leftovers go with the old one
                            push(out, new SessionInput.TlsStarted(established));
                            return;
                        }
                        List<InputLine> lines = splitter.feed(((TlsInbound.Bytes) element).bytes());
                        if (lines.isEmpty()) {
                            pull(in);
                        } else {
                            push(out, new SessionInput.Lines(lines));
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
        };
    }
}
