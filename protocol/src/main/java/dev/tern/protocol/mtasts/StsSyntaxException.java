package dev.tern.protocol.mtasts;

/**
 * A {@code _mta-sts} TXT record or a policy file that RFC 8461's grammar does not accept. The
 * message is for an operator's log and quotes at most a short, printable excerpt of the input.
 */
public final class StsSyntaxException extends Exception {

    private static final long serialVersionUID = 1L;
    private static final int QUOTED = 40;

    public StsSyntaxException(String message) {
        super(message);
    }

    /** {@code text} for a message: printable ASCII only, at most 40 characters. */
    static String quote(String text) {
        StringBuilder quoted = new StringBuilder("\"");
        for (int i = 0; i < text.length() && i < QUOTED; i++) {
            char c = text.charAt(i);
            quoted.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return quoted.append(text.length() > QUOTED ? "...\"" : "\"").toString();
    }
}
