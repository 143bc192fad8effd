package dev.tern.protocol;

/**
 * What a session needs to know about its server.
 *
 * @param hostname       name in the greeting, EHLO reply and Received:
 * @param maxMessageSize SIZE limit in octets (RFC 1870)
 * @param maxRecipients  RCPT TO per transaction before 452 (RFC 5321 §4.5.3.1.8 asks for at least 100)
 * @param maxErrors      protocol errors in a row before the session is closed with 421
 * @param startTls       whether the listener can switch a session to TLS (RFC 3207)
 */
public record SessionSettings(String hostname, long maxMessageSize, int maxRecipients, int maxErrors,
                              StartTls startTls) {

    /** Whether STARTTLS is on offer where the session is still in clear. */
    public enum StartTls { OFFERED, UNAVAILABLE }

    public SessionSettings(String hostname, long maxMessageSize, int maxRecipients, int maxErrors) {
        this(hostname, maxMessageSize, maxRecipients, maxErrors, StartTls.UNAVAILABLE);
    }

    public SessionSettings {
        if (maxMessageSize <= 0 || maxRecipients <= 0 || maxErrors <= 0) {
            throw new IllegalArgumentException("limits must be positive");
        }
    }
}
