package dev.tern.streams;

import java.util.List;

import org.apache.pekko.NotUsed;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.stage.AbstractGraphStageWithMaterializedValue;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.util.ByteString;

/**
 * Line framing for a connection that may switch to TLS: one fresh {@link LineSplitter}
 * per phase — cleartext, then TLS — so that whatever the cleartext framing still buffers
 * when the switch comes (a partial line a client or a man in the middle sent after
 * STARTTLS) is dropped with it and can never be prefixed to the first decrypted line.
 *
 * <p>The {@link TlsInbound.Established} marker comes out as {@link SessionInput.TlsStarted},
 * ahead of the first TLS lines. One stage for both phases: a connection costs no
 * substream materialization (splitting into per-phase substreams did, on its first line).
 *
 * <p>RFC 3030 BDAT: after a line that may announce octets ({@link CountedOctets#mayAnnounce})
 * the framing pauses, the rest of the read kept unsplit. Pulled again without a word it goes
 * on with lines; told to count ({@link CountedOctets.Switch}, the materialized value of
 * {@link #countingFlow}) it hands over exactly that many octets as {@link SessionInput.Octets},
 * then lines again. Each element is at most one read's worth: nothing is held beyond that.
 */
public final class TlsPhaseFraming
        extends AbstractGraphStageWithMaterializedValue<FlowShape<TlsInbound, SessionInput>, CountedOctets.Switch> {

    private final Inlet<TlsInbound> in = Inlet.create("TlsPhaseFraming.in");
    private final Outlet<SessionInput> out = Outlet.create("TlsPhaseFraming.out");
    private final FlowShape<TlsInbound, SessionInput> shape = FlowShape.of(in, out);
    private final int maxLineLength;

    private TlsPhaseFraming(int maxLineLength) {
        this.maxLineLength = LineSplitter.requireValidLimit(maxLineLength);
    }

    /** @param maxLineLength the longest line kept, without CRLF */
    public static Flow<TlsInbound, SessionInput, NotUsed> flow(int maxLineLength) {
        return countingFlow(maxLineLength).mapMaterializedValue(counting -> NotUsed.getInstance());
    }

    /** The same, with the switch to counted octets for BDAT. */
    static Flow<TlsInbound, SessionInput, CountedOctets.Switch> countingFlow(int maxLineLength) {
        return Flow.fromGraph(new TlsPhaseFraming(maxLineLength));
    }

    @Override
    public FlowShape<TlsInbound, SessionInput> shape() {
        return shape;
    }

    /** A count for the paused framing, and what to run once it is set. */
    private record Count(long octets, Runnable then) {
    }

    @Override
    public Pair<GraphStageLogic, CountedOctets.Switch> createLogicAndMaterializedValuePair(Attributes attributes) {
        Logic logic = new Logic();
        AsyncCallback<Count> counts = logic.counts;
        return Pair.create(logic, (octets, then) -> counts.invoke(new Count(octets, then)));
    }

    private final class Logic extends GraphStageLogic {
        final AsyncCallback<Count> counts = createAsyncCallback(this::onCount);
        private LineSplitter splitter = splitter();
        private boolean encrypted;
        /** Octets of the counted run still to hand over; 0 while framing lines. */
        private long counted;

        Logic() {
            super(shape);
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
                        splitter = splitter(); // the cleartext leftovers go with the old one
                        counted = 0;
                        push(out, new SessionInput.TlsStarted(established));
                        return;
                    }
                    produce(splitter.feed(((TlsInbound.Bytes) element).bytes()));
                }

                @Override
                public void onUpstreamFinish() {
                    // what is kept after a pause may still hold lines or octets: hand them over first
                    if (isAvailable(out)) {
                        completeStage();
                    }
                }
            });
            setHandler(out, new AbstractOutHandler() {
                @Override
                public void onPull() {
                    if (counted == 0 && splitter.paused()) {
                        splitter.resume(); // the paused line was no BDAT command: lines go on
                    }
                    produce(counted == 0 ? splitter.feed(ByteString.emptyByteString()) : List.of());
                }
            });
        }

        private LineSplitter splitter() {
            return new LineSplitter(maxLineLength, CountedOctets::mayAnnounce);
        }

        private void onCount(Count count) {
            if (!splitter.paused() || counted != 0) {
                failStage(new IllegalStateException("octets counted without a line announcing them"));
                return;
            }
            counted = count.octets();
            if (counted == 0) {
                splitter.resume();
            }
            count.then().run();
        }

        /** Pushes the lines, or octets of the counted run, or asks upstream for more. */
        private void produce(List<InputLine> lines) {
            if (!lines.isEmpty()) {
                push(out, new SessionInput.Lines(lines));
                return;
            }
            if (counted > 0 && splitter.buffered() > 0) {
                ByteString run = splitter.takeRaw(counted);
                counted -= run.size();
                if (counted == 0) {
                    splitter.resume();
                }
                push(out, new SessionInput.Octets(run));
                return;
            }
            if (isClosed(in)) {
                completeStage();
            } else {
                pull(in);
            }
        }
    }
}
