package dev.tern.protocol;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** A parsed command line. Parsing never throws: a bad line is an {@link Invalid} with its reply. */
public sealed interface SmtpCommand {

    record Ehlo(String domain) implements SmtpCommand {
    }

    record Helo(String domain) implements SmtpCommand {
    }

    /** @param parameters ESMTP parameters, keys upper-cased, value {@code null} for a bare keyword */
    record Mail(ReversePath from, Map<String, String> parameters) implements SmtpCommand {
        public Mail {
            parameters = copyOf(parameters);
        }
    }

    /** @param to the forward path: a mailbox, or the bare {@code <postmaster>} of RFC 5321 §4.1.1.3 */
    record Rcpt(Recipient.Path to, Map<String, String> parameters) implements SmtpCommand {
        public Rcpt {
            parameters = copyOf(parameters);
        }
    }

    record Data() implements SmtpCommand {
    }

    record Rset() implements SmtpCommand {
    }

    /**
     * RFC 3030 §2 {@code BDAT <size> [LAST]}: exactly {@code size} octets of message content
     * follow the command line, with no dot-stuffing and no terminator.
     */
    record Bdat(long size, boolean last) implements SmtpCommand {
        public Bdat {
            if (size < 0) {
                throw new IllegalArgumentException("a chunk size cannot be negative");
            }
        }
    }

    /**
     * A BDAT whose octet count cannot be read: what follows cannot be told from commands, so
     * the session says {@code reply} and closes (RFC 3030 §2 has the server read exactly the
     * announced octets; unknown, they would be taken for commands, a smuggling hole).
     */
    record MalformedBdat(SmtpReply reply) implements SmtpCommand {
    }

    record Noop() implements SmtpCommand {
    }

    record Vrfy(String argument) implements SmtpCommand {
    }

    record Help(String topic) implements SmtpCommand {
    }

    record Quit() implements SmtpCommand {
    }

    /** RFC 3207. */
    record StartTls() implements SmtpCommand {
    }

    /**
     * RFC 4954 AUTH.
     *
     * @param mechanism       upper-cased SASL mechanism name
     * @param initialResponse base64 initial response, {@code null} if none was given
     */
    record Auth(String mechanism, String initialResponse) implements SmtpCommand {
        @Override
        public String toString() {
            return "Auth[" + mechanism + (initialResponse == null ? "" : ", initial response redacted") + "]";
        }
    }

    /** A verb RFC 5321 or a common extension defines that Tern does not implement (EXPN, TURN, …): 502. */
    record NotImplemented(String verb) implements SmtpCommand {
    }

    /** A verb nobody defines: 500. */
    record Unknown(String verb) implements SmtpCommand {
    }

    /** An HTTP request line sent to the SMTP port (cross-protocol attack or a lost browser): disconnect. */
    record HttpRequest(String verb) implements SmtpCommand {
    }

    /** A line that could not be parsed; {@code reply} says why. */
    record Invalid(SmtpReply reply) implements SmtpCommand {
    }

    /**
     * An unmodifiable copy that keeps the client's order and allows the {@code null} value of a
     * bare keyword ({@code Map.copyOf} allows neither).
     */
    private static Map<String, String> copyOf(Map<String, String> parameters) {
        return Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }
}
