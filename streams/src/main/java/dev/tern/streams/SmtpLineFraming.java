package dev.tern.streams;

import java.util.List;

import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.util.ByteString;

/**
 * Splits an SMTP byte stream at CRLF — and only at CRLF, so that a bare LF or CR stays
 * visible inside the line (RFC 5321 §2.3.8; the SMTP smuggling defence depends on it).
 *
 * <p>Unlike Pekko's {@code Framing.delimiter}, a line over the limit does not fail the
 * stream: its octets are dropped as they arrive and an {@link InputLine.Overlong} marks
 * its place, so the session can answer 500 and go on. Memory stays bounded by the limit
 * plus one TCP read, whatever the client sends.
 *
 * <p>Each element is every complete line of one upstream chunk: a pipelining client's
 * commands, or a run of message lines, travel to the session together.
 */
public final class SmtpLineFraming extends GraphStage<FlowShape<ByteString, List<InputLine>>> {

    private final int maxLineLength;
    private final Inlet<ByteString> in = Inlet.create("SmtpLineFraming.in");
    private final Outlet<List<InputLine>> out = Outlet.create("SmtpLineFraming.out");
    private final FlowShape<ByteString, List<InputLine>> shape = FlowShape.of(in, out);

    /** @param maxLineLength the longest line kept, in octets without the CRLF */
    public SmtpLineFraming(int maxLineLength) {
        this.maxLineLength = LineSplitter.requireValidLimit(maxLineLength);
    }

    public static Flow<ByteString, List<InputLine>, NotUsed> flow(int maxLineLength) {
        return Flow.fromGraph(new SmtpLineFraming(maxLineLength));
    }

    @Override
    public FlowShape<ByteString, List<InputLine>> shape() {
        return shape;
    }

    @Override
    public GraphStageLogic createLogic(Attributes inheritedAttributes) {
        return new GraphStageLogic(shape) {
            private final LineSplitter splitter = new LineSplitter(maxLineLength);

            {
                setHandler(in, new AbstractInHandler() {
                    @Override
                    public void onPush() {
                        List<InputLine> lines = splitter.feed(grab(in));
                        if (lines.isEmpty()) {
                            pull(in);
                        } else {
                            push(out, lines);
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
