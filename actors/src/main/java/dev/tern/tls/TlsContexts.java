package dev.tern.tls;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.util.Arrays;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The server's {@link SSLContext}: its certificate chain and key in a key manager. The
 * engines' policy (TLS 1.3 and 1.2 only, server cipher order, no client certificates) is
 * {@code dev.tern.streams.TlsEngines}.
 */
public final class TlsContexts {

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

    private static char[] randomPassword() {
        SecureRandom random = new SecureRandom();
        char[] password = new char[24];
        for (int i = 0; i < password.length; i++) {
            password[i] = (char) ('a' + random.nextInt(26));
        }
        return password;
    }
}
