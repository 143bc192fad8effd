package dev.tern.protocol.dkim;

/**
 * A DKIM-Signature field or key record that cannot be used as written (RFC 6376 §6.1.1,
 * §6.1.2: a permerror). The message says what is wrong, for an {@code Authentication-Results:}
 * reason or a log line.
 */
public final class DkimSyntaxException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public DkimSyntaxException(String reason) {
        super(reason);
    }
}
