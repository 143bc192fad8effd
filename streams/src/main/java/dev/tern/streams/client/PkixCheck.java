package dev.tern.streams.client;

import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The web PKI's answer, as {@code --outbound-tls verify} and MTA-STS ask (RFC 8461 §4.2): a
 * chain to one of the system's CAs or one of {@code --tls-trust}'s, and a certificate valid
 * for the MX host name ({@link CertificateNames}). Revocation is not checked: no MTA does,
 * and an OCSP fetch per delivery would put a web server on every mail's path.
 */
public final class PkixCheck implements CertificateCheck {

    /** TLS 1.3 leaves the key exchange out of the suite; the JDK checks key usage loosely for it. */
    private static final String ANY_AUTH_TYPE = "UNKNOWN";

    private final List<X509TrustManager> anchors;

    private PkixCheck(List<X509TrustManager> anchors) {
        this.anchors = List.copyOf(anchors);
    }

    /** The system's CAs, and {@code extra} besides (may be empty). */
    public static PkixCheck trusting(Collection<X509Certificate> extra) {
        List<X509TrustManager> anchors = new ArrayList<>();
        anchors.add(trustManager(null));
        if (!extra.isEmpty()) {
            try {
                KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
                store.load(null, null);
                int n = 0;
                for (X509Certificate certificate : extra) {
                    store.setCertificateEntry("tls-trust-" + n++, certificate);
                }
                anchors.add(trustManager(store));
            } catch (GeneralSecurityException | java.io.IOException e) {
                throw new IllegalStateException("cannot hold the trusted certificates", e);
            }
        }
        return new PkixCheck(anchors);
    }

    @Override
    public TlsVerdict check(List<X509Certificate> chain, String hostName) {
        return check(chain, Set.of(hostName), hostName);
    }

    /** As {@link #check(List, String)}, with every name the certificate may carry (RFC 7672 §3.2.3). */
    public TlsVerdict check(List<X509Certificate> chain, Collection<String> referenceIds, String hostName) {
        if (chain.isEmpty()) {
            return new TlsVerdict.Failed(TlsFailure.VALIDATION_FAILURE, hostName + " presented no certificate");
        }
        TlsVerdict trust = trusted(chain.toArray(X509Certificate[]::new), hostName);
        if (!trust.verified()) {
            return trust;
        }
        if (!CertificateNames.matchesAny(chain.get(0), referenceIds)) {
            return new TlsVerdict.Failed(TlsFailure.CERTIFICATE_HOST_MISMATCH, "certificate of " + hostName
                    + " is for " + names(chain.get(0)) + ", not " + String.join(" or ", referenceIds));
        }
        return new TlsVerdict.Verified("PKIX for " + hostName);
    }

    private TlsVerdict trusted(X509Certificate[] chain, String hostName) {
        CertificateException last = null;
        for (X509TrustManager anchor : anchors) {
            try {
                anchor.checkServerTrusted(chain, ANY_AUTH_TYPE);
                return new TlsVerdict.Verified("trusted");
            } catch (CertificateException e) {
                last = e;
            }
        }
        if (expired(last)) {
            return new TlsVerdict.Failed(TlsFailure.CERTIFICATE_EXPIRED, "certificate of " + hostName
                    + " has expired or is not yet valid");
        }
        return new TlsVerdict.Failed(TlsFailure.CERTIFICATE_NOT_TRUSTED, "certificate of " + hostName
                + " is not trusted: " + shortly(last));
    }

    private static boolean expired(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof CertificateExpiredException || cause instanceof CertificateNotYetValidException
                    || cause instanceof CertPathValidatorException invalid
                    && (invalid.getReason() == CertPathValidatorException.BasicReason.EXPIRED
                    || invalid.getReason() == CertPathValidatorException.BasicReason.NOT_YET_VALID)) {
                return true;
            }
        }
        return false;
    }

    /** The innermost message: the JDK wraps one reason in several layers. */
    private static String shortly(Throwable failure) {
        Throwable inner = failure;
        while (inner.getCause() != null && inner.getCause() != inner) {
            inner = inner.getCause();
        }
        String message = inner.getMessage();
        return message == null ? inner.getClass().getSimpleName() : message;
    }

    private static String names(X509Certificate certificate) {
        List<String> names = CertificateNames.of(certificate);
        return names.isEmpty() ? "no host name" : String.join(", ", names);
    }

    private static X509TrustManager trustManager(KeyStore store) {
        try {
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            for (TrustManager manager : factory.getTrustManagers()) {
                if (manager instanceof X509TrustManager x509) {
                    return x509;
                }
            }
            throw new IllegalStateException("no X.509 trust manager");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no trust manager", e);
        }
    }
}
