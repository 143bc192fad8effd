package dev.tern.streams.client;

import java.time.Duration;
import java.util.Objects;

import dev.tern.protocol.ClientDialogue.Stage;

/**
 * How long the client waits at each stage of a conversation (RFC 5321 §4.5.3.2). When one
 * expires the session fails with {@link SmtpClientException.ReplyTimeout} and the connection
 * is closed.
 *
 * @param connect   TCP connect
 * @param greeting  the 220 after connecting
 * @param command   EHLO/HELO, STARTTLS (including the TLS handshake), RSET; QUIT, but at most 10 s
 * @param mail      reply to MAIL
 * @param rcpt      reply to each RCPT
 * @param dataInit  reply to DATA (354)
 * @param dataBlock the longest a chunk of the message may wait for the server to take it
 * @param dataEnd   the final reply after the terminating dot has been handed on; also each BDAT chunk's reply
 */
public record ClientTimeouts(Duration connect, Duration greeting, Duration command, Duration mail, Duration rcpt,
                             Duration dataInit, Duration dataBlock, Duration dataEnd) {

    /** The longest the client waits for the 221 after QUIT. */
    private static final Duration QUIT_WAIT = Duration.ofSeconds(10);

    public ClientTimeouts {
        for (Duration d : new Duration[] {connect, greeting, command, mail, rcpt, dataInit, dataBlock, dataEnd}) {
            Objects.requireNonNull(d, "timeout");
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("timeouts must be positive: " + d);
            }
        }
    }

    /** How long the client waits at {@code stage}: for its reply, or for the TLS handshake. */
    public Duration reply(Stage stage) {
        return switch (stage) {
            case GREETING -> greeting;
            case EHLO, HELO, STARTTLS, TLS, RSET -> command;
            case MAIL -> mail;
            case RCPT -> rcpt;
            case DATA -> dataInit;
            case END_OF_DATA, BDAT -> dataEnd; // a chunk's reply may wait for the server's disk, the last one's for storing
            case QUIT -> QUIT_WAIT.compareTo(command) <= 0 ? QUIT_WAIT : command;
        };
    }

    /** The RFC 5321 §4.5.3.2 minimums; 30 s for the connect, which the RFC leaves open. */
    public static ClientTimeouts rfc5321() {
        return new ClientTimeouts(Duration.ofSeconds(30), Duration.ofMinutes(5), Duration.ofMinutes(5),
                Duration.ofMinutes(5), Duration.ofMinutes(5), Duration.ofMinutes(2), Duration.ofMinutes(3),
                Duration.ofMinutes(10));
    }

    /** The same timeout everywhere: for tests and tools. */
    public static ClientTimeouts uniform(Duration timeout) {
        return new ClientTimeouts(timeout, timeout, timeout, timeout, timeout, timeout, timeout, timeout);
    }
}
