package dev.tern.service;

import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;

import javax.net.ssl.SSLEngine;

import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.http.javadsl.server.Route;

import dev.tern.aliases.LocalRecipients;
import dev.tern.dkim.DkimKeys;
import dev.tern.dkim.LocalSenders;
import dev.tern.dkim.MessageSigner;
import dev.tern.mailauth.InboundAuthMode;
import dev.tern.mailauth.InboundAuthenticator;
import dev.tern.metrics.TernMetrics;
import dev.tern.http.Administration;
import dev.tern.http.HttpListener;
import dev.tern.http.HttpRoutes;
import dev.tern.http.HttpSettings;
import dev.tern.protocol.LocalRecipientPolicy;
import dev.tern.protocol.MailAddress;
import dev.tern.protocol.Recipient;
import dev.tern.protocol.RecipientPolicy;
import dev.tern.protocol.SenderPolicy;
import dev.tern.protocol.SubmissionSenderPolicy;
import dev.tern.queue.QueueStore;
import dev.tern.relay.MailAuthDns;
import dev.tern.tlsrpt.MailEntry;
import dev.tern.tlsrpt.ReportTrust;
import dev.tern.tlsrpt.TlsReporter;
import dev.tern.tlsrpt.TlsRptSettings;
import dev.tern.transport.TlsResults;
import dev.tern.relay.MxResolver;
import dev.tern.relay.RelayContext;
import dev.tern.relay.RelaySettings;
import dev.tern.relay.DomainRelays;
import dev.tern.relay.Relays;
import dev.tern.router.QueueWriter;
import dev.tern.streams.client.OpportunisticTls;
import dev.tern.transport.OutboundPolicies;
import dev.tern.transport.TlsResults;
import dev.tern.transport.dane.DanePolicy;
import dev.tern.transport.dane.TlsaLookup;
import dev.tern.protocol.ServerDialogue;
import dev.tern.protocol.SessionSettings;
import dev.tern.protocol.StorageSpace;
import dev.tern.router.Router;
import dev.tern.transport.mtasts.MtaStsPolicies;
import dev.tern.session.ConnectionAdmission;
import dev.tern.session.SessionSetup;
import dev.tern.session.SmtpListener;
import dev.tern.store.FreeSpace;
import dev.tern.store.MailboxStore;
import dev.tern.users.Authenticator;
import dev.tern.users.UserAccounts;
import dev.tern.users.UserDirectory;

/** The root of Tern's actors: the router, one listener per bound address, and the HTTP listeners. */
final class Guardian extends AbstractBehavior<Guardian.Command> {

    sealed interface Command {
    }

    /** Graceful stop: every listener drains its sessions; answered when all are gone. */
    record Drain(ActorRef<Done> replyTo) implements Command {
    }

    /** An administration request ({@code queue flush}, {@code queue remove}) for the relays. */
    record ToRelays(Relays.Command command) implements Command {
    }

    /**
     * Start the HTTP listeners (the service sends it once the SMTP listeners are bound): Tern's
     * web page and JSON API, after {@code extraRoutes} (metrics, health, ...), on each address.
     */
    record BindHttp(List<InetSocketAddress> addresses, List<Route> extraRoutes,
                    List<CompletableFuture<InetSocketAddress>> bound) implements Command {
    }

    /**
     * A listener to start, and where to report its bound address.
     *
     * @param name the listener's kind, its {@code listener} label in the metrics: inbound, outbound, smtps, submission
     */
    record ListenerSpec(String name, InetSocketAddress address, LocalRecipientPolicy.Relay relay,
                        SessionSetup.Encryption encryption, Senders senders, CompletableFuture<InetSocketAddress> bound) {
        ListenerSpec(String name, InetSocketAddress address, LocalRecipientPolicy.Relay relay,
                     SessionSetup.Encryption encryption, CompletableFuture<InetSocketAddress> bound) {
            this(name, address, relay, encryption, Senders.ANYONE, bound);
        }
    }

    /** Who may open a mail transaction on a listener. */
    enum Senders {
        /** anyone: whether a recipient may be relayed to is the recipient policy's question */
        ANYONE,
        /** authenticated users only, as their own addresses where configured (submission, RFC 6409) */
        AUTHENTICATED
    }

    private final ActorContext<Command> context;
    private final ActorRef<Router.Command> router;
    /** The listeners still running: one that failed to bind has stopped, and has nothing to drain. */
    private final List<ActorRef<SmtpListener.Command>> listeners;
    private final List<ActorRef<HttpListener.Command>> httpListeners = new ArrayList<>();
    /** What the web page and the JSON API work with. */
    private final Administration administration;

    private Guardian(ActorContext<Command> context, ActorRef<Router.Command> router,
                     List<ActorRef<SmtpListener.Command>> listeners, Administration administration) {
        super(context);
        this.context = context;
        this.router = router;
        this.listeners = listeners;
        this.administration = administration;
    }

    static Behavior<Command> create(TernSettings settings, UserDirectory users, MailboxStore store, QueueStore queue,
                                    Supplier<SSLEngine> tlsEngines, List<ListenerSpec> listeners,
                                    TernMetrics metrics, LocalRecipients locals) {
        return Behaviors.setup(context -> {
            Optional<ActorRef<TlsReporter.Command>> tlsReports = tlsReporter(context, settings);
            ActorRef<Router.Command> router = context.spawn(
                    Router.create(store, remote(context.getSystem(), settings, queue, locals, metrics, tlsReports
                            .map(reporter -> TlsReporter.results(reporter, Clock.systemUTC()))
                            .orElse(TlsResults.NONE)), metrics, locals), "router");
            if (settings.cluster().clustered()) {
                context.spawn(ClusterEvents.create(), "cluster-events");
            }
            ActorRef<Authenticator.Command> authenticator = context.spawn(Authenticator.create(users), "authenticator");
            ActorRef<MessageSigner.Command> signer = signer(context, settings, router); // null: no --dkim-key
            tlsReports.ifPresent(reporter -> reporter.tell(new TlsReporter.MailThrough(new MailEntry(router,
                    Optional.ofNullable(signer), bounceRoute(settings, locals)))));
            SessionSettings session = new SessionSettings(settings.hostname(), settings.maxMessageSize(),
                    settings.maxRecipients(), settings.maxErrors(), SessionSettings.StartTls.OFFERED);
            StorageSpace space = settings.minFreeSpace() == 0 ? StorageSpace.UNLIMITED : new FreeSpace(
                    List.of(settings.mailRoot(), settings.incomingDir(), settings.relay().queueDir()),
                    settings.minFreeSpace());
            List<ActorRef<SmtpListener.Command>> running = new ArrayList<>();
            ConnectionAdmission admission = new ConnectionAdmission(settings.connectionLimits());
            for (ListenerSpec spec : listeners) {
                ServerDialogue dialogue = new ServerDialogue(session,
                        LocalRecipientPolicy.resolving(settings.domains(), locals, spec.relay()),
                        senders(spec, settings, users), space);
                SessionSetup setup = new SessionSetup(dialogue, session, router, authenticator, settings.incomingDir(),
                        settings.idleTimeout(), Clock.systemUTC(), spec.encryption(),
                        metrics.listener(spec.name()), new LocalSenders(signer,
                        spec.relay() == LocalRecipientPolicy.Relay.ALLOWED), inboundAuth(context, settings, spec));
                ActorRef<SmtpListener.Command> listener = context.spawn(
                        SmtpListener.create(setup, spec.address(), tlsEngines, admission, spec.bound()), "listener-" + running.size());
                context.watch(listener);
                running.add(listener);
            }
            return new Guardian(context, router, running,
                    administration(context, settings, users, store, queue, authenticator));
        });
    }

    /** Mail from outside (the inbound listener) is authenticated before it is stored: SPF, DKIM, DMARC. */
    private static Optional<InboundAuthenticator> inboundAuth(ActorContext<Command> context, TernSettings settings,
                                                              ListenerSpec spec) {
        if (!spec.name().equals("inbound") || settings.inboundAuth() == InboundAuthMode.OFF) {
            return Optional.empty();
        }
        Duration timeout = settings.relay().dnsTimeout();
        return Optional.of(new InboundAuthenticator(settings.config().getBoolean("tern.inbound-auth-loopback"),
                new MailAuthDns(settings.relay().dns(), timeout),
                settings.hostname(), settings.inboundAuth(), context.getSystem().dispatchers()
                .lookup(DispatcherSelector.blocking()), timeout.multipliedBy(3), Clock.systemUTC()));
    }

    /**
     * TLS-RPT (RFC 8460), unless {@code tern.tls-rpt.enabled} is off: the reporter, which is told once the
     * router and the signer exist where to mail its reports in (as bounces enter).
     */
    private static Optional<ActorRef<TlsReporter.Command>> tlsReporter(ActorContext<Command> context,
                                                                       TernSettings settings)
            throws GeneralSecurityException, UsageException {
        TlsRptSettings tlsRpt = settings.tlsRpt();
        if (!tlsRpt.enabled()) {
            return Optional.empty();
        }
        ActorRef<TlsReporter.Command> reporter = context.spawn(TlsReporter.create(tlsRpt,
                new MailAuthDns(settings.relay().dns(), settings.relay().dnsTimeout()),
                ReportTrust.context(settings.relay().transport().trusted()),
                settings.incomingDir(), Clock.systemUTC(), new SecureRandom()), "tls-rpt",
                DispatcherSelector.blocking()); // it writes its counts file
        return Optional.of(reporter);
    }

    /** The DKIM signer in front of the router, when any key is given (read and checked at load already). */
    private static ActorRef<MessageSigner.Command> signer(ActorContext<Command> context, TernSettings settings,
                                                          ActorRef<Router.Command> router) throws UsageException {
        DkimKeys keys = settings.dkimKeys();
        return keys.isEmpty() ? null
                : context.spawn(MessageSigner.create(keys, router, Clock.systemUTC()), "dkim-signer");
    }

    /** The TXT record of each domain's DKIM key, for the web page (the keys were checked at load). */
    private static Map<String, String> dkimRecords(TernSettings settings) {
        try {
            return settings.dkimKeys().records();
        } catch (UsageException e) {
            return Map.of();
        }
    }

    private static SenderPolicy senders(ListenerSpec spec, TernSettings settings, UserDirectory users) {
        return spec.senders() == Senders.ANYONE ? SenderPolicy.ANYONE : new SubmissionSenderPolicy(
                settings.domains(), users::exists, settings.submission().senders(),
                settings.recipientDelimiter().characters());
    }

    private static Administration administration(ActorContext<Command> context, TernSettings settings,
                                                  UserDirectory users, MailboxStore store, QueueStore queue,
                                                  ActorRef<Authenticator.Command> authenticator) {
        return new Administration(new HttpSettings(settings.admins(), settings.domains(), settings.hostname(),
                        dkimRecords(settings)),
                authenticator, context.getSystem().scheduler(), new UserAccounts(users, store), store,
                queue,
                new RelayControl(context.getSelf(), context.getSystem().scheduler()), context.getSystem().dispatchers().lookup(DispatcherSelector.blocking()));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Drain.class, this::onDrain)
                .onMessage(ToRelays.class, this::onToRelays)
                .onMessage(BindHttp.class, this::onBindHttp)
                .onSignal(Terminated.class, this::onListenerStopped)
                .build();
    }

    private Behavior<Command> onDrain(Drain drain) {
        ActorRef<Done> countdown = context.spawnAnonymous(Countdown.create(listeners.size() + httpListeners.size(),
                drain.replyTo()));
        listeners.forEach(listener -> listener.tell(new SmtpListener.Drain(countdown)));
        httpListeners.forEach(listener -> listener.tell(new HttpListener.Drain(countdown)));
        return this;
    }

    private Behavior<Command> onBindHttp(BindHttp bind) {
        Route tern = HttpRoutes.of(administration);
        for (int i = 0; i < bind.addresses().size(); i++) {
            ActorRef<HttpListener.Command> listener = context.spawn(HttpListener.create(bind.addresses().get(i), tern,
                    bind.extraRoutes(), bind.bound().get(i)), "http-" + httpListeners.size());
            context.watch(listener);
            httpListeners.add(listener);
        }
        return this;
    }

    private Behavior<Command> onToRelays(ToRelays request) {
        router.tell(new Router.ToRelays(request.command()));
        return this;
    }

    private Behavior<Command> onListenerStopped(Terminated stopped) {
        listeners.remove(stopped.getRef());
        httpListeners.remove(stopped.getRef());
        return this;
    }

    /**
     * Relaying: the queue, its writers, and the relays with what they need to deliver and bounce; in a cluster the
     * relays are Cluster Sharding entities (one per domain cluster-wide), else children of the node's Relays.
     */
    private static Router.Remote remote(ActorSystem<?> system, TernSettings settings, QueueStore queue,
                                        LocalRecipients locals, TernMetrics metrics, TlsResults tlsResults) {
        RelaySettings relay = settings.relay();
        MxResolver resolver = new MxResolver(relay.dns(), relay.dnsTimeout(), new SecureRandom());
        Function<MailAddress, Optional<Recipient.Route>> bounceRoute = bounceRoute(settings, locals);
        OutboundPolicies policies = outboundPolicies(system, settings, tlsResults);
        return new Router.Remote(QueueWriter.create(queue, Clock.systemUTC()), bounces -> {
            RelayContext relays = new RelayContext(relay, queue, resolver, OpportunisticTls.context(), bounces,
                    bounceRoute, settings.incomingDir(), Clock.systemUTC(), new SecureRandom(),
                    DispatcherSelector.blocking(), metrics, policies, tlsResults);
            ClusterSettings cluster = settings.cluster();
            return Relays.create(relays, cluster.clustered()
                    ? context -> DomainRelays.sharded(context.getSystem(), relays, cluster.wakeInterval())
                    : context -> DomainRelays.local(context, relays));
        },
                new Router.Notifications(relay.hostname(), settings.incomingDir(), Clock.systemUTC(), bounceRoute));
    }

    /**
     * What TLS each MX host requires, by RFC 8461 §2's precedence: DANE for a host with secure
     * TLSA records, else the destination's MTA-STS policy (unless {@code --mta-sts off};
     * policies cached in {@code DATA/mta-sts}), else {@code --outbound-tls}.
     */
    private static OutboundPolicies outboundPolicies(ActorSystem<?> system, TernSettings settings,
                                                     TlsResults tlsResults) {
        RelaySettings relay = settings.relay();
        OutboundPolicies underDane = RelayContext.localPolicy(relay);
        if (relay.transport().mtaSts()) {
            underDane = MtaStsPolicies.start(system, new MailAuthDns(relay.dns(), relay.dnsTimeout()),
                    relay.transport().trusted(), settings.dataDir().resolve("mta-sts"), underDane, tlsResults,
                    Clock.systemUTC());
        }
        return new DanePolicy(new TlsaLookup(relay.dns(), relay.dnsTimeout(), relay.remotePort(),
                settings.dnsTrustAnchors(), Clock.systemUTC()), underDane, Clock.systemUTC());
    }

    /** Bounces (and TLS reports) go where mail to the address would go: a local mailbox, or relayed. */
    private static Function<MailAddress, Optional<Recipient.Route>> bounceRoute(TernSettings settings,
                                                                                LocalRecipients locals) {
        LocalRecipientPolicy bounceRoutes = LocalRecipientPolicy.resolving(settings.domains(), locals,
                LocalRecipientPolicy.Relay.ALLOWED);
        return address -> {
            RecipientPolicy.Verdict verdict = bounceRoutes.check(new Recipient.MailboxPath(address), true);
            return verdict instanceof RecipientPolicy.Accepted accepted
                    ? Optional.of(accepted.recipient().route()) : Optional.empty();
        };
    }

    /** Answers once it has heard {@code remaining} times. */
    private static final class Countdown extends AbstractBehavior<Done> {

        private final ActorRef<Done> replyTo;
        private int remaining;

        private Countdown(ActorContext<Done> context, int remaining, ActorRef<Done> replyTo) {
            super(context);
            this.remaining = remaining;
            this.replyTo = replyTo;
        }

        static Behavior<Done> create(int remaining, ActorRef<Done> replyTo) {
            return Behaviors.setup(context -> new Countdown(context, remaining, replyTo).answerIfDone());
        }

        @Override
        public Receive<Done> createReceive() {
            return newReceiveBuilder()
                    .onMessage(Done.class, done -> {
                        remaining--;
                        return answerIfDone();
                    })
                    .build();
        }

        private Behavior<Done> answerIfDone() {
            if (remaining <= 0) {
                replyTo.tell(Done.getInstance());
                return Behaviors.stopped();
            }
            return this;
        }
    }
}
