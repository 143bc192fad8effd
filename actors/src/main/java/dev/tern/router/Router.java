package dev.tern.router;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

import dev.tern.protocol.Envelope;
import dev.tern.protocol.Recipient;
import dev.tern.store.MailboxStore;
import dev.tern.store.StagedMessage;

/**
 * Takes completed messages from sessions and sees every recipient's copy stored. It
 * answers {@link Stored} only when all copies are durable; if any copy fails, the copies
 * already stored are retracted and the answer is {@link NotStored}, so the client's retry
 * after 451 does not duplicate mail.
 */
public final class Router extends AbstractBehavior<Router.Command> {

    public sealed interface Command {
    }

    public record Deliver(Envelope envelope, StagedMessage message, ActorRef<Outcome> replyTo) implements Command {
    }

    private record WriterReport(MailboxWriter.Result result) implements Command {
    }

    public sealed interface Outcome {
        String messageId();
    }

    public record Stored(String messageId) implements Outcome {
    }

    public record NotStored(String messageId, String reason) implements Outcome {
    }

    /** A message whose copies are being written: who waits, which mailboxes are still out. */
    private record InFlight(Deliver request, Set<String> waitingFor, Map<String, Path> stored, String failure) {
        InFlight report(MailboxWriter.Result result) {
            Set<String> waiting = new LinkedHashSet<>(waitingFor);
            waiting.remove(result.user());
            Map<String, Path> done = new LinkedHashMap<>(stored);
            String failed = failure;
            if (result instanceof MailboxWriter.Stored ok) {
                done.put(ok.user(), ok.file());
            } else if (failed == null) {
                failed = ((MailboxWriter.Failed) result).reason();
            }
            return new InFlight(request, waiting, done, failed);
        }
    }

    private final ActorContext<Command> context;
    private final MailboxStore store;
    private final ActorRef<MailboxWriter.Result> writerReports;
    private final Map<String, ActorRef<MailboxWriter.Command>> writers = new HashMap<>();
    private final Map<String, InFlight> inFlight = new HashMap<>();

    private Router(ActorContext<Command> context, MailboxStore store) {
        super(context);
        this.context = context;
        this.store = store;
        this.writerReports = context.messageAdapter(MailboxWriter.Result.class, WriterReport::new);
    }

    public static Behavior<Command> create(MailboxStore store) {
        return Behaviors.setup(context -> new Router(context, store));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Deliver.class, this::onDeliver)
                .onMessage(WriterReport.class, this::onWriterReport)
                .build();
    }

    private Behavior<Command> onDeliver(Deliver deliver) {
        String id = deliver.envelope().messageId();
        // One copy per mailbox, however many addresses lead to it (as Postfix's duplicate filter).
        Set<String> mailboxes = new LinkedHashSet<>();
        for (Recipient recipient : deliver.envelope().recipients()) {
            if (recipient.route() instanceof Recipient.LocalMailbox local) {
                mailboxes.add(local.user());
            } else {
                // Sessions accept remote recipients only once relaying exists; reaching here is a bug.
                context.getLog().error("id={} to=<{}> has no route: remote delivery is not available",
                        id, recipient.address());
                deliver.replyTo().tell(new NotStored(id, "no route for " + recipient.address()));
                return this;
            }
        }
        inFlight.put(id, new InFlight(deliver, mailboxes, Map.of(), null));
        for (String user : mailboxes) {
            writerFor(user).tell(new MailboxWriter.Store(id, user, deliver.message(), writerReports));
        }
        return this;
    }

    private Behavior<Command> onWriterReport(WriterReport report) {
        MailboxWriter.Result result = report.result();
        InFlight before = inFlight.get(result.messageId());
        if (before == null) {
            return this;
        }
        InFlight now = before.report(result);
        logCopy(now.request().envelope(), result);
        if (!now.waitingFor().isEmpty()) {
            inFlight.put(result.messageId(), now);
            return this;
        }
        inFlight.remove(result.messageId());
        ActorRef<Outcome> replyTo = now.request().replyTo();
        if (now.failure() == null) {
            replyTo.tell(new Stored(result.messageId()));
        } else {
            now.stored().forEach((user, file) -> writerFor(user).tell(new MailboxWriter.Retract(result.messageId(), file)));
            replyTo.tell(new NotStored(result.messageId(), now.failure()));
        }
        return this;
    }

    private void logCopy(Envelope envelope, MailboxWriter.Result result) {
        for (Recipient recipient : envelope.recipients()) {
            if (recipient.route() instanceof Recipient.LocalMailbox local && local.user().equals(result.user())) {
                if (result instanceof MailboxWriter.Stored stored) {
                    context.getLog().info("id={} from={} to=<{}> mailbox={} status=delivered file={}",
                            envelope.messageId(), envelope.sender().bracketed(), recipient.address(),
                            local.user(), stored.file().getFileName());
                } else {
                    context.getLog().warn("id={} from={} to=<{}> mailbox={} status=failed reason={}",
                            envelope.messageId(), envelope.sender().bracketed(), recipient.address(),
                            local.user(), ((MailboxWriter.Failed) result).reason());
                }
            }
        }
    }

    private ActorRef<MailboxWriter.Command> writerFor(String user) {
        return writers.computeIfAbsent(user, name -> context.spawn(MailboxWriter.create(store),
                "mailbox-" + URLEncoder.encode(name, StandardCharsets.UTF_8), DispatcherSelector.blocking()));
    }
}
