package dev.tern.streams;

import javax.net.ssl.SSLSession;

import org.apache.pekko.util.ByteString;

/**
 * What {@link StartTlsStage} hands to the application from the network: octets (in clear
 * before the switch, decrypted after it), with {@link Established} between the two.
 *
 * <p>{@link Established} is the boundary the CVE-2011-0411 defence hangs on: every
 * {@link Bytes} before it was received in clear, every {@link Bytes} after it came out of
 * the TLS session. It comes exactly once, when the handshake completes, before any
 * decrypted octet; a connection whose handshake fails ends with a failure instead.
 */
public sealed interface TlsInbound {

    record Bytes(ByteString bytes) implements TlsInbound {
    }

    /**
     * The handshake completed.
     *
     * @param protocol    the negotiated version, e.g. {@code TLSv1.3}
     * @param cipherSuite the negotiated suite, e.g. {@code TLS_AES_256_GCM_SHA384}
     * @param session     the session itself, for peer certificates and the like
     */
    record Established(String protocol, String cipherSuite, SSLSession session) implements TlsInbound {

        static Established of(SSLSession session) {
            return new Established(session.getProtocol(), session.getCipherSuite(), session);
        }
    }
}
