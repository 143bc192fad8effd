package dev.tern.streams;

import org.apache.pekko.util.ByteString;

/**
 * What the application hands to {@link StartTlsStage} for the network: octets, and — once —
 * the order to switch the connection to TLS.
 */
public sealed interface TlsOutbound {

    /** Octets for the peer: written as they are before the switch, encrypted after it. */
    record Bytes(ByteString bytes) implements TlsOutbound {
    }

    /**
     * Switch to TLS. {@code lastPlaintext} (a server's {@code 220 2.0.0 Ready to start TLS},
     * or empty for a client) is written in clear first; the stage stops handing received
     * plaintext to the application the moment it takes this element — before those octets
     * reach the wire, so a peer's first handshake record can never be mistaken for plaintext —
     * and everything written or received after it goes through TLS.
     */
    record StartTls(ByteString lastPlaintext) implements TlsOutbound {
        public StartTls {
            if (lastPlaintext == null) {
                lastPlaintext = ByteString.emptyByteString();
            }
        }

        /** For the client role: nothing more to write in clear. */
        public StartTls() {
            this(ByteString.emptyByteString());
        }
    }
}
