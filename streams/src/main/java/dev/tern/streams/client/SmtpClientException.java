package dev.tern.streams.client;

import java.time.Duration;

import dev.tern.protocol.SmtpReply;

/**
 * Why a client session failed. Every failure except {@link BodyUnreadable} leaves the session
 * unusable and its connection closed; the recipients of a message in flight are undecided.
 */
public abstract sealed class SmtpClientException extends RuntimeException permits
        SmtpClientException.ConnectFailed, SmtpClientException.ReplyTimeout, SmtpClientException.SessionRejected,
        SmtpClientException.TlsHandshakeFailed, SmtpClientException.TlsVerificationFailed, SmtpClientException.TlsUnavailable,
        SmtpClientException.ProtocolViolation, SmtpClientException.BodyUnreadable {

    SmtpClientException(String message, Throwable cause) {
        super(message, cause);
    }

    /** No connection (refused, unreachable, connect timeout), or it was closed or reset mid-conversation. */
    public static final class ConnectFailed extends SmtpClientException {
        public ConnectFailed(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The server did not answer (or take the data) in time. */
    public static final class ReplyTimeout extends SmtpClientException {
        private final String stage;

        public ReplyTimeout(String stage, Duration after) {
            super("no reply to " + stage + " within " + after, null);
            this.stage = stage;
        }

        /** e.g. {@code greeting}, {@code EHLO}, {@code RCPT}, {@code end of data}, {@code data block}. */
        public String stage() {
            return stage;
        }
    }

    /** The server refused the session: a greeting other than 220, EHLO and HELO refused, 421 at any point. */
    public static final class SessionRejected extends SmtpClientException {
        private final String stage;
        private final SmtpReply reply;

        public SessionRejected(String stage, SmtpReply reply) {
            super(stage + " answered " + reply, null);
            this.stage = stage;
            this.reply = reply;
        }

        public String stage() {
            return stage;
        }

        public SmtpReply reply() {
            return reply;
        }
    }

    /** STARTTLS was accepted but the TLS handshake failed. */
    public static final class TlsHandshakeFailed extends SmtpClientException {
        public TlsHandshakeFailed(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * The handshake finished, but the server's certificate did not prove what the
     * connection's {@link ConnectionSecurity} enforces: the session ended before EHLO.
     */
    public static final class TlsVerificationFailed extends SmtpClientException {
        private final TlsVerdict.Failed verdict;
        private final String policy;

        public TlsVerificationFailed(String server, TlsVerdict.Failed verdict, String policy) {
            super(policy + " policy: " + verdict.reason() + " (" + verdict.failure().resultType() + ", " + server + ")",
                    null);
            this.verdict = verdict;
            this.policy = policy;
        }

        public TlsVerdict.Failed verdict() {
            return verdict;
        }

        /** What imposed the check, e.g. {@code mta-sts enforce}. */
        public String policy() {
            return policy;
        }
    }

    /** {@link TlsPolicy#REQUIRED}, but the server did not offer STARTTLS or refused it. */
    public static final class TlsUnavailable extends SmtpClientException {
        private final SmtpReply refusal;

        public TlsUnavailable(String message, SmtpReply refusal) {
            super(message, null);
            this.refusal = refusal;
        }

        /** The reply to STARTTLS, or null when it was not offered. */
        public SmtpReply refusal() {
            return refusal;
        }
    }

    /** The server sent something that is not a well-formed reply where one was expected. */
    public static final class ProtocolViolation extends SmtpClientException {
        public ProtocolViolation(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * The message file could not be read, or is shorter than {@code offset + size}: a local
     * problem, not the server's. Detected before MAIL the session stays usable; detected
     * while sending the data the connection is closed without the terminating dot, so the
     * server discards the partial message.
     */
    public static final class BodyUnreadable extends SmtpClientException {
        public BodyUnreadable(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
