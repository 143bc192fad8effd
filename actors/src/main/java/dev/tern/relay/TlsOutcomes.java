package dev.tern.relay;

import java.net.InetSocketAddress;
import java.util.Optional;

import dev.tern.streams.client.SmtpClientException;
import dev.tern.streams.client.SmtpClientSession;
import dev.tern.streams.client.TlsFailure;
import dev.tern.streams.client.TlsPolicy;
import dev.tern.streams.client.TlsVerdict;
import dev.tern.supervision.Causes;
import dev.tern.transport.HostSecurity;
import dev.tern.transport.PolicyRef;
import dev.tern.transport.TlsResults;

/**
 * How one session's TLS went, as TLS-RPT counts it (RFC 8460 §4.3): a session opened with a
 * verified certificate is a success; one that failed its policy, or in MTA-STS testing mode
 * would have, is a failure with its result type. Where no policy was published and nothing
 * enforced a check, any TLS session is a success: an unverified certificate broke no
 * policy. A session that went on in clear after a failed handshake ({@link TlsPolicy#OPPORTUNISTIC}) is
 * a {@code validation-failure} with the handshake's reason, as a failed handshake is when the policy
 * requires TLS: the server offered STARTTLS, so {@code starttls-not-supported} would be wrong. A
 * session that never reached TLS for
 * reasons of its own (refused connection, timeout) is no TLS result at all.
 */
final class TlsOutcomes {

    private TlsOutcomes() {
    }

    static void report(TlsResults results, HostSecurity host, InetSocketAddress address, SmtpClientSession session,
                       Throwable failure) {
        if (host.security().startTls() == TlsPolicy.OFF) {
            return; // Tern was told not to use TLS: nothing to report on
        }
        if (session != null) {
            reportOpened(results, host, address, session);
            return;
        }
        Throwable cause = Causes.unwrap(failure);
        if (cause instanceof SmtpClientException.TlsVerificationFailed failed) {
            results.failure(host.policy(), host.host(), address.getAddress(), failed.verdict().failure(),
                    failed.verdict().reason());
        } else if (cause instanceof SmtpClientException.TlsUnavailable unavailable) {
            results.failure(host.policy(), host.host(), address.getAddress(), TlsFailure.STARTTLS_NOT_SUPPORTED,
                    unavailable.getMessage());
        } else if (cause instanceof SmtpClientException.TlsHandshakeFailed handshake) {
            results.failure(host.policy(), host.host(), address.getAddress(), TlsFailure.VALIDATION_FAILURE,
                    handshake.getMessage());
        }
    }

    private static void reportOpened(TlsResults results, HostSecurity host, InetSocketAddress address,
                                     SmtpClientSession session) {
        Optional<String> handshake = session.fellBackToClear();
        if (handshake.isPresent()) { // STARTTLS was offered and broke: a failed negotiation, not a server without TLS
            results.failure(host.policy(), host.host(), address.getAddress(), TlsFailure.VALIDATION_FAILURE,
                    handshake.get() + "; mail went in clear");
            return;
        }
        if (session.tls().isEmpty()) {
            results.failure(host.policy(), host.host(), address.getAddress(), TlsFailure.STARTTLS_NOT_SUPPORTED,
                    session.serverName() + " took mail without TLS");
            return;
        }
        TlsVerdict verdict = session.tlsVerdict().orElseThrow();
        boolean judged = host.security().enforce() || !PolicyRef.NO_POLICY_FOUND.equals(host.policy().type());
        if (judged && verdict instanceof TlsVerdict.Failed failed) {
            results.failure(host.policy(), host.host(), address.getAddress(), failed.failure(), failed.reason());
        } else {
            results.success(host.policy(), host.host());
        }
    }
}
