package dev.tern.tls;

/**
 * A certificate or key that cannot be used, or a file that cannot be read or written. The message is one line,
 * written for the person who configured the files (it names the file and what is wrong with it): the caller
 * prints it as it is, without a stack trace.
 */
public final class TlsCredentialsException extends Exception {

    public TlsCredentialsException(String message) {
        super(oneLine(message));
    }

    public TlsCredentialsException(String message, Throwable cause) {
        super(oneLine(message), cause);
    }

    /** The message of a library exception, squeezed onto one line, or its class name when it has none. */
    static String describe(Throwable failure) {
        String message = failure.getMessage();
        return message == null || message.isBlank() ? failure.getClass().getSimpleName() : oneLine(message);
    }

    private static String oneLine(String text) {
        return text.strip().replaceAll("\\s*\\R\\s*", " ");
    }
}
