package dev.tern.protocol.spf;

/** An SPF record or macro that does not parse: check_host() returns permerror (RFC 7208 §4.6). */
final class SpfSyntaxException extends Exception {

    private static final long serialVersionUID = 1L;

    SpfSyntaxException(String message) {
        super(message);
    }
}
