package dev.tern.streams.client;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The client TLS context for opportunistic SMTP between MTAs.
 *
 * <p>Why it trusts every certificate: MX hosts are found through unauthenticated DNS and
 * commonly present self-signed or mismatched certificates. RFC 7435 §1.3 and RFC 3207 §4.1
 * say that without an authenticated policy (DANE, MTA-STS) a client should encrypt anyway
 * rather than refuse or fall back to clear text — encryption against passive eavesdroppers is
 * better than none. A verifying context here would turn those deliveries into cleartext ones,
 * not into authenticated ones. Do not use this context where the peer must be authenticated
 * (submission to a smarthost with credentials, or a DANE/MTA-STS policy): build a verifying
 * one instead.
 */
public final class OpportunisticTls {

    private OpportunisticTls() {
    }

    /** A fresh client context that accepts any server certificate chain. */
    public static SSLContext context() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new AcceptAnyServer()}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no TLS provider", e);
        }
    }

    /** Accepts server chains unchecked; never used for client certificates. */
    private static final class AcceptAnyServer extends X509ExtendedTrustManager {
        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("client certificates are not accepted here");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
