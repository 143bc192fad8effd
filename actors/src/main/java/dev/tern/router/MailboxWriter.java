package dev.tern.router;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

import dev.tern.protocol.MailAddress;
import dev.tern.store.MailboxStore;
import dev.tern.store.StagedMessage;

/**
 * Stores copies into one mailbox, one at a time: deliveries to a mailbox are serialised
 * here (and across processes by the store's own locking). Runs on a blocking-I/O
 * dispatcher, since every delivery waits on fsync.
 */
public final class MailboxWriter extends AbstractBehavior<MailboxWriter.Command> {

    public sealed interface Command {
    }

    /** @param deliveredTo the address to name in a {@code Delivered-To:} field of this copy, if any ({@link DeliveredTo}) */
    public record Store(String messageId, String user, StagedMessage message, ActorRef<Result> replyTo,
                        Optional<MailAddress> deliveredTo) implements Command {
        public Store(String messageId, String user, StagedMessage message, ActorRef<Result> replyTo) {
            this(messageId, user, message, replyTo, Optional.empty());
        }
    }

    /** Undo a stored copy whose transaction failed in another mailbox. */
    public record Retract(String messageId, Path delivered) implements Command {
    }

    public sealed interface Result {
        String messageId();

        String user();
    }

    public record Stored(String messageId, String user, Path file) implements Result {
    }

    public record Failed(String messageId, String user, String reason) implements Result {
    }

    private final ActorContext<Command> context;
    private final MailboxStore store;

    private MailboxWriter(ActorContext<Command> context, MailboxStore store) {
        super(context);
        this.context = context;
        this.store = store;
    }

    public static Behavior<Command> create(MailboxStore store) {
        return Behaviors.setup(context -> new MailboxWriter(context, store));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Store.class, this::onStore)
                .onMessage(Retract.class, this::onRetract)
                .build();
    }

    private Behavior<Command> onStore(Store request) {
        Result result;
        try {
            Path file = request.deliveredTo().isEmpty() ? store.deliver(request.user(), request.message())
                    : storeOwnCopy(request.user(), request.message(), request.deliveredTo().get());
            result = new Stored(request.messageId(), request.user(), file);
        } catch (IOException | RuntimeException e) {
            context.getLog().error("id={} mailbox={} store failed: {}", request.messageId(), request.user(), e.toString());
            result = new Failed(request.messageId(), request.user(), e.toString());
        }
        request.replyTo().tell(result);
        return this;
    }

    private Path storeOwnCopy(String user, StagedMessage message, MailAddress deliveredTo) throws IOException {
        StagedMessage copy = DeliveredTo.copy(message, deliveredTo, user);
        try {
            return store.deliver(user, copy);
        } finally {
            Files.deleteIfExists(copy.file());
        }
    }

    private Behavior<Command> onRetract(Retract retract) {
        try {
            store.retract(retract.delivered());
        } catch (IOException e) {
            context.getLog().error("id={} cannot retract {}: {}", retract.messageId(), retract.delivered(), e.toString());
        }
        return this;
    }
}
