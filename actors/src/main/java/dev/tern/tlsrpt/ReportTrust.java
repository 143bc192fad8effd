package dev.tern.tlsrpt;

import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The certificates an https report server may present: chains to the system's CAs or to those of
 * {@code --tls-trust}, as for verified SMTP (RFC 8460 §5.2 asks for HTTPS with a valid certificate).
 */
public final class ReportTrust {

    private ReportTrust() {
    }

    /** A client context trusting the system's CAs plus {@code extra}. */
    public static SSLContext context(List<X509Certificate> extra) throws GeneralSecurityException {
        if (extra.isEmpty()) {
            return SSLContext.getDefault();
        }
        KeyStore anchors;
        try {
            anchors = KeyStore.getInstance(KeyStore.getDefaultType());
            anchors.load(null, null);
        } catch (java.io.IOException e) {
            throw new GeneralSecurityException(e);
        }
        int n = 0;
        TrustManagerFactory system = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        system.init((KeyStore) null);
        for (TrustManager manager : system.getTrustManagers()) {
            if (manager instanceof X509TrustManager x509) {
                for (X509Certificate ca : x509.getAcceptedIssuers()) {
                    anchors.setCertificateEntry("system-" + n++, ca);
                }
            }
        }
        for (X509Certificate ca : extra) {
            anchors.setCertificateEntry("tls-trust-" + n++, ca);
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(anchors);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }
}
