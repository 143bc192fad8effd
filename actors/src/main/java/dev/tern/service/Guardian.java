package dev.tern.service;

import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;

import javax.net.ssl.SSLEngine;

import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

import dev.tern.protocol.LocalRecipientPolicy;
import dev.tern.protocol.MailAddress;
import dev.tern.protocol.Recipient;
import dev.tern.protocol.RecipientPolicy;
import dev.tern.queue.QueueSpool;
import dev.tern.relay.MxResolver;
import dev.tern.relay.RelayContext;
import dev.tern.relay.RelaySettings;
import dev.tern.relay.Relays;
import dev.tern.router.QueueWriter;
import dev.tern.streams.client.OpportunisticTls;
import dev.tern.protocol.ServerDialogue;
import dev.tern.protocol.SessionSettings;
import dev.tern.protocol.StorageSpace;
import dev.tern.router.Router;
import dev.tern.session.ConnectionAdmission;
import dev.tern.session.SessionSetup;
import dev.tern.session.SmtpListener;
import dev.tern.store.FreeSpace;
import dev.tern.store.MailboxStore;
import dev.tern.users.Authenticator;
import dev.tern.users.UserDirectory;

/** The root of Tern's actors: the router and one listener per bound address. */
final class Guardian {

    sealed interface Command {
    }

    /** Graceful stop: every listener drains its sessions; answered when all are gone. */
    record Drain(ActorRef<Done> replyTo) implements Command {
    }

    /** An administration request ({@code queue flush}, {@code queue remove}) for the relays. */
    record ToRelays(Relays.Command command) implements Command {
    }

    /** A listener to start, and where to report its bound address. */
    record ListenerSpec(InetSocketAddress address, LocalRecipientPolicy.Relay relay,
                        SessionSetup.Encryption encryption, CompletableFuture<InetSocketAddress> bound) {
    }

    private Guardian() {
    }

    static Behavior<Command> create(TernSettings settings, UserDirectory users, MailboxStore store,
                                    Supplier<SSLEngine> tlsEngines, List<ListenerSpec> listeners) {
        return Behaviors.setup(context -> {
            ActorRef<Router.Command> router = context.spawn(Router.create(store, remote(settings, users)), "router");
            ActorRef<Authenticator.Command> authenticator = context.spawn(Authenticator.create(users), "authenticator");
            SessionSettings session = new SessionSettings(settings.hostname(), settings.maxMessageSize(),
                    settings.maxRecipients(), settings.maxErrors(), SessionSettings.StartTls.OFFERED);
            StorageSpace space = settings.minFreeSpace() == 0 ? StorageSpace.UNLIMITED : new FreeSpace(
                    List.of(settings.mailRoot(), settings.incomingDir(), settings.relay().queueDir()),
                    settings.minFreeSpace());
            List<ActorRef<SmtpListener.Command>> running = new ArrayList<>();
            ConnectionAdmission admission = new ConnectionAdmission(settings.connectionLimits());
            for (ListenerSpec spec : listeners) {
                ServerDialogue dialogue = new ServerDialogue(session,
                        new LocalRecipientPolicy(settings.domains(), users::exists, spec.relay()), space);
                SessionSetup setup = new SessionSetup(dialogue, session, router, authenticator, settings.incomingDir(),
                        settings.idleTimeout(), Clock.systemUTC(), spec.encryption());
                ActorRef<SmtpListener.Command> listener = context.spawn(
                        SmtpListener.create(setup, spec.address(), tlsEngines, admission, spec.bound()), "listener-" + running.size());
                context.watch(listener); // one that failed to bind stops, and has nothing to drain
                running.add(listener);
            }
            return Behaviors.receive(Command.class)
                    .onMessage(Drain.class, drain -> {
                        ActorRef<Done> countdown = context.spawnAnonymous(Countdown.create(running.size(), drain.replyTo()));
                        running.forEach(listener -> listener.tell(new SmtpListener.Drain(countdown)));
                        return Behaviors.same();
                    })
                    .onMessage(ToRelays.class, request -> {
                        router.tell(new Router.ToRelays(request.command()));
                        return Behaviors.same();
                    })
                    .onSignal(Terminated.class, stopped -> {
                        running.remove(stopped.getRef());
                        return Behaviors.same();
                    })
                    .build();
        });
    }

    /** Relaying: the spool, its writers, and the relays with what they need to deliver and bounce. */
    private static Router.Remote remote(TernSettings settings, UserDirectory users) {
        RelaySettings relay = settings.relay();
        QueueSpool spool = new QueueSpool(relay.queueDir());
        MxResolver resolver = new MxResolver(relay.dns(), relay.dnsTimeout(), new SecureRandom());
        // Bounces go where mail to the sender would go: a local mailbox, or relayed.
        LocalRecipientPolicy bounceRoutes = new LocalRecipientPolicy(settings.domains(), users::exists,
                LocalRecipientPolicy.Relay.ALLOWED);
        Function<MailAddress, Optional<Recipient.Route>> bounceRoute = address -> {
            RecipientPolicy.Verdict verdict = bounceRoutes.check(new Recipient.MailboxPath(address), true);
            return verdict instanceof RecipientPolicy.Accepted accepted
                    ? Optional.of(accepted.recipient().route()) : Optional.empty();
        };
        return new Router.Remote(QueueWriter.create(spool, Clock.systemUTC()),
                bounces -> Relays.create(new RelayContext(relay, spool, resolver, OpportunisticTls.context(),
                        bounces, bounceRoute, settings.incomingDir(), Clock.systemUTC(), new SecureRandom(),
                        DispatcherSelector.blocking())));
    }

    /** Answers once it has heard {@code remaining} times. */
    private static final class Countdown {
        static Behavior<Done> create(int remaining, ActorRef<Done> replyTo) {
            if (remaining <= 0) {
                replyTo.tell(Done.getInstance());
                return Behaviors.stopped();
            }
            return Behaviors.receiveMessage(done -> create(remaining - 1, replyTo));
        }
    }
}
