package dev.tern.protocol;

/** A server's reply line that is not RFC 5321 §4.2 reply syntax, with the offending line. */
public final class MalformedReplyException extends IllegalArgumentException {

    private final String line;

    public MalformedReplyException(String line, String problem) {
        super(problem + ": \"" + abbreviate(line) + "\"");
        this.line = line;
    }

    /** The line as received, without its line ending. */
    public String line() {
        return line;
    }

    private static String abbreviate(String line) {
        return line.length() <= 100 ? line : line.substring(0, 100) + "...";
    }
}
