package dev.tern.transport;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/**
 * How Tern secures its outbound SMTP connections.
 *
 * @param outboundTls what Tern requires where no published policy says more ({@code --outbound-tls})
 * @param trusted     CA certificates trusted besides the system's ({@code --tls-trust})
 * @param mtaSts      whether destinations' MTA-STS policies are honoured ({@code --mta-sts})
 */
public record TransportSettings(OutboundTls outboundTls, List<X509Certificate> trusted, boolean mtaSts) {

    public TransportSettings {
        Objects.requireNonNull(outboundTls, "outboundTls");
        trusted = List.copyOf(trusted);
    }

    /** Only the local mode, the system's CAs, no published policies: tests and tools. */
    public static TransportSettings local(OutboundTls outboundTls) {
        return new TransportSettings(outboundTls, List.of(), false);
    }
}
