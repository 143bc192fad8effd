package dev.tern.session;

import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
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
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.Tcp;

import dev.tern.protocol.DataPhase;
import dev.tern.streams.SessionInput;
import dev.tern.streams.StartTlsServerConnection;
import dev.tern.streams.StartTlsStage;

/**
 * One bound SMTP socket: binds with Pekko Streams TCP, and for every accepted connection
 * spawns a {@link SmtpSession} child and wires the connection's stream to it.
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
    private final Supplier<SSLEngine> tlsEngines;
    private final Materializer materializer;
    private final Set<ActorRef<SmtpSession.Command>> sessions = new HashSet<>();
    private Tcp.ServerBinding binding;
    private ActorRef<Done> drainedReplyTo;

    private SmtpListener(ActorContext<Command> context, SessionSetup setup, InetSocketAddress address,
                         Supplier<SSLEngine> tlsEngines, CompletableFuture<InetSocketAddress> bound) {
        super(context);
        this.context = context;
        this.setup = setup;
        this.address = address;
        this.tlsEngines = tlsEngines;
        this.bound = bound;
        this.materializer = Materializer.matFromSystem(context.getSystem());
    }

    /**
     * @param tlsEngines server-mode engines for STARTTLS or implicit TLS, one per connection
     * @param bound      completed with the bound address, or failed if the bind fails
     */
    public static Behavior<Command> create(SessionSetup setup, InetSocketAddress address,
                                           Supplier<SSLEngine> tlsEngines, CompletableFuture<InetSocketAddress> bound) {
        return Behaviors.setup(context -> {
            SmtpListener listener = new SmtpListener(context, setup, address, tlsEngines, bound);
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
        if (drainedReplyTo != null) {
            connection.handleWith(org.apache.pekko.stream.javadsl.Flow.fromSinkAndSource(Sink.cancelled(),
                    Source.empty()), materializer);
            return this;
        }
        // The session needs the connection's reply channel, and the connection hands input to
        // the session: the first input waits (asynchronously) until the session exists.
        CompletableFuture<ActorRef<SmtpSession.Command>> sessionRef = new CompletableFuture<>();
        StartTlsServerConnection.Connection running = connection.handleWith(
                StartTlsServerConnection.flow(input -> sessionRef.thenCompose(session -> {
                    CompletableFuture<Done> handled = new CompletableFuture<>();
                    session.tell(input instanceof SessionInput.Lines lines
                            ? new SmtpSession.Received(lines.lines(), handled)
                            : new SmtpSession.TlsStarted(((SessionInput.TlsStarted) input).tls(), handled));
                    return handled;
                }), DataPhase.MAX_TEXT_LINE, tlsEngines,
                        setup.encryption() == SessionSetup.Encryption.IMPLICIT
                                ? StartTlsStage.Start.IN_TLS : StartTlsStage.Start.IN_CLEAR), materializer);
        ActorRef<SmtpSession.Command> session = context.spawnAnonymous(
                SmtpSession.create(setup, running.replies(), connection.remoteAddress()));
        context.watch(session);
        sessions.add(session);
        sessionRef.complete(session);
        running.inputEnded().whenComplete((done, failure) -> session.tell(new SmtpSession.InputEnded()));
        return this;
    }

    private Behavior<Command> onDrain(Drain drain) {
        drainedReplyTo = drain.replyTo();
        if (binding != null) {
            binding.unbind();
        }
        sessions.forEach(session -> session.tell(new SmtpSession.Drain()));
        return answerIfDrained();
    }

    private Behavior<Command> onSessionEnded(Terminated terminated) {
        sessions.remove(terminated.getRef());
        return answerIfDrained();
    }

    private Behavior<Command> answerIfDrained() {
        if (drainedReplyTo != null && sessions.isEmpty()) {
            drainedReplyTo.tell(Done.getInstance());
        }
        return this;
    }
}
