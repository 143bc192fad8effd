package dev.tern.streams;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.function.Consumer;

import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.stage.AbstractGraphStageWithMaterializedValue;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.stream.stage.TimerGraphStageLogic;
import org.apache.pekko.util.ByteString;

/**
 * Where a connection's stream meets its session actor: framed input goes to the session
 * only when it asks for it, and the session's replies wait here until the network takes
 * them. The session's requests arrive as {@link AsyncCallback}s, which run inside this
 * stage's interpreter, so there is no future, queue or extra actor per connection.
 *
 * <p>The stage reads (pulls from the framing, and so from the socket) only while the
 * session wants input and fewer than {@link #REPLY_LIMIT} octets of replies are unsent: a
 * client that pipelines commands without reading the answers is throttled by TCP, and its
 * connection holds at most one read chunk of input plus this much output.
 */
public final class SessionBridge extends AbstractGraphStageWithMaterializedValue<FlowShape<SessionInput, TlsOutbound>,
        ConnectionPort> {

    /** Unsent reply octets above which nothing more is read from the client. */
    public static final int REPLY_LIMIT = 64 * 1024;

    /** How long a closing connection waits for its client to read the last replies before it is aborted. */
    public static final Duration LINGER = Duration.ofSeconds(30);

    private final Inlet<SessionInput> in = Inlet.create("SessionBridge.in");
    private final Outlet<TlsOutbound> out = Outlet.create("SessionBridge.out");
    private final FlowShape<SessionInput, TlsOutbound> shape = FlowShape.of(in, out);
    private final Duration linger;

    public SessionBridge() {
        this(LINGER);
    }

    SessionBridge(Duration linger) {
        this.linger = linger;
    }

    @Override
    public FlowShape<SessionInput, TlsOutbound> shape() {
        return shape;
    }

    @Override
    public Pair<GraphStageLogic, ConnectionPort> createLogicAndMaterializedValuePair(Attributes inheritedAttributes) {
        Logic logic = new Logic();
        return Pair.create(logic, logic.port);
    }

    /** What a session asks of its connection, carried into the stage by one callback. */
    private sealed interface Request {
    }

    private record Send(TlsOutbound element, int size) implements Request {
    }

    private enum Signal implements Request { INPUT, WRITABLE, CLOSE }

    /** The materialized port: forwards requests into the stage; knows the session once it is opened. */
    private static final class Port implements ConnectionPort {
        private final AsyncCallback<Request> requests;
        private Consumer<SessionInput> session;
        private boolean ended;

        Port(AsyncCallback<Request> requests) {
            this.requests = requests;
        }

        @Override
        public void open(Consumer<SessionInput> session) {
            boolean endedAlready;
            synchronized (this) {
                this.session = session;
                endedAlready = ended;
            }
            if (endedAlready) {
                session.accept(SessionInput.ENDED);
            }
        }

        /** Sends {@link SessionInput.Ended} once, whether the session is known yet or not. */
        void end() {
            Consumer<SessionInput> target;
            synchronized (this) {
                if (ended) {
                    return;
                }
                ended = true;
                target = session;
            }
            if (target != null) {
                target.accept(SessionInput.ENDED);
            }
        }

        synchronized Consumer<SessionInput> session() {
            return session;
        }

        @Override
        public void requestInput() {
            requests.invoke(Signal.INPUT);
        }

        @Override
        public void notifyWhenWritable() {
            requests.invoke(Signal.WRITABLE);
        }

        @Override
        public void send(ByteString bytes) {
            requests.invoke(new Send(new TlsOutbound.Bytes(bytes), bytes.size()));
        }

        @Override
        public void startTls(ByteString reply) {
            requests.invoke(new Send(new TlsOutbound.StartTls(reply), reply.size()));
        }

        @Override
        public void close() {
            requests.invoke(Signal.CLOSE);
        }
    }

    private final class Logic extends TimerGraphStageLogic {

        private static final String LINGER_TIMER = "linger";

        final Port port = new Port(createAsyncCallback(this::onRequest));
        private final ArrayDeque<Send> unsent = new ArrayDeque<>();
        private long unsentOctets;
        private boolean inputWanted;
        private boolean writableWanted;
        private boolean inputEnded;
        private boolean closing;

        Logic() {
            super(shape);
            setHandler(in, new AbstractInHandler() {
                @Override
                public void onPush() {
                    inputWanted = false;
                    port.session().accept(grab(in));
                }

                @Override
                public void onUpstreamFinish() {
                    // The client is done sending; what it sent is still being handled, and the
                    // replies must still go out: the session hears of the end when it next asks.
                    inputEnded = true;
                    if (inputWanted) {
                        port.end();
                    }
                }
            });
            setHandler(out, new AbstractOutHandler() {
                @Override
                public void onPull() {
                    pushOrFinish();
                }
            });
        }

        private void onRequest(Request request) {
            if (request instanceof Send send) {
                if (closing) {
                    return;
                }
                unsent.add(send);
                unsentOctets += send.size();
                if (isAvailable(out)) {
                    pushOrFinish();
                }
            } else if (request == Signal.INPUT) {
                inputWanted = true;
                readIfRoom();
            } else if (request == Signal.WRITABLE) {
                writableWanted = true;
                tellIfWritable();
            } else {
                closing = true;
                if (unsent.isEmpty()) {
                    completeStage();
                } else {
                    scheduleOnce(LINGER_TIMER, linger);
                }
            }
        }

        private void pushOrFinish() {
            Send next = unsent.poll();
            if (next != null) {
                unsentOctets -= next.size();
                push(out, next.element());
                readIfRoom();
                tellIfWritable();
            } else if (closing) {
                completeStage();
            }
        }

        private void readIfRoom() {
            if (!inputWanted || unsentOctets >= REPLY_LIMIT) {
                return;
            }
            if (inputEnded) {
                port.end();
            } else if (!hasBeenPulled(in)) {
                pull(in);
            }
        }

        private void tellIfWritable() {
            if (writableWanted && unsentOctets < REPLY_LIMIT) {
                writableWanted = false;
                port.session().accept(SessionInput.WRITABLE);
            }
        }

        @Override
        public void onTimer(Object key) {
            // The client stopped reading and we are done with it: abort rather than hold the socket.
            failStage(new ClientNotReadingException(unsentOctets));
        }

        @Override
        public void postStop() {
            port.end();
        }
    }

    /** A closing connection's client left its last replies unread for {@link #LINGER}. */
    public static final class ClientNotReadingException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ClientNotReadingException(long unsent) {
            super("client left " + unsent + " reply octets unread; connection aborted", null, false, false);
        }
    }
}
