package dev.tern.streams.client;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;

import org.apache.pekko.stream.StreamTcpException;
import org.apache.pekko.stream.StreamTimeoutException;

import dev.tern.protocol.ClientDialogue.Failure;
import dev.tern.protocol.ClientDialogue.Stage;
import dev.tern.protocol.SmtpReply;
import dev.tern.streams.client.SmtpClientException.BodyUnreadable;
import dev.tern.streams.client.SmtpClientException.ConnectFailed;
import dev.tern.streams.client.SmtpClientException.ProtocolViolation;
import dev.tern.streams.client.SmtpClientException.ReplyTimeout;
import dev.tern.streams.client.SmtpClientException.SessionRejected;
import dev.tern.streams.client.SmtpClientException.TlsHandshakeFailed;
import dev.tern.streams.client.SmtpClientException.TlsUnavailable;

/**
 * What goes wrong in one {@link SmtpClientSession}, as the {@link SmtpClientException} it
 * fails with: the dialogue's verdicts, and failures of the connection, the timers and the
 * message file, worded for the log. While waiting for {@link Stage#TLS} every failure is a
 * {@link TlsHandshakeFailed}, so that {@link TlsPolicy#OPPORTUNISTIC} can fall back.
 *
 * @param server    the server as the messages name it: {@code mx.example.org[192.0.2.7]:25}
 * @param dataBlock the data-block timeout, named when a chunk of the message waited too long
 */
record ClientFailures(String server, Duration dataBlock) {

    ClientFailures(String serverName, InetSocketAddress remote, Duration dataBlock) {
        this(serverName + "[" + remote.getAddress().getHostAddress() + "]:" + remote.getPort(), dataBlock);
    }

    /** A failure the dialogue found. */
    SmtpClientException of(Failure failure) {
        if (failure instanceof Failure.Rejected rejected) {
            return new SessionRejected(rejected.stage().toString(), rejected.reply());
        }
        if (failure instanceof Failure.NoTls noTls) {
            return new TlsUnavailable(noTls.refusal() == null ? server + " does not offer STARTTLS"
                    : server + " refused STARTTLS: " + noTls.refusal(), noTls.refusal());
        }
        return new ProtocolViolation(((Failure.Violation) failure).problem(), null);
    }

    /**
     * No connection. The operating system's words ("Connection refused") out of Pekko's "Tcp
     * command [Connect(...)] failed because of java.net.ConnectException: Connection refused",
     * as Postfix logs them.
     */
    ConnectFailed connect(Throwable cause) {
        String text = message(cause);
        int because = text.lastIndexOf("because of ");
        if (because >= 0) {
            text = text.substring(because + "because of ".length());
        }
        return new ConnectFailed("connect to " + server + ": " + text.replaceFirst("^[\\w.$]+(Exception|Error): ", ""),
                cause);
    }

    ConnectFailed connectTimedOut(Duration after) {
        return new ConnectFailed("connect to " + server + " timed out after " + after, null);
    }

    /** Nothing came within {@code after}. */
    SmtpClientException timedOut(Stage stage, Duration after) {
        return stage == Stage.TLS
                ? new TlsHandshakeFailed("TLS handshake with " + server + " did not finish within " + after, null)
                : new ReplyTimeout(stage.toString(), after);
    }

    /** The server closed the connection. */
    SmtpClientException closed(Stage stage) {
        return stage == Stage.TLS
                ? new TlsHandshakeFailed(server + " closed the connection during the TLS handshake", null)
                : new ConnectFailed("connection to " + server + " closed during " + stage, null);
    }

    /** The connection's stream failed: a malformed reply, a chunk of the message timed out, a reset. */
    SmtpClientException failed(Stage stage, Throwable cause) {
        if (stage == Stage.TLS) {
            return new TlsHandshakeFailed("TLS handshake with " + server + " failed: " + message(cause), cause);
        }
        SmtpClientException known = find(cause, SmtpClientException.class);
        if (known != null) {
            return known;
        }
        if (find(cause, StreamTimeoutException.class) != null) {
            return new ReplyTimeout("data block", dataBlock);
        }
        return new ConnectFailed("connection to " + server + " failed during " + stage + ": " + message(cause), cause);
    }

    /** e.g. garbage after the 220 to STARTTLS already failed the connection: a failed handshake. */
    TlsHandshakeFailed handshakeNotStarted() {
        return new TlsHandshakeFailed("connection to " + server + " ended before the TLS handshake could start", null);
    }

    /** The message's own failure, or null when it just went down with the connection. */
    SmtpClientException body(Throwable error) {
        if (find(error, StreamTimeoutException.class) != null) {
            return new ReplyTimeout("data block", dataBlock);
        }
        if (find(error, StreamTcpException.class) == null && find(error, IOException.class) != null) {
            return new BodyUnreadable("cannot read the message file: " + message(error), error);
        }
        return null;
    }

    /** A server that answered before the end of the data, then hung up. */
    ProtocolViolation earlyReply(SmtpReply reply, Throwable bodyError) {
        return new ProtocolViolation(server + " replied " + reply + " before the end of the data", bodyError);
    }

    /** What an operation that failed with {@code error} fails with: itself, or a {@link ConnectFailed} around anything else. */
    SmtpClientException of(Throwable error) {
        return error instanceof SmtpClientException known ? known
                : new ConnectFailed("session with " + server + " failed: " + message(error), error);
    }

    private static <T extends Throwable> T find(Throwable error, Class<T> type) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    /** The error's message, followed by its root cause's. */
    private static String message(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String text = root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
        return root == error || error.getMessage() == null ? text : error.getMessage() + " (" + text + ")";
    }
}
