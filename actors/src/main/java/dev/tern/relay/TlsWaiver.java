package dev.tern.relay;

import java.io.IOException;
import java.io.InputStream;

import org.slf4j.Logger;

import dev.tern.protocol.OriginalHeaders;
import dev.tern.protocol.TlsRequiredField;
import dev.tern.protocol.TlsRequirement;
import dev.tern.queue.QueueEntry;
import dev.tern.queue.QueueStore;
import dev.tern.streams.client.SmtpClientException;
import dev.tern.supervision.Causes;

/**
 * RFC 8689 §5, {@code TLS-Required: No}: which queued messages waive their destination's TLS policy, and which
 * failures are that policy holding an attempt back. The header is read from the queued message when a policy has
 * failed, not on arrival: it matters only then, and the message keeps it as it came (§5: it is passed on as is).
 */
final class TlsWaiver {

    /** The policy name of the sessions that carry waived messages, for logs and queue entries. */
    static final String POLICY = "tls-required-no";

    private TlsWaiver() {
    }

    /**
     * Whether the entry's message says {@code TLS-Required: No} and did not ask for REQUIRETLS (§4.1: the MAIL
     * parameter wins). A message whose headers cannot be read does not waive anything (logged).
     */
    static boolean waives(QueueEntry entry, QueueStore queue, Logger log) {
        if (entry == null || entry.isComplete() || entry.tls() == TlsRequirement.REQUIRETLS) {
            return false;
        }
        try (InputStream body = queue.openBody(entry)) {
            return TlsRequiredField.waivesTlsPolicy(OriginalHeaders.read(body, OriginalHeaders.DEFAULT_LIMIT));
        } catch (IOException | RuntimeException e) {
            log.warn("id={} cannot read its header for TLS-Required: {}", entry.id(), e.toString());
            return false;
        }
    }

    /**
     * Whether every MX host failing ({@code failure}, from {@link MxConnector}) was, for at least one host, TLS that
     * a policy required and did not get: no STARTTLS, a handshake that failed under a policy that requires TLS, or a
     * certificate the policy does not accept.
     */
    static boolean isPolicyFailure(Throwable failure) {
        Throwable cause = Causes.unwrap(failure);
        if (!(cause instanceof MxConnector.AllHostsFailed all)) {
            return isTlsFailure(cause);
        }
        return all.failures().stream().anyMatch(TlsWaiver::isTlsFailure);
    }

    private static boolean isTlsFailure(Throwable cause) {
        return cause instanceof SmtpClientException.TlsVerificationFailed
                || cause instanceof SmtpClientException.TlsUnavailable
                || cause instanceof SmtpClientException.TlsHandshakeFailed;
    }
}
