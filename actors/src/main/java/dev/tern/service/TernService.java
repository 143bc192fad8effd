package dev.tern.service;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;

import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.server.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tern.files.PrivateFiles;
import dev.tern.protocol.LocalRecipientPolicy;
import dev.tern.session.SessionSetup;
import dev.tern.store.MailboxStore;
import dev.tern.store.MaildirStore;
import dev.tern.store.NumberedStore;
import dev.tern.streams.TlsEngines;
import dev.tern.tls.PemCredentials;
import dev.tern.tls.SelfSignedCertificate;
import dev.tern.tls.TlsContexts;
import dev.tern.tls.TlsCredentialsException;
import dev.tern.users.UserDirectory;

/** Starts the actor system and its listeners, and stops them gracefully. */
final class TernService {

    private static final Logger LOG = LoggerFactory.getLogger(TernService.class);

    private final ActorSystem<Guardian.Command> system;
    private ControlSocket control;

    private TernService(ActorSystem<Guardian.Command> system) {
        this.system = system;
    }

    static MailboxStore store(TernSettings settings) {
        return settings.store() == TernSettings.StoreFormat.MAILDIR
                ? new MaildirStore(settings.mailRoot(), settings.hostname(), Clock.systemUTC())
                : new NumberedStore(settings.mailRoot());
    }

    /** Returns once every listener is bound; throws if one cannot be. */
    static TernService start(TernSettings settings) throws IOException, StartupException {
        // The mail root stays traversable (an IMAP server may run as another user); each mailbox in it is 0700.
        // It comes first, so that a data directory it creates is not made private with the spool.
        Files.createDirectories(settings.mailRoot());
        PrivateFiles.createDirectories(settings.incomingDir());
        sweepIncoming(settings.incomingDir());
        PrivateFiles.createDirectories(settings.relay().queueDir());

        Supplier<SSLEngine> tlsEngines = TlsEngines.server(tlsContext(settings));
        List<Guardian.ListenerSpec> listeners = new ArrayList<>();
        settings.inbound().forEach(address -> listeners.add(new Guardian.ListenerSpec(address,
                LocalRecipientPolicy.Relay.DENIED, SessionSetup.Encryption.ON_STARTTLS, new CompletableFuture<>())));
        settings.outbound().forEach(address -> listeners.add(new Guardian.ListenerSpec(address,
                LocalRecipientPolicy.Relay.ALLOWED, SessionSetup.Encryption.ON_STARTTLS, new CompletableFuture<>())));
        settings.smtps().forEach(address -> listeners.add(new Guardian.ListenerSpec(address,
                LocalRecipientPolicy.Relay.DENIED, SessionSetup.Encryption.IMPLICIT, new CompletableFuture<>())));

        UserDirectory users = new UserDirectory(settings.usersFile());
        ActorSystem<Guardian.Command> system = ActorSystem.create(
                Guardian.create(settings, users, store(settings), tlsEngines, listeners), "tern", settings.config());
        TernService service = new TernService(system);
        service.addDrainTask(settings);
        for (Guardian.ListenerSpec listener : listeners) {
            awaitBound(system, listener.address(), listener.bound());
        }
        // The web page and the JSON API come up once mail can: the page can then show a working service.
        List<CompletableFuture<InetSocketAddress>> httpBound = settings.http().stream()
                .map(address -> new CompletableFuture<InetSocketAddress>()).toList();
        system.tell(new Guardian.BindHttp(settings.http(), extraHttpRoutes(), httpBound));
        for (int i = 0; i < httpBound.size(); i++) {
            awaitBound(system, settings.http().get(i), httpBound.get(i));
        }
        try {
            service.control = ControlSocket.open(settings.relay().queueDir(), new RelayControl(system, system.scheduler()));
        } catch (IOException e) {
            system.terminate();
            throw new StartupException("control socket: " + e.getMessage());
        }
        CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeServiceUnbind(), "control-socket",
                () -> {
                    service.control.close();
                    return CompletableFuture.completedFuture(Done.getInstance());
                });
        LOG.info("Tern ready: host {}, domains {}, mail root {} ({}), users {}, queue {}, admins {}",
                settings.hostname(), settings.domains(), settings.mailRoot(), settings.store().name().toLowerCase(),
                settings.usersFile(), settings.relay().queueDir(), settings.admins());
        return service;
    }

    /**
     * Routes every HTTP listener serves before Tern's own web page and JSON API: the place for
     * {@code /metrics}, {@code /healthz} and mail-client autoconfiguration. Each must leave the
     * paths that are not its own unmatched.
     */
    private static List<Route> extraHttpRoutes() {
        return List.of();
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

    /** The configured certificate, or else the self-signed one in DATA/tls (made on first start). */
    private static SSLContext tlsContext(TernSettings settings) throws StartupException {
        try {
            if (settings.tlsCert() != null) {
                return TlsContexts.serverContext(PemCredentials.load(settings.tlsCert(), settings.tlsKey()));
            }
            SelfSignedCertificate selfSigned = SelfSignedCertificate.loadOrGenerate(settings.tlsDir(), settings.hostname());
            LOG.warn("TLS uses a self-signed certificate ({}); clients cannot verify it: give --tls-cert and --tls-key",
                    selfSigned.reason());
            return TlsContexts.serverContext(selfSigned.credentials());
        } catch (TlsCredentialsException e) {
            throw new StartupException("TLS: " + e.getMessage());
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
