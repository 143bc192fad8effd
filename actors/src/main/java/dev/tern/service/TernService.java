package dev.tern.service;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import javax.net.ssl.SSLEngine;

import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.server.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tern.aliases.Aliases;
import dev.tern.aliases.LocalRecipients;
import dev.tern.files.PrivateFiles;
import dev.tern.queue.QueueSpool;
import dev.tern.queue.QueueStore;
import dev.tern.queuedb.Connections;
import dev.tern.queuedb.PooledConnections;
import dev.tern.queuedb.QueueDatabase;
import dev.tern.http.Autoconfig;
import dev.tern.http.OperationsRoutes;
import dev.tern.metrics.TernMetrics;
import dev.tern.protocol.LocalRecipientPolicy;
import dev.tern.session.SessionSetup;
import dev.tern.store.MailboxStore;
import dev.tern.store.MaildirStore;
import dev.tern.store.NumberedStore;
import dev.tern.streams.TlsEngines;
import dev.tern.tls.PemCredentials;
import dev.tern.tls.SelfSignedCertificate;
import dev.tern.tls.ServerTlsContext;
import dev.tern.tls.TlsCredentialsException;
import dev.tern.users.UserDirectory;

/** Starts the actor system and its listeners, and stops them gracefully. */
final class TernService {

    private static final Logger LOG = LoggerFactory.getLogger(TernService.class);
    /** How long an enqueue or a relay waits for a queue database connection before it fails (4xx, or a retry). */
    private static final Duration QUEUE_DB_WAIT = Duration.ofSeconds(10);

    private final ActorSystem<Guardian.Command> system;
    private final TernSettings settings;
    private final List<Guardian.ListenerSpec> listeners;
    private final TernMetrics metrics;
    /** Every listener is bound and the service is not stopping: what /healthz reports. */
    private final AtomicBoolean ready = new AtomicBoolean();
    /** What {@link #reload()} reloads: the certificate and the user db. */
    private final ServerTlsContext tls;
    private final UserDirectory users;
    private ControlSocket control;
    /** The aliases file, re-read on change and on {@link #reload()}. */
    private Aliases aliases;

    private TernService(ActorSystem<Guardian.Command> system, TernSettings settings,
                        List<Guardian.ListenerSpec> listeners, TernMetrics metrics, ServerTlsContext tls,
                        UserDirectory users) {
        this.system = system;
        this.settings = settings;
        this.listeners = listeners;
        this.metrics = metrics;
        this.tls = tls;
        this.users = users;
    }

    static MailboxStore store(TernSettings settings) {
        return settings.store() == TernSettings.StoreFormat.MAILDIR
                ? new MaildirStore(settings.mailRoot(), settings.hostname(), Clock.systemUTC())
                : new NumberedStore(settings.mailRoot());
    }

    /**
     * The outbound queue: PostgreSQL given {@code --queue-db} (its tables created or migrated now), else the spool
     * files in {@code --queue-dir}.
     */
    static QueueStore queue(TernSettings settings, Connections connections) throws IOException {
        return settings.cluster().queueDb().isPresent() ? QueueDatabase.open(connections)
                : new QueueSpool(settings.relay().queueDir());
    }

    /** For an administration command: a connection per use, none kept. */
    static QueueStore queue(TernSettings settings) throws IOException {
        Optional<String> url = settings.cluster().queueDb();
        return queue(settings, url.isPresent() ? Connections.driverManager(url.get()) : null);
    }

    /** Returns once every listener is bound; throws if one cannot be. */
    static TernService start(TernSettings settings) throws IOException, StartupException {
        // The mail root stays traversable (an IMAP server may run as another user); each mailbox in it is 0700.
        // It comes first, so that a data directory it creates is not made private with the spool.
        Files.createDirectories(settings.mailRoot());
        PrivateFiles.createDirectories(settings.incomingDir());
        sweepIncoming(settings.incomingDir());
        PrivateFiles.createDirectories(settings.relay().queueDir());

        settings.cluster().bind().ifPresent(NodeConverter::name);
        Optional<PooledConnections> pool = Optional.empty();
        QueueStore queue;
        try {
            if (settings.cluster().queueDb().isPresent()) {
                pool = Optional.of(new PooledConnections(settings.cluster().queueDb().get(),
                        settings.cluster().queueDbConnections(), QUEUE_DB_WAIT));
            }
            queue = queue(settings, pool.orElse(null));
        } catch (IOException | RuntimeException e) { // HikariCP throws when it cannot connect at all
            pool.ifPresent(PooledConnections::close);
            throw new StartupException("queue database: " + JdbcUrls.withoutPassword(String.valueOf(e.getMessage())));
        }
        ServerTlsContext tls = tlsContext(settings);
        Supplier<SSLEngine> tlsEngines = TlsEngines.server(tls::context);
        List<Guardian.ListenerSpec> listeners = new ArrayList<>();
        settings.inbound().forEach(address -> listeners.add(new Guardian.ListenerSpec("inbound", address,
                LocalRecipientPolicy.Relay.DENIED, SessionSetup.Encryption.ON_STARTTLS, new CompletableFuture<>())));
        settings.outbound().forEach(address -> listeners.add(new Guardian.ListenerSpec("outbound", address,
                LocalRecipientPolicy.Relay.ALLOWED, SessionSetup.Encryption.ON_STARTTLS, new CompletableFuture<>())));
        settings.smtps().forEach(address -> listeners.add(new Guardian.ListenerSpec("smtps", address,
                LocalRecipientPolicy.Relay.DENIED, SessionSetup.Encryption.IMPLICIT, new CompletableFuture<>())));
        settings.submission().listeners().forEach(address -> listeners.add(new Guardian.ListenerSpec("submission",
                address, LocalRecipientPolicy.Relay.DENIED, SessionSetup.Encryption.ON_STARTTLS,
                Guardian.Senders.AUTHENTICATED, new CompletableFuture<>())));

        UserDirectory users = new UserDirectory(settings.usersFile());
        Aliases aliases = new Aliases(settings.aliasesFile(), settings.domains());
        LocalRecipients locals = new LocalRecipients(aliases, users::exists, settings.recipientDelimiter(),
                settings.adminsInOrder());
        warnWithoutPostmaster(locals);
        TernMetrics metrics = TernMetrics.forService();
        ActorSystem<Guardian.Command> system;
        try {
            system = ActorSystem.create(Guardian.create(settings, users, store(settings), queue, tlsEngines, listeners,
                    metrics, locals), ClusterAddress.SYSTEM, settings.actorSystemConfig());
        } catch (RuntimeException e) { // e.g. the --cluster-bind port is taken
            pool.ifPresent(PooledConnections::close);
            throw new StartupException(settings.cluster().bind().map(node -> "cluster node " + node + ": ").orElse("")
                    + e.getMessage());
        }
        pool.ifPresent(connections -> system.getWhenTerminated().thenRun(connections::close));
        TernService service = new TernService(system, settings, listeners, metrics, tls, users);
        service.aliases = aliases;
        service.addDrainTask(settings);
        for (Guardian.ListenerSpec listener : listeners) {
            awaitBound(system, listener.address(), listener.bound());
        }
        // The web page and the JSON API come up once mail can: the page can then show a working service.
        List<CompletableFuture<InetSocketAddress>> httpBound = settings.http().stream()
                .map(address -> new CompletableFuture<InetSocketAddress>()).toList();
        system.tell(new Guardian.BindHttp(settings.http(), service.extraHttpRoutes(), httpBound));
        for (int i = 0; i < httpBound.size(); i++) {
            awaitBound(system, settings.http().get(i), httpBound.get(i));
        }
        try {
            service.control = ControlSocket.open(settings.relay().queueDir(), new RelayControl(system, system.scheduler()));
        } catch (IOException e) {
            system.terminate();
            throw new StartupException("control socket: " + e.getMessage());
        }
        service.ready.set(true);
        CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeServiceUnbind(), "not-ready", () -> {
            service.ready.set(false); // /healthz says 503 while the service drains
            return CompletableFuture.completedFuture(Done.getInstance());
        });
        CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeServiceUnbind(), "control-socket",
                () -> {
                    service.control.close();
                    return CompletableFuture.completedFuture(Done.getInstance());
                });
        LOG.info("Tern ready: host {}, domains {}, mail root {} ({}), users {}, queue {}, admins {}",
                settings.hostname(), settings.domains(), settings.mailRoot(), settings.store().name().toLowerCase(),
                settings.usersFile(), settings.cluster().describeQueue(settings.relay().queueDir()), settings.admins());
        settings.cluster().bind().ifPresent(node -> LOG.info("cluster: node {} of the cluster with seeds {}; relays "
                + "are sharded over its members", node, settings.cluster().seeds()));
        return service;
    }

    /**
     * {@code GET /metrics}, {@code /healthz} and Thunderbird's autoconfig, for the {@code --http}
     * listeners to mount. The autoconfig names the submission and smtps listeners by the ports
     * they bound (their configured ones until then).
     */
    Route operationsRoutes() {
        return OperationsRoutes.create(metrics, ready::get, Autoconfig.of(settings.hostname(), settings.domains(),
                boundAddresses("submission"), boundAddresses("smtps"), settings.imapServer()));
    }

    private List<InetSocketAddress> boundAddresses(String listenerName) {
        return listeners.stream().filter(listener -> listener.name().equals(listenerName))
                .map(listener -> listener.bound().getNow(listener.address())).toList();
    }

    /**
     * Routes every HTTP listener serves before Tern's own web page and JSON API: the place for
     * {@code /metrics}, {@code /healthz} and mail-client autoconfiguration. Each must leave the
     * paths that are not its own unmatched.
     */
    private List<Route> extraHttpRoutes() {
        return List.of(operationsRoutes());
    }

    private static void awaitBound(ActorSystem<Guardian.Command> system, InetSocketAddress address,
                                   CompletableFuture<InetSocketAddress> bound) throws StartupException {
        try {
            bound.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException | InterruptedException e) {
            system.terminate();
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new StartupException("cannot listen on " + ListenAddress.format(address) + ": " + cause.getMessage());
        }
    }

    /** The configured certificate, or else the self-signed one in DATA/tls (made on first start); read again on reload. */
    private static ServerTlsContext tlsContext(TernSettings settings) throws StartupException {
        ServerTlsContext.Source source = settings.tlsCert() != null
                ? () -> PemCredentials.load(settings.tlsCert(), settings.tlsKey())
                : () -> {
                    SelfSignedCertificate selfSigned = SelfSignedCertificate.loadOrGenerate(settings.tlsDir(),
                            settings.hostname());
                    LOG.warn("TLS uses a self-signed certificate ({}); clients cannot verify it: give --tls-cert and"
                            + " --tls-key", selfSigned.reason());
                    return selfSigned.credentials();
                };
        try {
            return ServerTlsContext.load(source);
        } catch (TlsCredentialsException e) {
            throw new StartupException("TLS: " + e.getMessage());
        }
    }

    /**
     * SIGHUP: the TLS certificate and key are read again (new sessions get them, open ones keep
     * theirs; a bad file leaves the old certificate in use) and the user db is re-read even if it
     * looks unchanged, and so is the aliases file. Nothing else restarts, no session is dropped.
     */
    synchronized void reload() {
        LOG.info("reloading (SIGHUP): TLS certificate, user db and aliases");
        tls.reload();
        users.reload();
        aliases.reload();
    }

    /** RFC 5321 §4.5.1: postmaster@ must be accepted; say so at start when nothing would take it. */
    private static void warnWithoutPostmaster(LocalRecipients locals) {
        if (!locals.hasPostmaster()) {
            LOG.warn("postmaster@ has nowhere to go, so it is refused (RFC 5321 §4.5.1 requires it): add a"
                    + " postmaster alias or user, or an --admin who is a user");
        }
    }

    /** Staged files of messages that never got their 250 (the process died mid-transaction). */
    private static void sweepIncoming(Path incoming) throws IOException {
        try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(incoming)) {
            for (Path leftover : leftovers) {
                Files.deleteIfExists(leftover);
            }
        }
    }

    private void addDrainTask(TernSettings settings) {
        CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseServiceRequestsDone(), "drain-sessions",
                () -> {
                    if (CoordinatedShutdown.get(system).getShutdownReason()
                            .filter(reason -> reason == CoordinatedShutdown.clusterDowningReason()).isPresent()) {
                        // downed by the cluster: its relays start elsewhere soon, so stop at once (no 250 is lost:
                        // a transaction cut here never got one)
                        LOG.warn("this node was downed by the cluster: stopping without draining sessions");
                        return CompletableFuture.completedFuture(Done.getInstance());
                    }
                    CompletionStage<Done> drained = AskPattern.ask(system, Guardian.Drain::new,
                            settings.shutdownGrace(), system.scheduler());
                    return drained.exceptionally(timeout -> {
                        LOG.warn("sessions still running after {}; stopping anyway", settings.shutdownGrace());
                        return Done.getInstance();
                    });
                });
    }

    /** Runs the coordinated shutdown: unbind, drain sessions, stop actors. */
    void stop() {
        CoordinatedShutdown.get(system).runAll(CoordinatedShutdown.unknownReason()).toCompletableFuture().join();
    }

    /** Completes when the actor system has terminated: after {@link #stop()}, or when a cluster downed this node. */
    CompletionStage<?> terminated() {
        return system.getWhenTerminated();
    }

    void awaitTermination() throws InterruptedException {
        system.getWhenTerminated().toCompletableFuture().join();
    }

    /** A listener could not be started. */
    static final class StartupException extends Exception {
        StartupException(String message) {
            super(message);
        }
    }
}
