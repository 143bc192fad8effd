package dev.tern.streams.client;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/** The X.509 chain a server presented, leaf first; empty when it presented none. */
final class PeerChain {

    private PeerChain() {
    }

    static List<X509Certificate> of(SSLSession session) {
        List<X509Certificate> chain = new ArrayList<>();
        try {
            for (Certificate certificate : session.getPeerCertificates()) {
                if (certificate instanceof X509Certificate x509) {
                    chain.add(x509);
                }
            }
        } catch (SSLPeerUnverifiedException none) {
            return List.of();
        }
        return chain;
    }
}
