package dev.tern.protocol.dkim;

/**
 * A value from a message or a DNS record as an error may quote it: at most 40 characters, printable ASCII only. Errors
 * become Authentication-Results comments and log lines, which must stay short and free of what a sender chose.
 */
final class Excerpt {

    private static final int LIMIT = 40;

    private Excerpt() {
    }

    static String of(String value) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < value.length() && out.length() < LIMIT; i++) {
            char c = value.charAt(i);
            out.append(c >= 0x21 && c < 0x7f && c != '(' && c != ')' && c != '\\' ? c : '?');
        }
        return value.length() > LIMIT ? out + "..." : out.toString();
    }
}
