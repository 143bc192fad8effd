package dev.tern.transport;

import java.net.InetAddress;

import dev.tern.streams.client.TlsFailure;

/**
 * Where relays report how each session's TLS went under its policy, for TLS-RPT
 * (RFC 8460). Calls must return at once: relays call it on their own thread.
 */
public interface TlsResults {

    /** Nobody counts. */
    TlsResults NONE = new TlsResults() {
        @Override
        public void success(PolicyRef policy, String mxHost) {
        }

        @Override
        public void failure(PolicyRef policy, String mxHost, InetAddress receivingIp, TlsFailure failure,
                            String reason) {
        }
    };

    /** A session was established as the policy requires. */
    void success(PolicyRef policy, String mxHost);

    /**
     * A session failed the policy (or would have, in MTA-STS testing mode).
     *
     * @param receivingIp the MX address connected to; null when no connection was made
     * @param reason      what went wrong, for {@code failure-reason-code}
     */
    void failure(PolicyRef policy, String mxHost, InetAddress receivingIp, TlsFailure failure, String reason);
}
