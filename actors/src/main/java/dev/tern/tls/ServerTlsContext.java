package dev.tern.tls;

import java.security.cert.X509Certificate;
import java.util.concurrent.atomic.AtomicReference;

import javax.net.ssl.SSLContext;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's TLS context as the running service sees it: loaded at start, replaced whole
 * on {@link #reload()} (SIGHUP). Listeners make each connection's engine from
 * {@link #context()} at that moment, so new sessions get the new certificate while open ones
 * keep the engine, and the certificate, they started with. A certificate that fails to load
 * on reload is logged, naming the file, and the one in use stays.
 */
public final class ServerTlsContext {

    private static final Logger LOG = LoggerFactory.getLogger(ServerTlsContext.class);

    /** Where the credentials come from: PEM files, or the self-signed pair. Called at start and on every reload. */
    @FunctionalInterface
    public interface Source {
        TlsCredentials load() throws TlsCredentialsException;
    }

    /** A context and the credentials it serves, swapped together. */
    private record Loaded(SSLContext context, TlsCredentials credentials) {
    }

    private final Source source;
    private final AtomicReference<Loaded> current;

    private ServerTlsContext(Source source, Loaded first) {
        this.source = source;
        this.current = new AtomicReference<>(first);
    }

    /** Loads the credentials once; a failure here stops the start (there is nothing to fall back on). */
    public static ServerTlsContext load(Source source) throws TlsCredentialsException {
        return new ServerTlsContext(source, loadFrom(source));
    }

    /** The context for the next connection's engine. */
    public SSLContext context() {
        return current.get().context();
    }

    /** The certificate new connections are served. */
    public X509Certificate certificate() {
        return current.get().credentials().certificate();
    }

    /**
     * Loads the credentials again and serves them from the next connection on. Returns whether
     * it did; when they cannot be loaded (missing or malformed file, key not matching), the
     * error is logged and the previous certificate stays in use.
     */
    public synchronized boolean reload() {
        X509Certificate before = certificate();
        try {
            Loaded loaded = loadFrom(source);
            current.set(loaded);
            LOG.info("TLS certificate reloaded: {} (serial {}, valid until {}); was serial {}",
                    loaded.credentials().certificate().getSubjectX500Principal().getName(),
                    loaded.credentials().certificate().getSerialNumber().toString(16),
                    loaded.credentials().certificate().getNotAfter().toInstant(),
                    before.getSerialNumber().toString(16));
            return true;
        } catch (TlsCredentialsException e) {
            LOG.error("TLS certificate not reloaded, keeping {} (serial {}): {}",
                    before.getSubjectX500Principal().getName(), before.getSerialNumber().toString(16), e.getMessage());
            return false;
        } catch (RuntimeException e) { // a bug, not a bad file: the trace helps, and the service carries on
            LOG.error("TLS certificate not reloaded, keeping {} (serial {})",
                    before.getSubjectX500Principal().getName(), before.getSerialNumber().toString(16), e);
            return false;
        }
    }

    private static Loaded loadFrom(Source source) throws TlsCredentialsException {
        TlsCredentials credentials = source.load();
        return new Loaded(TlsContexts.serverContext(credentials), credentials);
    }
}
