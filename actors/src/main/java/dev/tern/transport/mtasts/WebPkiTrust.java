package dev.tern.transport.mtasts;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The trust for fetching policies (RFC 8461 §3.3: "the certificate MUST be valid for the Policy
 * Host", checked as HTTPS does, RFC 6125): the JDK's CA certificates plus those of
 * {@code --tls-trust}, in one PKIX trust store. The host name is checked by the engine, which
 * {@link PolicyFetcher} sets up with endpoint identification "HTTPS".
 */
public final class WebPkiTrust {

    private WebPkiTrust() {
    }

    /** A client context trusting the system's CAs and {@code extra}. */
    public static SSLContext context(List<X509Certificate> extra) throws GeneralSecurityException {
        KeyStore anchors = KeyStore.getInstance(KeyStore.getDefaultType());
        try {
            anchors.load(null, null);
        } catch (IOException e) {
            throw new GeneralSecurityException("cannot create an empty key store", e);
        }
        int n = 0;
        for (X509Certificate ca : systemCas()) {
            anchors.setCertificateEntry("system-" + n++, ca);
        }
        for (X509Certificate ca : extra) {
            anchors.setCertificateEntry("tls-trust-" + n++, ca);
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
        factory.init(anchors);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context;
    }

    private static X509Certificate[] systemCas() throws GeneralSecurityException {
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init((KeyStore) null); // the JDK's cacerts
        for (var manager : factory.getTrustManagers()) {
            if (manager instanceof X509TrustManager x509) {
                return x509.getAcceptedIssuers();
            }
        }
        return new X509Certificate[0];
    }
}
