package dev.tern.protocol;

/**
 * The TLS layer of a session once its handshake is done.
 *
 * @param protocol    e.g. {@code TLSv1.3}
 * @param cipherSuite e.g. {@code TLS_AES_256_GCM_SHA384}
 */
public record TlsSession(String protocol, String cipherSuite) {
}
