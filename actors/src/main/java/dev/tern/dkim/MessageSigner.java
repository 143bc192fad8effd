package dev.tern.dkim;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

import dev.tern.router.Router;

/**
 * Signs mail from local senders (RFC 6376) on its way from the session to the router: once,
 * before any copy is stored or queued, so local copies and relayed ones carry the same
 * signature. The file work runs on the blocking-I/O dispatcher, never on this actor's thread
 * or a session's. The router gets the signed copy and answers here; the signed file is then
 * deleted and the answer passed on to the session, which deletes its own staged file as ever.
 * A message that cannot be signed is stored unsigned, with an error logged: signing never
 * loses mail.
 */
public final class MessageSigner extends AbstractBehavior<MessageSigner.Command> {

    public sealed interface Command {
    }

    /** A session's finished message, to be signed if its From: domain has a key, then delivered. */
    public record Sign(Router.Deliver deliver) implements Command {
    }

    private record Signed(Router.Deliver deliver, StagedSigning.Result result, Throwable failure) implements Command {
    }

    private record RouterAnswered(Router.Outcome outcome) implements Command {
    }

    /** A signed copy with the router: whom to answer, and which file to delete then. */
    private record Pending(ActorRef<Router.Outcome> replyTo, Path signedFile) {
    }

    private final ActorContext<Command> context;
    private final DkimKeys keys;
    private final ActorRef<Router.Command> router;
    private final Path incomingDir;
    private final Clock clock;
    private final Executor blocking;
    private final ActorRef<Router.Outcome> answers;
    private final Map<String, Pending> pending = new HashMap<>();

    private MessageSigner(ActorContext<Command> context, DkimKeys keys, ActorRef<Router.Command> router,
                          Path incomingDir, Clock clock) {
        super(context);
        this.context = context;
        this.keys = keys;
        this.router = router;
        this.incomingDir = incomingDir;
        this.clock = clock;
        this.blocking = context.getSystem().dispatchers().lookup(DispatcherSelector.blocking());
        this.answers = context.messageAdapter(Router.Outcome.class, RouterAnswered::new);
    }

    /**
     * @param incomingDir where the signed copies are staged, beside the originals (swept at start)
     */
    public static Behavior<Command> create(DkimKeys keys, ActorRef<Router.Command> router, Path incomingDir,
                                           Clock clock) {
        return Behaviors.setup(context -> new MessageSigner(context, keys, router, incomingDir, clock));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Sign.class, this::onSign)
                .onMessage(Signed.class, this::onSigned)
                .onMessage(RouterAnswered.class, this::onAnswer)
                .build();
    }

    private Behavior<Command> onSign(Sign sign) {
        Router.Deliver deliver = sign.deliver();
        Path signedFile = incomingDir.resolve(deliver.envelope().messageId() + ".dkim");
        CompletableFuture<StagedSigning.Result> work = CompletableFuture.supplyAsync(() -> {
            try {
                return StagedSigning.sign(deliver.message(), keys, signedFile, clock.instant());
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
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
            context.getLog().error("id={} DKIM signing failed, stored unsigned: {}", id, cause.toString());
            router.tell(deliver);
        } else if (signed.result() instanceof StagedSigning.Signed done) {
            context.getLog().info("id={} dkim=signed d={} s={}", id, done.domain(), done.selector());
            pending.put(id, new Pending(deliver.replyTo(), done.message().file()));
            router.tell(new Router.Deliver(deliver.envelope(), done.message(), answers));
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

    private Behavior<Command> onAnswer(RouterAnswered answered) {
        Pending waiting = pending.remove(answered.outcome().messageId());
        if (waiting == null) {
            return this;
        }
        try {
            Files.deleteIfExists(waiting.signedFile()); // every copy is a link or a copy of its own by now
        } catch (java.io.IOException e) {
            context.getLog().warn("cannot remove signed copy {}: {}", waiting.signedFile(), e.toString());
        }
        waiting.replyTo().tell(answered.outcome());
        return this;
    }
}
