package dev.tern.transport;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.Locale;

import dev.tern.streams.client.ConnectionSecurity;
import dev.tern.streams.client.PkixCheck;

/**
 * {@code --outbound-tls} for every host: the policy where no destination publishes one.
 * Every handshake is judged against the web PKI even when nothing enforces it, so that a
 * session knows whether it is verified (REQUIRETLS messages need that, RFC 8689 §4.1) and
 * TLS reports can count it.
 */
public final class LocalPolicy implements OutboundPolicies {

    private final OutboundTls mode;
    private final PkixCheck pkix;

    public LocalPolicy(OutboundTls mode, PkixCheck pkix) {
        this.mode = mode;
        this.pkix = pkix;
    }

    /** The connection security of one host under this policy. */
    public ConnectionSecurity security() {
        return new ConnectionSecurity(mode.startTls(), pkix, mode == OutboundTls.VERIFY,
                mode.name().toLowerCase(Locale.ROOT));
    }

    /** The same decision for one host, synchronously: for policies that fall back on this one. */
    public HostSecurity host(String domain, String host) {
        return new HostSecurity(host, security(), PolicyRef.none(domain));
    }

    @Override
    public CompletionStage<DestinationSecurity> forDestination(String domain, List<String> hosts) {
        return CompletableFuture.completedFuture(new DestinationSecurity(domain,
                hosts.stream().map(host -> host(domain, host)).toList()));
    }
}
