package dev.tern.tls;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/**
 * A server's certificate chain (its own certificate first, then the intermediates) and the private key of that
 * first certificate.
 */
public record TlsCredentials(List<X509Certificate> chain, PrivateKey privateKey) {

    public TlsCredentials {
        chain = List.copyOf(chain);
        Objects.requireNonNull(privateKey, "privateKey");
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("a certificate chain needs at least the server's own certificate");
        }
    }

    /** The server's own certificate: the first of the chain. */
    public X509Certificate certificate() {
        return chain.get(0);
    }
}
