package dev.tern.dkim;

import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

import dev.tern.router.Router;
import dev.tern.store.StagedInsertion;

/**
 * Signs mail from local senders (RFC 6376) on its way from the session to the router: once,
 * before any copy is stored or queued, so local copies and relayed ones carry the same
 * signature. The field goes into the session's staged file itself ({@link StagedSigning}); the
 * file work runs on the blocking-I/O dispatcher, never on this actor's thread or a session's.
 * The router then answers the session directly. A message that cannot be signed is stored
 * unsigned, with an error logged: signing never loses mail. Only a staged file damaged part-way
 * through the insertion (an I/O error after it began to grow) is not stored: the session gets
 * the router's "not stored" and answers 451, and the client sends the message again.
 */
public final class MessageSigner extends AbstractBehavior<MessageSigner.Command> {

    public sealed interface Command {
    }

    /** A session's finished message, to be signed if its From: domain has a key, then delivered. */
    public record Sign(Router.Deliver deliver) implements Command {
    }

    private record Signed(Router.Deliver deliver, StagedSigning.Result result, Throwable failure) implements Command {
    }

    private final ActorContext<Command> context;
    private final DkimKeys keys;
    private final ActorRef<Router.Command> router;
    private final Clock clock;
    private final Executor blocking;

    private MessageSigner(ActorContext<Command> context, DkimKeys keys, ActorRef<Router.Command> router, Clock clock) {
        super(context);
        this.context = context;
        this.keys = keys;
        this.router = router;
        this.clock = clock;
        this.blocking = context.getSystem().dispatchers().lookup(DispatcherSelector.blocking());
    }

    public static Behavior<Command> create(DkimKeys keys, ActorRef<Router.Command> router, Clock clock) {
        return Behaviors.setup(context -> new MessageSigner(context, keys, router, clock));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Sign.class, this::onSign)
                .onMessage(Signed.class, this::onSigned)
                .build();
    }

    private Behavior<Command> onSign(Sign sign) {
        Router.Deliver deliver = sign.deliver();
        CompletableFuture<StagedSigning.Result> work = CompletableFuture.supplyAsync(() -> {
            try {
                return StagedSigning.sign(deliver.message(), keys, clock.instant());
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        }, blocking);
        context.pipeToSelf(work, (result, failure) -> new Signed(deliver, result, failure));
        return this;
    }

    private Behavior<Command> onSigned(Signed signed) {
        Router.Deliver deliver = signed.deliver();
        String id = deliver.envelope().messageId();
        if (signed.failure() != null) {
            Throwable cause = signed.failure().getCause() != null ? signed.failure().getCause() : signed.failure();
            if (cause instanceof StagedInsertion.Damaged) {
                context.getLog().error("id={} DKIM signing damaged the staged file, not stored: {}", id,
                        cause.getCause() != null ? cause.getCause().toString() : cause.toString());
                deliver.replyTo().tell(new Router.NotStored(id, "DKIM signing failed: " + cause.getMessage()));
            } else {
                context.getLog().error("id={} DKIM signing failed, stored unsigned: {}", id, cause.toString());
                router.tell(deliver);
            }
        } else if (signed.result() instanceof StagedSigning.Signed done) {
            context.getLog().info("id={} dkim=signed d={} s={}", id, done.domain(), done.selector());
            router.tell(new Router.Deliver(deliver.envelope(), done.message(), deliver.replyTo()));
        } else {
            StagedSigning.Unsigned unsigned = (StagedSigning.Unsigned) signed.result();
            if (unsigned.why().startsWith("header section")) {
                context.getLog().warn("id={} not DKIM-signed: {}", id, unsigned.why());
            } else {
                context.getLog().debug("id={} not DKIM-signed: {}", id, unsigned.why());
            }
            router.tell(deliver);
        }
        return this;
    }
}
