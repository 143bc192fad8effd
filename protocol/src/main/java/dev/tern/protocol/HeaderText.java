package dev.tern.protocol;

/**
 * Text from outside — a remote server's reply, an address, an exception message — made safe
 * for a header field or a DSN field: one line of printable ASCII, so nothing can inject a
 * header line.
 */
public final class HeaderText {

    private HeaderText() {
    }

    /**
     * Controls (CR, LF, TAB ...) and runs of them become single spaces, non-ASCII becomes
     * {@code ?}, leading and trailing space goes; longer than {@code maxLength}, the text is
     * cut and {@code ...} appended.
     */
    public static String oneLine(String text, int maxLength) {
        StringBuilder clean = new StringBuilder(Math.min(text.length(), maxLength) + 3);
        boolean space = false;
        int i = 0;
        for (; i < text.length() && clean.length() < maxLength; i++) {
            char c = text.charAt(i);
            if (c <= ' ' || c == 127) {
                space = clean.length() > 0;
                continue;
            }
            if (space) {
                clean.append(' ');
                space = false;
            }
            clean.append(c < 127 ? c : '?');
        }
        if (i < text.length() && !text.substring(i).isBlank()) {
            clean.append("...");
        }
        return clean.toString();
    }
}
