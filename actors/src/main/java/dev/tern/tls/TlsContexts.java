package dev.tern.tls;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * The JDK TLS objects a server needs: an {@link SSLContext} holding the server's certificate chain and key, and
 * server-mode {@link SSLEngine}s that speak only TLS 1.3 and 1.2, prefer the server's cipher suite order and ask
 * no client for a certificate.
 */
public final class TlsContexts {

    /** The protocols a server engine enables, best first (those the JDK lacks are left out). */
    public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    private static final String KEY_ALIAS = "server";

    private TlsContexts() {
    }

    /** A TLS context whose key manager offers {@code credentials}; it trusts the JDK's default CAs (unused). */
    public static SSLContext serverContext(TlsCredentials credentials) throws TlsCredentialsException {
        char[] password = randomPassword(); // the store lives in memory only; a password is still required
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry(KEY_ALIAS, credentials.privateKey(), password,
                    credentials.chain().toArray(Certificate[]::new));
            KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keyManagers.init(store, password);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keyManagers.getKeyManagers(), null, null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new TlsCredentialsException("cannot use the certificate "
                    + credentials.certificate().getSubjectX500Principal().getName() + " for TLS ("
                    + TlsCredentialsException.describe(e) + ")", e);
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    /**
     * A new engine for one server connection: server mode, TLS 1.3 and 1.2 only, the server's cipher suite order,
     * no client certificates.
     */
    public static SSLEngine serverEngine(SSLContext context) {
        SSLEngine engine = context.createSSLEngine();
        engine.setUseClientMode(false);
        engine.setSSLParameters(serverParameters(context));
        return engine;
    }

    /** {@link #serverEngine} as a factory, e.g. for Pekko's {@code Tcp.bindWithTls}. */
    public static Supplier<SSLEngine> serverEngines(SSLContext context) {
        return () -> serverEngine(context);
    }

    /**
     * The context's default parameters with the server policy applied: protocols {@link #PROTOCOLS} (as far as
     * the context supports them), server cipher suite order, no client authentication. Also usable for an
     * {@code SSLServerSocket}.
     *
     * @throws IllegalStateException if the JDK supports neither TLS 1.3 nor 1.2
     */
    public static SSLParameters serverParameters(SSLContext context) {
        Set<String> supported = Set.of(context.getSupportedSSLParameters().getProtocols());
        String[] protocols = PROTOCOLS.stream().filter(supported::contains).toArray(String[]::new);
        if (protocols.length == 0) {
            throw new IllegalStateException("this JDK supports neither TLS 1.3 nor TLS 1.2 (it supports "
                    + supported + ")");
        }
        SSLParameters parameters = context.getDefaultSSLParameters();
        parameters.setProtocols(protocols);
        parameters.setUseCipherSuitesOrder(true);
        parameters.setWantClientAuth(false);
        parameters.setNeedClientAuth(false);
        return parameters;
    }

    private static char[] randomPassword() {
        SecureRandom random = new SecureRandom();
        char[] password = new char[24];
        for (int i = 0; i < password.length; i++) {
            password[i] = (char) ('a' + random.nextInt(26));
        }
        return password;
    }
}
