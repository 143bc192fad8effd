package dev.tern.supervision;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

import dev.tern.protocol.HeaderText;

/**
 * Turns what went wrong in a delivery attempt into a {@link DeliveryFailure}: an SMTP reply
 * (RFC 5321 §4.2.1: 4yz transient, 5yz permanent) or an exception from the connection.
 * Every exception is transient: a network or TLS problem may heal, and the queue lifetime
 * bounds the retries.
 */
public final class FailureClassifier {

    /** RFC 3464 §2.3.6 diagnostic-type for SMTP replies. */
    public static final String SMTP = "smtp";
    /** Diagnostic-type for failures that have no reply (connection problems): an X- extension type. */
    public static final String TERN = "X-Tern";

    /** Diagnostic text is cut here so that a DSN field line stays far below RFC 5322's 998 octets. */
    static final int MAX_TEXT = 900;

    private FailureClassifier() {
    }

    /**
     * @param code         the reply code, 400-599
     * @param enhancedCode the RFC 2034 enhanced code of the reply, or {@code null}; used as the status
     *                     only when well-formed and of the reply code's class (a {@code 550 4.1.1}
     *                     reply is permanent with status 5.0.0)
     * @param text         the reply text (first line, or lines joined by the caller)
     */
    public static DeliveryFailure ofReply(int code, String enhancedCode, String text) {
        if (code < 400 || code > 599) {
            throw new IllegalArgumentException("not a failure reply: " + code);
        }
        FailureKind kind = code < 500 ? FailureKind.TRANSIENT : FailureKind.PERMANENT;
        boolean usable = enhancedCode != null && DeliveryFailure.STATUS.matcher(enhancedCode).matches()
                && enhancedCode.charAt(0) == kind.statusClass();
        String status = usable ? enhancedCode : kind.statusClass() + ".0.0";
        StringBuilder reply = new StringBuilder().append(code);
        if (enhancedCode != null && !enhancedCode.isEmpty()) {
            reply.append(' ').append(enhancedCode); // as received, even when not usable as the status
        }
        if (text != null && !text.isEmpty()) {
            reply.append(' ').append(text);
        }
        return new DeliveryFailure(kind, status, diagnostic(SMTP, reply.toString()));
    }

    /** As {@link #ofException(Throwable, String)} without naming the destination. */
    public static DeliveryFailure ofException(Throwable failure) {
        return ofException(failure, null);
    }

    /**
     * Classifies a connection-level failure. {@link CompletionException} and {@link ExecutionException}
     * wrappers are looked through, and so is the rest of the cause chain, so that a library's own
     * exception wrapping a {@link ConnectException} is still recognised.
     *
     * <table>
     *   <caption>status by exception</caption>
     *   <tr><td>{@link DestinationUnavailable}</td><td>the failure it carries</td></tr>
     *   <tr><td>{@link ConnectException}, {@link NoRouteToHostException}</td><td>4.4.1 no answer from host</td></tr>
     *   <tr><td>{@link SocketTimeoutException}, {@link TimeoutException}</td><td>4.4.2 bad connection</td></tr>
     *   <tr><td>{@link UnknownHostException}</td><td>4.4.3 directory server failure</td></tr>
     *   <tr><td>{@link SSLException}</td><td>4.7.0 other security status</td></tr>
     *   <tr><td>any other {@link IOException}</td><td>4.4.2 bad connection</td></tr>
     *   <tr><td>anything else</td><td>4.0.0</td></tr>
     * </table>
     *
     * @param destination the host tried, as a log names it ({@code mx.example[192.0.2.1]:25}), or {@code null}
     */
    public static DeliveryFailure ofException(Throwable failure, String destination) {
        Throwable top = Causes.unwrap(failure);
        boolean named = destination != null;
        IOException io = null;
        for (Throwable t : causes(top)) {
            if (t instanceof DestinationUnavailable) {
                return ((DestinationUnavailable) t).failure();
            }
            if (t instanceof ConnectException || t instanceof NoRouteToHostException) {
                return transientFailure("4.4.1", named ? "connect to " + destination : "connect failed", t,
                        "Connection refused");
            }
            if (t instanceof SocketTimeoutException || t instanceof TimeoutException) {
                return transientFailure("4.4.2",
                        named ? "conversation with " + destination + " timed out" : "conversation timed out", t, null);
            }
            if (t instanceof UnknownHostException) {
                return transientFailure("4.4.3", "host lookup failed", t, null);
            }
            if (t instanceof SSLException) {
                return transientFailure("4.7.0", named ? "TLS failure with " + destination : "TLS failure", t, null);
            }
            if (io == null && t instanceof IOException) {
                io = (IOException) t;
            }
        }
        if (io != null) {
            return transientFailure("4.4.2", named ? "lost connection with " + destination : "lost connection", io,
                    null);
        }
        return transientFailure("4.0.0", named ? "delivery to " + destination + " failed" : "delivery failed", top,
                top.getClass().getSimpleName());
    }

    /** {@code type; text} made safe for a header field: one line of printable ASCII, length-capped. */
    public static String diagnostic(String type, String text) {
        return type + "; " + sanitize(text);
    }

    private static DeliveryFailure transientFailure(String status, String what, Throwable t, String fallback) {
        String message = t.getMessage();
        if (message == null || message.isBlank()) {
            message = fallback;
        }
        String text = message == null ? what : what + ": " + message;
        return new DeliveryFailure(FailureKind.TRANSIENT, status, diagnostic(TERN, text));
    }


    /** The cause chain from {@code top}, cycle-safe. */
    private static Iterable<Throwable> causes(Throwable top) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Throwable> chain = new ArrayList<>();
        for (Throwable t = top; t != null && seen.add(t); t = t.getCause()) {
            chain.add(t);
        }
        return chain;
    }

    /**
     * Folds CR, LF and other controls into single spaces and replaces non-ASCII with {@code ?}:
     * remote servers choose reply text, and it ends up in DSN fields (no header injection).
     */
    static String sanitize(String text) {
        return HeaderText.oneLine(text, MAX_TEXT);
    }

    static boolean isPrintableAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < ' ' || c > '~') {
                return false;
            }
        }
        return true;
    }
}
