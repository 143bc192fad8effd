package dev.tern.streams;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/** {@link SSLEngine} factories with Tern's settings, one fresh engine per connection. */
public final class TlsEngines {

    /** The only protocol versions offered or accepted. */
    public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    private TlsEngines() {
    }

    /**
     * Server engines: TLSv1.2 and TLSv1.3 only, the server's cipher suite order wins, no
     * client certificate asked for. The context's default suites are kept (the JDK's are
     * already restricted to forward-secret AEAD and CBC suites it deems acceptable).
     */
    public static Supplier<SSLEngine> server(SSLContext context) {
        SSLParameters parameters = serverParameters(context);
        return () -> serverEngine(context, parameters);
    }

    /**
     * As {@link #server(SSLContext)}, but each engine comes from the context {@code contexts}
     * gives at that moment: a context swapped in (a new certificate, on reload) serves every
     * connection from then on, while engines made before keep theirs.
     */
    public static Supplier<SSLEngine> server(Supplier<SSLContext> contexts) {
        AtomicReference<ServerPolicy> last = new AtomicReference<>();
        return () -> {
            SSLContext context = contexts.get();
            ServerPolicy policy = last.get();
            if (policy == null || policy.context() != context) {
                policy = new ServerPolicy(context, serverParameters(context));
                last.set(policy);
            }
            return serverEngine(context, policy.parameters());
        };
    }

    /** The parameters worked out for one context, kept until the context changes. */
    private record ServerPolicy(SSLContext context, SSLParameters parameters) {
    }

    private static SSLEngine serverEngine(SSLContext context, SSLParameters parameters) {
        SSLEngine engine = context.createSSLEngine();
        engine.setUseClientMode(false); // first: switching modes resets default protocol lists
        engine.setSSLParameters(parameters);
        return engine;
    }

    /** The server policy as parameters, also for an {@code SSLServerSocket}. */
    public static SSLParameters serverParameters(SSLContext context) {
        SSLParameters parameters = context.getDefaultSSLParameters();
        parameters.setProtocols(supported(context.getSupportedSSLParameters().getProtocols()));
        parameters.setUseCipherSuitesOrder(true);
        parameters.setNeedClientAuth(false);
        parameters.setWantClientAuth(false);
        return parameters;
    }

    /**
     * Client engines for a connection to {@code host}: TLSv1.2 and TLSv1.3 only, the host
     * sent as SNI. No hostname verification is switched on here: opportunistic SMTP TLS
     * does not verify (RFC 7435), and DANE or MTA-STS checks belong to the caller.
     */
    public static Supplier<SSLEngine> client(SSLContext context, String host, int port) {
        return () -> {
            SSLEngine engine = context.createSSLEngine(host, port);
            engine.setUseClientMode(true);
            SSLParameters parameters = engine.getSSLParameters();
            parameters.setProtocols(supported(engine.getSupportedProtocols()));
            engine.setSSLParameters(parameters);
            return engine;
        };
    }

    /** {@link #PROTOCOLS} that the engine's provider supports, so a JDK without TLSv1.3 still works. */
    private static String[] supported(String[] supportedProtocols) {
        List<String> available = Arrays.asList(supportedProtocols);
        String[] protocols = PROTOCOLS.stream().filter(available::contains).toArray(String[]::new);
        if (protocols.length == 0) {
            throw new IllegalStateException("the TLS provider supports neither TLSv1.2 nor TLSv1.3");
        }
        return protocols;
    }
}
