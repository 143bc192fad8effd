package dev.tern.http;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.server.Directives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * One bound HTTP socket (pekko-http): the routes the service hands over first (metrics,
 * health, autoconfiguration), then Tern's own ({@link HttpRoutes}: the JSON API and the web
 * page). Connection counts, request sizes and timeouts are pekko-http's settings under
 * {@code pekko.http.server} in application.conf. On {@link Drain} it unbinds, gives open
 * requests a few seconds, and answers.
 */
public final class HttpListener extends AbstractBehavior<HttpListener.Command> {

    public sealed interface Command {
    }

    /** Stop accepting, finish or cut the requests under way, answer when done. */
    public record Drain(ActorRef<Done> replyTo) implements Command {
    }

    private record Bound(ServerBinding binding) implements Command {
    }

    private record BindFailed(Throwable cause) implements Command {
    }

    private record Unbound(ActorRef<Done> replyTo) implements Command {
    }

    /** What the listener is doing. */
    private sealed interface State {
    }

    /** The bind is under way; drains asked meanwhile wait for it. */
    private record Binding(List<ActorRef<Done>> drains) implements State {
    }

    private record Listening(ServerBinding binding) implements State {
    }

    private record Stopping() implements State {
    }

    /** Requests still running when the listener drains get this long. */
    static final Duration TERMINATION_DEADLINE = Duration.ofSeconds(5);

    private final ActorContext<Command> context;
    private final CompletableFuture<InetSocketAddress> bound;
    private State state = new Binding(new ArrayList<>());

    private HttpListener(ActorContext<Command> context, CompletableFuture<InetSocketAddress> bound) {
        super(context);
        this.context = context;
        this.bound = bound;
    }

    /**
     * @param tern        Tern's own routes ({@link HttpRoutes#of}), tried after the extra ones
     * @param extraRoutes routes the service adds (e.g. {@code /metrics}, {@code /healthz}); each
     *                    must leave paths that are not its own unmatched
     * @param bound       completed with the bound address, or failed if the bind fails
     */
    public static Behavior<Command> create(InetSocketAddress address, Route tern, List<Route> extraRoutes,
                                           CompletableFuture<InetSocketAddress> bound) {
        return Behaviors.setup(context -> {
            HttpListener listener = new HttpListener(context, bound);
            List<Route> all = new ArrayList<>(extraRoutes);
            all.add(tern);
            Route route = all.size() == 1 ? tern
                    : Directives.concat(all.get(0), all.subList(1, all.size()).toArray(Route[]::new));
            CompletionStage<ServerBinding> binding = Http.get(context.getSystem())
                    .newServerAt(address.getHostString(), address.getPort())
                    .bind(route);
            context.pipeToSelf(binding, (ok, failure) -> ok != null ? new Bound(ok) : new BindFailed(failure));
            return listener;
        });
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Bound.class, this::onBound)
                .onMessage(BindFailed.class, this::onBindFailed)
                .onMessage(Drain.class, this::onDrain)
                .onMessage(Unbound.class, this::onUnbound)
                .build();
    }

    private Behavior<Command> onBound(Bound bound) {
        context.getLog().info("HTTP listening on {}", bound.binding().localAddress());
        List<ActorRef<Done>> drains = state instanceof Binding binding ? binding.drains() : List.of();
        state = new Listening(bound.binding());
        this.bound.complete(bound.binding().localAddress());
        drains.forEach(replyTo -> onDrain(new Drain(replyTo)));
        return this;
    }

    private Behavior<Command> onBindFailed(BindFailed failed) {
        bound.completeExceptionally(failed.cause());
        if (state instanceof Binding binding) {
            binding.drains().forEach(replyTo -> replyTo.tell(Done.getInstance()));
        }
        return Behaviors.stopped();
    }

    private Behavior<Command> onDrain(Drain drain) {
        if (state instanceof Binding binding) {
            binding.drains().add(drain.replyTo());
        } else if (state instanceof Listening listening) {
            state = new Stopping();
            CompletionStage<?> terminated = listening.binding().terminate(TERMINATION_DEADLINE);
            context.pipeToSelf(terminated, (ok, failure) -> new Unbound(drain.replyTo()));
        } else {
            drain.replyTo().tell(Done.getInstance());
        }
        return this;
    }

    private Behavior<Command> onUnbound(Unbound terminated) {
        terminated.replyTo().tell(Done.getInstance());
        return Behaviors.stopped();
    }
}
