package dev.tern.router;

import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

import dev.tern.protocol.DsnRequest;
import dev.tern.protocol.MailAddress;
import dev.tern.protocol.MessageEncoding;
import dev.tern.protocol.RecipientDsn;
import dev.tern.protocol.ReversePath;
import dev.tern.protocol.TlsRequirement;
import dev.tern.queue.QueueEntry;
import dev.tern.queue.QueueStore;
import dev.tern.store.StagedMessage;

/**
 * Writes messages for remote domains into the outbound queue (the spool, or the cluster's database), durably, before the router
 * lets the session answer 250. Runs on a blocking-I/O dispatcher: every entry waits on fsync.
 */
public final class QueueWriter extends AbstractBehavior<QueueWriter.Command> {

    public sealed interface Command {
    }

    /**
     * @param encoding {@code BODY=} and {@code SMTPUTF8}, kept in the queue record for the next hop
     * @param dsn      the DSN requests of MAIL and of each recipient (RFC 3461), kept in the queue record
     * @param tls      whether MAIL asked for REQUIRETLS (RFC 8689), kept in the queue record
     */
    public record Enqueue(String messageId, ReversePath sender, List<MailAddress> recipients, StagedMessage message,
                          ActorRef<Result> replyTo, MessageEncoding encoding, DsnRequest dsn,
                          Map<MailAddress, RecipientDsn> recipientDsn, TlsRequirement tls) implements Command {

        public Enqueue(String messageId, ReversePath sender, List<MailAddress> recipients, StagedMessage message,
                       ActorRef<Result> replyTo, MessageEncoding encoding, DsnRequest dsn,
                       Map<MailAddress, RecipientDsn> recipientDsn) {
            this(messageId, sender, recipients, message, replyTo, encoding, dsn, recipientDsn, TlsRequirement.DEFAULT);
        }

        public Enqueue(String messageId, ReversePath sender, List<MailAddress> recipients, StagedMessage message,
                       ActorRef<Result> replyTo) {
            this(messageId, sender, recipients, message, replyTo, MessageEncoding.PLAIN, DsnRequest.NONE, Map.of());
        }

        public Enqueue {
            recipientDsn = Map.copyOf(recipientDsn);
            Objects.requireNonNull(tls, "tls");
        }
    }

    /** Undo queued entries whose message failed elsewhere (a local copy), so the client's retry does not duplicate. */
    public record Retract(List<QueueEntry> entries) implements Command {
    }

    public sealed interface Result {
        String messageId();
    }

    public record Queued(String messageId, List<QueueEntry> entries) implements Result {
    }

    public record Failed(String messageId, String reason) implements Result {
    }

    private final ActorContext<Command> context;
    private final QueueStore spool;
    private final Clock clock;

    private QueueWriter(ActorContext<Command> context, QueueStore spool, Clock clock) {
        super(context);
        this.context = context;
        this.spool = spool;
        this.clock = clock;
    }

    public static Behavior<Command> create(QueueStore spool, Clock clock) {
        return Behaviors.setup(context -> new QueueWriter(context, spool, clock));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Enqueue.class, this::onEnqueue)
                .onMessage(Retract.class, this::onRetract)
                .build();
    }

    private Behavior<Command> onEnqueue(Enqueue enqueue) {
        try {
            List<QueueEntry> entries = spool.enqueue(enqueue.messageId(), enqueue.sender(),
                    enqueue.recipients(), enqueue.message(), clock.instant(), enqueue.encoding(), enqueue.dsn(),
                    enqueue.recipientDsn(), enqueue.tls());
            enqueue.replyTo().tell(new Queued(enqueue.messageId(), entries));
        } catch (IOException | RuntimeException e) {
            context.getLog().error("id={} cannot queue for relaying: {}", enqueue.messageId(), e.toString());
            enqueue.replyTo().tell(new Failed(enqueue.messageId(), "queue write error: " + e.getMessage()));
        }
        return this;
    }

    private Behavior<Command> onRetract(Retract retract) {
        for (QueueEntry entry : retract.entries()) {
            try {
                spool.remove(entry);
            } catch (IOException e) {
                context.getLog().error("id={} cannot retract queue entry: {}", entry.id(), e.toString());
            }
        }
        return this;
    }
}
