package dev.tern.relay;

import java.util.List;

import dev.tern.protocol.SmtpReply;
import dev.tern.streams.client.SmtpClientException;
import dev.tern.supervision.Causes;
import dev.tern.supervision.DeliveryFailure;
import dev.tern.supervision.FailureClassifier;
import dev.tern.supervision.FailureKind;

/** What an SMTP client failure means for the recipients it touched: the status and Diagnostic-Code to record. */
final class OutboundFailures {

    private OutboundFailures() {
    }

    /** One session's failure. A rejection is classified by its reply; everything else is transient. */
    static DeliveryFailure of(Throwable failure) {
        Throwable cause = Causes.unwrap(failure);
        if (cause instanceof SmtpClientException.SessionRejected rejected) {
            return ofReply(rejected.reply());
        }
        if (cause instanceof SmtpClientException.TlsUnavailable || cause instanceof SmtpClientException.TlsHandshakeFailed
                || cause instanceof SmtpClientException.TlsVerificationFailed) {
            return transientFailure("4.7.5", cause.getMessage()); // Postfix's status for the same cases
        }
        if (cause instanceof SmtpClientException.ReplyTimeout || cause instanceof SmtpClientException.ConnectFailed) {
            return transientFailure(FailureClassifier.ofException(cause).status(), cause.getMessage());
        }
        if (cause instanceof SmtpClientException.ProtocolViolation) {
            return transientFailure("4.5.0", cause.getMessage());
        }
        if (cause instanceof SmtpClientException.BodyUnreadable) {
            return transientFailure("4.3.0", cause.getMessage());
        }
        return FailureClassifier.ofException(cause);
    }

    /**
     * Every MX host failed. Permanent only when every one of them rejected us outright with
     * a 5xx (no host of the domain takes mail from us); otherwise the last transient failure.
     */
    static DeliveryFailure ofAllHosts(Throwable failure) {
        Throwable cause = Causes.unwrap(failure);
        if (!(cause instanceof MxConnector.AllHostsFailed all)) {
            return of(cause);
        }
        List<Throwable> failures = all.failures();
        if (failures.isEmpty()) {
            return transientFailure("4.4.4", "no MX host has an address to connect to");
        }
        boolean allRejectedForGood = failures.stream().allMatch(f -> f instanceof SmtpClientException.SessionRejected r
                && r.reply().isPermanentFailure());
        if (allRejectedForGood) {
            return of(failures.get(failures.size() - 1));
        }
        for (int i = failures.size() - 1; i >= 0; i--) {
            DeliveryFailure each = of(failures.get(i));
            if (each.kind() == FailureKind.TRANSIENT) {
                return each;
            }
        }
        return of(failures.get(failures.size() - 1));
    }

    /** A 4xx or 5xx reply: its class decides, its text becomes the Diagnostic-Code. */
    static DeliveryFailure ofReply(SmtpReply reply) {
        return FailureClassifier.ofReply(reply.code(), reply.enhancedCode(), String.join(" ", reply.lines()));
    }

    /** A failure Tern saw itself (no reply to quote): worth retrying, with its own Diagnostic-Code. */
    private static DeliveryFailure transientFailure(String status, String what) {
        return new DeliveryFailure(FailureKind.TRANSIENT, status, FailureClassifier.diagnostic(FailureClassifier.TERN, what));
    }
}
