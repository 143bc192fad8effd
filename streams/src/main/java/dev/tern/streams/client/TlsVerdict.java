package dev.tern.streams.client;

import java.util.Objects;

/** What a server's certificate chain proved, checked after the TLS handshake by a {@link CertificateCheck}. */
public sealed interface TlsVerdict {

    /** @param how what was proved, for logs: e.g. {@code PKIX for mx.example.com} */
    record Verified(String how) implements TlsVerdict {
        public Verified {
            Objects.requireNonNull(how, "how");
        }
    }

    /**
     * @param failure the RFC 8460 result type
     * @param reason  what was wrong, worded for logs and queue entries
     */
    record Failed(TlsFailure failure, String reason) implements TlsVerdict {
        public Failed {
            Objects.requireNonNull(failure, "failure");
            Objects.requireNonNull(reason, "reason");
        }
    }

    default boolean verified() {
        return this instanceof Verified;
    }
}
