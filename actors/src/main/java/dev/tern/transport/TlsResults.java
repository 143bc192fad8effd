package dev.tern.transport;

import java.net.InetAddress;

import dev.tern.streams.client.TlsFailure;

/** Where relays report each session's TLS outcome (TLS-RPT counts them). Must never block. */
public interface TlsResults {

    void success(PolicyRef policy, String mxHost);

    void failure(PolicyRef policy, String mxHost, InetAddress receivingIp, TlsFailure failure, String reason);

    /** Counts nothing. */
    TlsResults NONE = new TlsResults() {
        @Override
        public void success(PolicyRef policy, String mxHost) {
        }

        @Override
        public void failure(PolicyRef policy, String mxHost, InetAddress receivingIp, TlsFailure failure,
                            String reason) {
        }
    };
}
