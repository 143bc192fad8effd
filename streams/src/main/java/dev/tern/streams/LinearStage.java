package dev.tern.streams;

import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.stage.GraphStage;

/**
 * A one-in, one-out stage's ports, declared once: an inlet and an outlet named after the
 * stage, and their shape. Subclasses write only their logic.
 */
public abstract class LinearStage<I, O> extends GraphStage<FlowShape<I, O>> {

    protected final Inlet<I> in;
    protected final Outlet<O> out;
    private final FlowShape<I, O> shape;

    protected LinearStage(String name) {
        this.in = Inlet.create(name + ".in");
        this.out = Outlet.create(name + ".out");
        this.shape = FlowShape.of(in, out);
    }

    @Override
    public final FlowShape<I, O> shape() {
        return shape;
    }
}
