package dev.tern.streams;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Supplier;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;

import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.BidiShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.TLSClosing;
import org.apache.pekko.stream.TLSClosing$;
import org.apache.pekko.stream.TLSProtocol;
import org.apache.pekko.stream.TLSRole;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.TLS;
import org.apache.pekko.stream.stage.AbstractGraphStageWithMaterializedValue;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.util.ByteString;

/**
 * STARTTLS for a Pekko Streams connection: passes octets straight through in both
 * directions until the application sends {@link TlsOutbound.StartTls}, then runs the rest
 * of the connection through Pekko's own {@link TLS} stage — materialized at that moment,
 * inside this stage, so its SSLEngine pump is reused and a client-role engine sends its
 * ClientHello only after the switch.
 *
 * <pre>
 *            +-----------------------------------------+
 *  app out → | appOut ─┬─ plain ───────────→ netOut ─┐ | → network
 *            |         └─ TLS plaintext in          │ |
 *            |            TLS ciphertext out ───────┘ |
 *  app in  ← | appIn ←─┬─ plain ←────────── netIn  ←┐ | ← network
 *            |         └─ TLS plaintext out          │ |
 *            |            TLS ciphertext in ←────────┘ |
 *            +-----------------------------------------+
 * </pre>
 *
 * <p>As a {@code BidiFlow<TlsOutbound, ByteString, ByteString, TlsInbound>} it sits between
 * the application and the transport: {@code stage.reversed().join(app)} is a
 * {@code Flow<ByteString, ByteString>} for {@code IncomingConnection.handleWith}, and
 * {@code stage.join(transport)} a client-side flow over an outgoing connection.
 *
 * <p><b>The switch, octet by octet.</b> In clear the stage holds nothing: it pulls the
 * application's next element only when the network can take it, and reads the network only
 * when the application asked for input, handing each chunk on at once. When it takes
 * {@code StartTls(lastPlaintext)}:
 * <ol>
 * <li>everything the application sent before it has already been handed to the network
 *     (the stage pulls one element at a time and pushes it through); {@code lastPlaintext}
 *     is pushed next, the last octets in clear;</li>
 * <li>no received octet is handed to the application in clear any more. A network read
 *     that was already requested delivers into the TLS stage's ciphertext input — it was
 *     read after the switch, so it is either the peer's first handshake record or garbage
 *     that makes the handshake fail; it is never delivered as application data;</li>
 * <li>TLS is materialized; its ciphertext output goes to the network after
 *     {@code lastPlaintext}.</li>
 * </ol>
 * Octets received in clear <em>before</em> the switch but after the STARTTLS command (the
 * injected {@code RSET} of CVE-2011-0411) have already left this stage: they sit in the
 * application's line framing or in the batch it is handling. This stage marks the boundary
 * with {@link TlsInbound.Established} — strictly after every cleartext element and strictly
 * before the first decrypted one — and the application discards what came in clear between
 * its STARTTLS and that marker ({@link TlsPhaseFraming} does so for the framing buffer).
 *
 * <p>The materialized value completes with the same {@link TlsInbound.Established} when the
 * handshake finishes, and fails if the stage stops first.
 */
public final class StartTlsStage extends AbstractGraphStageWithMaterializedValue<
        BidiShape<TlsOutbound, ByteString, ByteString, TlsInbound>, CompletionStage<TlsInbound.Established>> {

    /**
     * TLS closing for SMTP: the application's input side being cancelled (as
     * {@code Flow.fromSinkAndSourceCoupled} does once the session closes its replies) does not
     * cut off the replies still on their way — the 221 goes out, then close_notify; the
     * application completing its output closes the TLS session.
     */
    public static final TLSClosing CLOSING = TLSClosing$.MODULE$.ignoreCancel();

    private final TLSRole role;
    private final Supplier<SSLEngine> engines;
    private final Consumer<SSLSession> verifier;
    private final TLSClosing closing;
    private final Start start;

    /** Whether a connection begins in clear (STARTTLS may follow) or in TLS (implicit TLS, RFC 8314). */
    public enum Start { IN_CLEAR, IN_TLS }

    private final Inlet<TlsOutbound> appOut = Inlet.create("StartTls.appOut");
    private final Outlet<ByteString> netOut = Outlet.create("StartTls.netOut");
    private final Inlet<ByteString> netIn = Inlet.create("StartTls.netIn");
    private final Outlet<TlsInbound> appIn = Outlet.create("StartTls.appIn");
    private final BidiShape<TlsOutbound, ByteString, ByteString, TlsInbound> shape =
            BidiShape.of(appOut, netOut, netIn, appIn);

    /**
     * @param role     whose handshake: {@link TLSRole#server()} or {@link TLSRole#client()};
     *                 each engine is put into that mode
     * @param engines  a fresh engine per connection, e.g. {@link TlsEngines#server}
     * @param verifier called with the session when the handshake finishes, before any
     *                 application data; throwing aborts the connection (a client's
     *                 certificate policy goes here)
     * @param closing  Pekko's TLS closing behaviour
     */
    public StartTlsStage(TLSRole role, Supplier<SSLEngine> engines, Consumer<SSLSession> verifier,
                         TLSClosing closing) {
        this(role, engines, verifier, closing, Start.IN_CLEAR);
    }

    /**
     * @param start {@link Start#IN_TLS} switches before a single octet is read, so a client's
     *              ClientHello can never be taken for cleartext
     */
    public StartTlsStage(TLSRole role, Supplier<SSLEngine> engines, Consumer<SSLSession> verifier,
                         TLSClosing closing, Start start) {
        if (!role.equals(TLSRole.server()) && !role.equals(TLSRole.client())) {
            throw new IllegalArgumentException("unknown role " + role);
        }
        this.role = role;
        this.engines = engines;
        this.verifier = verifier;
        this.closing = closing;
        this.start = start;
    }

    /**
     * Server or client role, no extra session check, and {@link #CLOSING}: when the
     * application stops reading, what it still writes is sent before close_notify.
     */
    public static BidiFlow<TlsOutbound, ByteString, ByteString, TlsInbound, CompletionStage<TlsInbound.Established>>
            create(TLSRole role, Supplier<SSLEngine> engines) {
        return BidiFlow.fromGraph(new StartTlsStage(role, engines, session -> { }, CLOSING));
    }

    /**
     * The server side of a connection, ready for {@code IncomingConnection.handleWith}
     * once joined: {@code StartTlsStage.server(engines).join(app)}.
     */
    public static BidiFlow<ByteString, TlsInbound, TlsOutbound, ByteString, CompletionStage<TlsInbound.Established>>
            server(Supplier<SSLEngine> engines) {
        return server(engines, Start.IN_CLEAR);
    }

    /** As {@link #server(Supplier)}, beginning in clear or in TLS. */
    public static BidiFlow<ByteString, TlsInbound, TlsOutbound, ByteString, CompletionStage<TlsInbound.Established>>
            server(Supplier<SSLEngine> engines, Start start) {
        return BidiFlow.fromGraph(new StartTlsStage(TLSRole.server(), engines, session -> { }, CLOSING, start))
                .reversed();
    }

    @Override
    public BidiShape<TlsOutbound, ByteString, ByteString, TlsInbound> shape() {
        return shape;
    }

    @Override
    public Pair<GraphStageLogic, CompletionStage<TlsInbound.Established>> createLogicAndMaterializedValuePair(
            Attributes inheritedAttributes) {
        CompletableFuture<TlsInbound.Established> handshake = new CompletableFuture<>();
        return Pair.create(new Logic(handshake), handshake.minimalCompletionStage());
    }

    private SSLEngine engine() {
        SSLEngine engine = engines.get();
        boolean client = role.equals(TLSRole.client());
        if (engine.getUseClientMode() != client) {
            engine.setUseClientMode(client);
        }
        return engine;
    }

    private final class Logic extends GraphStageLogic {

        private final CompletableFuture<TlsInbound.Established> handshake;
        private final AsyncCallback<TlsInbound.Established> onHandshake = createAsyncCallback(this::handshakeDone);

        /** Set when {@code StartTls} was taken: from then on nothing is passed in clear. */
        private boolean secure;

        // the four ports of the TLS stage, created at the switch
        private SubSourceOutlet<TLSProtocol.SslTlsOutbound> toTlsPlain;
        private SubSinkInlet<TLSProtocol.SslTlsInbound> fromTlsPlain;
        private SubSourceOutlet<ByteString> toTlsCipher;
        private SubSinkInlet<ByteString> fromTlsCipher;

        /** A network read requested in clear that arrived after the switch, for the TLS stage. */
        private ByteString pendingCipher;
        private TlsInbound.Established established;
        private boolean establishedDelivered;
        /** Decrypted octets waiting for the {@code Established} marker to go first. */
        private TlsInbound.Bytes heldPlain;
        private boolean tlsPlainFinished;
        private Throwable failure;

        Logic(CompletableFuture<TlsInbound.Established> handshake) {
            super(shape);
            this.handshake = handshake;

            setHandler(appOut, new AbstractInHandler() {
                @Override
                public void onPush() {
                    TlsOutbound element = grab(appOut);
                    if (element instanceof TlsOutbound.Bytes bytes) {
                        if (secure) {
                            toTlsPlain.push(new TLSProtocol.SendBytes(bytes.bytes()));
                        } else {
                            push(netOut, bytes.bytes());
                        }
                    } else if (element instanceof TlsOutbound.StartTls startTls) {
                        if (secure) {
                            fail(new IllegalStateException("STARTTLS on a connection already switched to TLS"));
                        } else {
                            switchToTls(startTls.lastPlaintext());
                        }
                    }
                }

                @Override
                public void onUpstreamFinish() {
                    if (secure) {
                        toTlsPlain.complete(); // TLS sends close_notify
                    } else {
                        complete(netOut);
                    }
                }

                @Override
                public void onUpstreamFailure(Throwable ex) {
                    if (secure) {
                        recordFailure(ex);
                        toTlsPlain.fail(ex); // TLS fails in turn and ends the connection
                    } else {
                        fail(ex);
                    }
                }
            });

            setHandler(netOut, new AbstractOutHandler() {
                @Override
                public void onPull() {
                    if (!secure) {
                        pull(appOut);
                    } else if (!fromTlsCipher.hasBeenPulled() && !fromTlsCipher.isClosed()) {
                        fromTlsCipher.pull();
                    }
                }
            });

            setHandler(netIn, new AbstractInHandler() {
                @Override
                public void onPush() {
                    ByteString bytes = grab(netIn);
                    if (!secure) {
                        push(appIn, new TlsInbound.Bytes(bytes));
                    } else if (toTlsCipher.isClosed()) {
                        return; // TLS stopped reading: it is closing the connection
                    } else if (toTlsCipher.isAvailable()) {
                        toTlsCipher.push(bytes);
                    } else {
                        pendingCipher = bytes; // requested in clear, read after the switch: TLS input
                    }
                }

                @Override
                public void onUpstreamFinish() {
                    if (!secure) {
                        complete(appIn);
                    } else if (pendingCipher == null) {
                        toTlsCipher.complete();
                    }
                }

                @Override
                public void onUpstreamFailure(Throwable ex) {
                    fail(ex);
                }
            });

            setHandler(appIn, new AbstractOutHandler() {
                @Override
                public void onPull() {
                    if (secure) {
                        deliver();
                    } else if (!hasBeenPulled(netIn) && !isClosed(netIn)) {
                        pull(netIn);
                    }
                }

                /** The application stopped reading: stop reading, but let its last replies go out. */
                @Override
                public void onDownstreamFinish(Throwable cause) {
                    if (secure) {
                        fromTlsPlain.cancel(cause); // TLSClosing decides whether TLS flushes first
                    } else {
                        cancel(netIn, cause);
                    }
                }
            });
        }

        @Override
        public void preStart() {
            if (start == Start.IN_TLS) {
                switchToTls(ByteString.emptyByteString());
            }
        }

        private void switchToTls(ByteString lastPlaintext) {
            secure = true;
            if (!lastPlaintext.isEmpty()) {
                push(netOut, lastPlaintext); // available: appOut is pulled only when netOut is
            }

            toTlsPlain = new SubSourceOutlet<>("StartTls.toTlsPlain");
            toTlsPlain.setHandler(new AbstractOutHandler() {
                @Override
                public void onPull() {
                    if (!hasBeenPulled(appOut) && !isClosed(appOut)) {
                        pull(appOut);
                    }
                }

                /**
                 * TLS stopped taking plaintext: it is failing or closing, and says which on its
                 * outputs. Cancelling the application's output here would, through
                 * {@code fromSinkAndSourceCoupled}, cancel its input before the reason arrives.
                 */
                @Override
                public void onDownstreamFinish(Throwable cause) {
                }
            });

            fromTlsPlain = new SubSinkInlet<>("StartTls.fromTlsPlain");
            fromTlsPlain.setHandler(new AbstractInHandler() {
                @Override
                public void onPush() {
                    TLSProtocol.SslTlsInbound element = fromTlsPlain.grab();
                    if (element instanceof TLSProtocol.SessionBytes sessionBytes) {
                        if (established == null) {
                            established = TlsInbound.Established.of(sessionBytes.session());
                        }
                        heldPlain = new TlsInbound.Bytes(sessionBytes.bytes());
                    } // SessionTruncated: the peer closed without close_notify; completion follows
                    deliver();
                }

                @Override
                public void onUpstreamFinish() {
                    tlsPlainFinished = true;
                    deliver();
                }

                /**
                 * A failed handshake or a broken record: the application learns it here; the
                 * network side is left to TLS, which sends its alert and then ends its
                 * ciphertext output, which closes the connection.
                 */
                @Override
                public void onUpstreamFailure(Throwable ex) {
                    recordFailure(ex);
                    fail(appIn, ex);
                }
            });

            toTlsCipher = new SubSourceOutlet<>("StartTls.toTlsCipher");
            toTlsCipher.setHandler(new AbstractOutHandler() {
                @Override
                public void onPull() {
                    if (pendingCipher != null) {
                        ByteString bytes = pendingCipher;
                        pendingCipher = null;
                        toTlsCipher.push(bytes);
                        if (isClosed(netIn)) {
                            toTlsCipher.complete();
                        }
                    } else if (!hasBeenPulled(netIn) && !isClosed(netIn)) {
                        pull(netIn);
                    }
                }

                /**
                 * TLS stopped reading: it failed or is closing, and completes or fails its
                 * ciphertext output next, which closes the connection. Cancelling the socket's
                 * input here instead would close it before TLS flushes a final alert.
                 */
                @Override
                public void onDownstreamFinish(Throwable cause) {
                    pendingCipher = null;
                }
            });

            fromTlsCipher = new SubSinkInlet<>("StartTls.fromTlsCipher");
            fromTlsCipher.setHandler(new AbstractInHandler() {
                @Override
                public void onPush() {
                    push(netOut, fromTlsCipher.grab()); // pulled only when netOut was available
                }

                @Override
                public void onUpstreamFinish() {
                    complete(netOut);
                }

                @Override
                public void onUpstreamFailure(Throwable ex) {
                    fail(ex);
                }
            });

            Flow<ByteString, ByteString, ?> transport = Flow.fromSinkAndSource(
                    Sink.fromGraph(fromTlsCipher.sink()), Source.fromGraph(toTlsCipher.source()));
            Source.fromGraph(toTlsPlain.source())
                    .via(TLS.create(StartTlsStage.this::engine, this::verify, closing).join(transport))
                    .to(Sink.fromGraph(fromTlsPlain.sink()))
                    .run(subFusingMaterializer());

            if (isClosed(netIn) && pendingCipher == null) {
                toTlsCipher.complete();
            }
            if (isAvailable(netOut)) {
                fromTlsCipher.pull();
            }
            if (isClosed(appOut)) {
                toTlsPlain.complete();
            }
            deliver();
        }

        /** Runs in the TLS stage's actor when the handshake finished, before it unwraps any data. */
        private void verify(SSLSession session) {
            verifier.accept(session); // throws to reject the session
            TlsInbound.Established done = TlsInbound.Established.of(session);
            handshake.complete(done);
            onHandshake.invoke(done);
        }

        private void handshakeDone(TlsInbound.Established done) {
            if (established == null) {
                established = done;
            }
            deliver();
        }

        /** After the switch: the {@code Established} marker first, then decrypted octets. */
        private void deliver() {
            if (isClosed(appIn)) {
                return;
            }
            if (isAvailable(appIn)) {
                if (established != null && !establishedDelivered) {
                    establishedDelivered = true;
                    if (!handshake.isDone()) {
                        handshake.complete(established);
                    }
                    push(appIn, established);
                } else if (heldPlain != null) {
                    TlsInbound.Bytes bytes = heldPlain;
                    heldPlain = null;
                    push(appIn, bytes);
                } else if (!tlsPlainFinished && !fromTlsPlain.hasBeenPulled() && !fromTlsPlain.isClosed()) {
                    fromTlsPlain.pull();
                }
            }
            if (tlsPlainFinished && heldPlain == null && (established == null || establishedDelivered)) {
                complete(appIn);
            }
        }

        private void fail(Throwable cause) {
            recordFailure(cause);
            failStage(cause);
        }

        private void recordFailure(Throwable cause) {
            if (failure == null) {
                failure = cause;
            }
            if (!handshake.isDone()) {
                handshake.completeExceptionally(cause);
            }
        }

        @Override
        public void postStop() {
            if (!handshake.isDone()) {
                SSLException ended = new SSLException("the connection ended before a TLS handshake completed");
                if (failure != null) {
                    ended.initCause(failure);
                }
                handshake.completeExceptionally(ended);
            }
        }
    }
}
