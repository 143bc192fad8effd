package dev.tern.session;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

import javax.net.ssl.SSLEngine;

import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.Tcp;

import org.apache.pekko.util.ByteString;

import dev.tern.protocol.DataPhase;
import dev.tern.protocol.SmtpReply;
import dev.tern.streams.StartTlsServerConnection;
import dev.tern.streams.StartTlsStage;

/**
 * One bound SMTP socket: binds with Pekko Streams TCP, and for every accepted connection
 * that the {@link ConnectionAdmission} lets in, runs the listener's one connection flow and
 * spawns a {@link SmtpSession} child with the flow's materialized port. A connection over
 * the limits gets its 421 and is closed; no session is made for it.
 */
public final class SmtpListener extends AbstractBehavior<SmtpListener.Command> {

    public sealed interface Command {
    }

    private record Bound(Tcp.ServerBinding binding) implements Command {
    }

    private record BindFailed(Throwable cause) implements Command {
    }

    private record Accepted(Tcp.IncomingConnection connection) implements Command {
    }

    /** Stop accepting, let sessions finish their transactions, answer when none is left. */
    public record Drain(ActorRef<Done> replyTo) implements Command {
    }

    /** Pending connections the kernel queues while sessions are being set up. */
    private static final int BACKLOG = 1024;

    private final ActorContext<Command> context;
    private final SessionSetup setup;
    private final InetSocketAddress address;
    private final CompletableFuture<InetSocketAddress> bound;
    private final Flow<ByteString, ByteString, StartTlsServerConnection.Connection> connectionFlow;
    private final ConnectionAdmission admission;
    private final Materializer materializer;
    /** Each running session, with the client address it was admitted for. */
    private final Map<ActorRef<SmtpSession.Command>, InetAddress> sessions = new HashMap<>();
    private Tcp.ServerBinding binding;
    private ActorRef<Done> drainedReplyTo;

    private SmtpListener(ActorContext<Command> context, SessionSetup setup, InetSocketAddress address,
                         Supplier<SSLEngine> tlsEngines, ConnectionAdmission admission,
                         CompletableFuture<InetSocketAddress> bound) {
        super(context);
        this.context = context;
        this.setup = setup;
        this.address = address;
        this.admission = admission;
        this.bound = bound;
        // One blueprint for all connections: what differs per connection is its materialized port.
        this.connectionFlow = StartTlsServerConnection.flow(DataPhase.MAX_TEXT_LINE, tlsEngines,
                setup.encryption() == SessionSetup.Encryption.IMPLICIT
                        ? StartTlsStage.Start.IN_TLS : StartTlsStage.Start.IN_CLEAR);
        this.materializer = Materializer.matFromSystem(context.getSystem());
    }

    /**
     * @param tlsEngines server-mode engines for STARTTLS or implicit TLS, one per connection
     * @param admission  the connection limits, shared by every listener of the service
     * @param bound      completed with the bound address, or failed if the bind fails
     */
    public static Behavior<Command> create(SessionSetup setup, InetSocketAddress address,
                                           Supplier<SSLEngine> tlsEngines, ConnectionAdmission admission,
                                           CompletableFuture<InetSocketAddress> bound) {
        return Behaviors.setup(context -> {
            SmtpListener listener = new SmtpListener(context, setup, address, tlsEngines, admission, bound);
            listener.bind();
            return listener;
        });
    }

    private void bind() {
        ActorRef<Command> self = context.getSelf();
        CompletionStage<Tcp.ServerBinding> binding = Tcp.get(context.getSystem())
                .bind(address.getHostString(), address.getPort(), BACKLOG, List.of(), false,
                        java.util.Optional.empty())
                .to(Sink.foreach(connection -> self.tell(new Accepted(connection))))
                .run(materializer);
        context.pipeToSelf(binding, (ok, failure) -> ok != null ? new Bound(ok) : new BindFailed(failure));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Bound.class, this::onBound)
                .onMessage(BindFailed.class, this::onBindFailed)
                .onMessage(Accepted.class, this::onAccepted)
                .onMessage(Drain.class, this::onDrain)
                .onSignal(Terminated.class, this::onSessionEnded)
                .build();
    }

    private Behavior<Command> onBound(Bound bound) {
        binding = bound.binding();
        context.getLog().info("listening on {}", bound.binding().localAddress());
        this.bound.complete(binding.localAddress());
        return this;
    }

    private Behavior<Command> onBindFailed(BindFailed failed) {
        bound.completeExceptionally(failed.cause());
        return Behaviors.stopped();
    }

    private Behavior<Command> onAccepted(Accepted accepted) {
        Tcp.IncomingConnection connection = accepted.connection();
        setup.metrics().connected();
        if (drainedReplyTo != null) {
            connection.handleWith(Flow.fromSinkAndSource(Sink.cancelled(), Source.empty()), materializer);
            return this;
        }
        InetAddress client = connection.remoteAddress().getAddress();
        SmtpReply refusal = admission.admit(client);
        if (refusal != null) {
            context.getLog().warn("client {} refused: {}", connection.remoteAddress(), refusal);
            setup.metrics().refused();
            // RFC 5321 §3.1: a server that will not serve may answer the connection with 421.
            connection.handleWith(Flow.fromSinkAndSourceCoupled(Sink.ignore(),
                    Source.single(ByteString.fromArrayUnsafe(refusal.toBytes()))), materializer);
            return this;
        }
        StartTlsServerConnection.Connection running = connection.handleWith(connectionFlow, materializer);
        ActorRef<SmtpSession.Command> session = context.spawnAnonymous(
                SmtpSession.create(setup, running.port(), connection.remoteAddress()));
        context.watch(session);
        sessions.put(session, client);
        return this;
    }

    private Behavior<Command> onDrain(Drain drain) {
        drainedReplyTo = drain.replyTo();
        if (binding != null) {
            binding.unbind();
        }
        sessions.keySet().forEach(session -> session.tell(new SmtpSession.Drain()));
        return answerIfDrained();
    }

    private Behavior<Command> onSessionEnded(Terminated terminated) {
        InetAddress client = sessions.remove(terminated.getRef());
        admission.release(client);
        return answerIfDrained();
    }

    private Behavior<Command> answerIfDrained() {
        if (drainedReplyTo != null && sessions.isEmpty()) {
            drainedReplyTo.tell(Done.getInstance());
        }
        return this;
    }
}
