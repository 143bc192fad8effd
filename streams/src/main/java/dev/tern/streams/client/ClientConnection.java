package dev.tern.streams.client;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;

import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.TLSRole;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.SinkQueueWithCancel;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.Tcp;
import org.apache.pekko.util.ByteString;

import dev.tern.streams.StartTlsStage;
import dev.tern.streams.TlsEngines;
import dev.tern.streams.TlsOutbound;

/**
 * One outgoing TCP connection as a running stream: what to write goes into a queue of
 * sources (a command is a one-element source, a message body a file-backed one, so the body
 * is read only as fast as the network takes it); what the server sends comes out as
 * {@link ServerEvent}s to be pulled one at a time.
 *
 * <pre>
 * queue of sources → flatMapConcat → StartTlsStage(client) ⇄ kill switch ⇄ TCP
 *                           events ← ReplyFraming ←─┘
 * </pre>
 */
final class ClientConnection {

    /** How long a graceful close may take before the connection is cut. */
    private static final Duration CLOSE_GRACE = Duration.ofSeconds(5);
    private static final int QUEUE_SIZE = 16;

    private final ClassicActorSystemProvider system;
    private final BoundedSourceQueue<Source<TlsOutbound, NotUsed>> outbound;
    private final SinkQueueWithCancel<ServerEvent> inbound;
    private final CompletionStage<Tcp.OutgoingConnection> connected;
    private final UniqueKillSwitch killSwitch;

    private ClientConnection(ClassicActorSystemProvider system, BoundedSourceQueue<Source<TlsOutbound, NotUsed>> outbound,
                             SinkQueueWithCancel<ServerEvent> inbound, CompletionStage<Tcp.OutgoingConnection> connected,
                             UniqueKillSwitch killSwitch) {
        this.system = system;
        this.outbound = outbound;
        this.inbound = inbound;
        this.connected = onCompletingThread(connected);
        this.killSwitch = killSwitch;
    }

    /**
     * Starts connecting at once.
     *
     * @param serverName the host name for the TLS engine (SNI)
     * @param tlsContext null when STARTTLS will never be used
     */
    static ClientConnection open(ClassicActorSystemProvider system, InetSocketAddress address, String serverName,
                                 SSLContext tlsContext, Duration connectTimeout) {
        Supplier<SSLEngine> engines = tlsContext != null
                ? TlsEngines.client(tlsContext, serverName, address.getPort())
                : () -> {
                    throw new IllegalStateException("STARTTLS without a TLS context");
                };
        Flow<ByteString, ByteString, Pair<CompletionStage<Tcp.OutgoingConnection>, UniqueKillSwitch>> tcp =
                Tcp.get(system).outgoingConnection(address, Optional.empty(), List.of(), true,
                                Optional.of(connectTimeout), Optional.empty())
                        .viaMat(KillSwitches.single(), Keep.both());
        var connection = StartTlsStage.create(TLSRole.client(), engines).join(tcp, Keep.right());
        var running = Source.<Source<TlsOutbound, NotUsed>>queue(QUEUE_SIZE)
                .flatMapConcat(source -> source)
                .viaMat(connection, Keep.both())
                .via(ReplyFraming.flow())
                .toMat(Sink.queue(), Keep.both())
                .run(Materializer.matFromSystem(system));
        return new ClientConnection(system, running.first().first(), running.second(),
                running.first().second().first(), running.first().second().second());
    }

    /** Completes when the TCP connection is established; fails when it cannot be. */
    CompletionStage<Tcp.OutgoingConnection> connected() {
        return connected;
    }

    /** Writes command text (with its CRLFs) as UTF-8: ASCII, or UTF-8 addresses after SMTPUTF8 (RFC 6531 §3.3). */
    boolean write(String text) {
        return write(Source.single(new TlsOutbound.Bytes(ByteString.fromString(text, StandardCharsets.UTF_8))));
    }

    /** Queues octets for the server; false when the connection is already gone. */
    boolean write(Source<TlsOutbound, NotUsed> octets) {
        return outbound.offer(octets) == QueueOfferResult.enqueued();
    }

    /**
     * Queues the octets of a message, read only as fast as the connection takes them. The
     * stage completes when the last one has been taken, or fails with the source's failure;
     * empty when the connection is already gone.
     */
    Optional<CompletionStage<Done>> stream(Source<ByteString, NotUsed> octets) {
        CompletableFuture<Done> taken = new CompletableFuture<>();
        Source<TlsOutbound, NotUsed> source = octets
                .watchTermination((mat, done) -> {
                    onCompletingThread(done).whenComplete((ok, error) -> {
                        if (error == null) {
                            taken.complete(ok);
                        } else {
                            taken.completeExceptionally(error);
                        }
                    });
                    return mat;
                })
                .map(bytes -> (TlsOutbound) new TlsOutbound.Bytes(bytes));
        return write(source) ? Optional.of(taken) : Optional.empty();
    }

    /** Switches to TLS after everything written so far. */
    boolean startTls() {
        return write(Source.single(new TlsOutbound.StartTls()));
    }

    /**
     * The next event; empty when the server closed the connection. Only one pull may be
     * outstanding at a time.
     */
    CompletionStage<Optional<ServerEvent>> next() {
        return onCompletingThread(inbound.pull());
    }

    /**
     * The same outcome as a plain {@link CompletableFuture}, completed on the thread that
     * completes {@code stage}. Pekko's javadsl stages are Scala futures seen through
     * {@code FutureConverters}, which run even non-async callbacks on the common pool; with
     * fewer than 3 cores that pool has one thread and the JDK starts a new thread for every
     * callback instead (measured: 6 threads a relayed message). An explicit executor that
     * runs on the caller's thread keeps the callbacks where the reply arrived.
     */
    static <T> CompletableFuture<T> onCompletingThread(CompletionStage<T> stage) {
        CompletableFuture<T> plain = new CompletableFuture<>();
        stage.whenCompleteAsync((value, error) -> {
            if (error == null) {
                plain.complete(value);
            } else {
                plain.completeExceptionally(error);
            }
        }, Runnable::run);
        return plain;
    }

    /** Ends the conversation gracefully (close_notify under TLS), cutting it if that takes too long. */
    void close() {
        try {
            outbound.complete();
        } catch (IllegalStateException alreadyEnded) {
            // nothing more to close on the way out
        }
        inbound.cancel();
        system.classicSystem().scheduler().scheduleOnce(CLOSE_GRACE, this::abort, system.classicSystem().dispatcher());
    }

    /** Cuts the connection at once. */
    void abort() {
        killSwitch.abort(new ConnectionAborted());
        try {
            outbound.fail(new ConnectionAborted());
        } catch (IllegalStateException alreadyEnded) {
            // completed by close() or failed before: the kill switch did the rest
        }
    }

    /** The reason given to the stream when the client cuts the connection. */
    static final class ConnectionAborted extends RuntimeException {
        ConnectionAborted() {
            super("connection closed by the client", null, false, false);
        }
    }
}
