package dev.tern.protocol;

/**
 * RFC 3461 §4 xtext, the encoding of the DSN parameters ENVID and ORCPT: printable ASCII
 * except {@code +} and {@code =} stands for itself, anything else is {@code +} and two upper-case
 * hex digits.
 */
public final class XText {

    private static final String HEX = "0123456789ABCDEF";

    private XText() {
    }

    /** Encodes the characters of {@code text} (each must be below U+0100: xtext carries octets). */
    public static String encode(String text) {
        StringBuilder out = new StringBuilder(text.length() + 8);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c > 0xFF) {
                throw new IllegalArgumentException("xtext carries octets, not U+" + Integer.toHexString(c));
            }
            if (c >= '!' && c <= '~' && c != '+' && c != '=') {
                out.append(c);
            } else {
                out.append('+').append(HEX.charAt(c >> 4)).append(HEX.charAt(c & 0xF));
            }
        }
        return out.toString();
    }

    /**
     * Decodes xtext, or returns {@code null} when it is not xtext: a character outside
     * {@code !}..{@code ~}, a bare {@code =}, or a {@code +} not followed by two upper-case hex digits
     * (RFC 3461 §4: "hexchar = ASCII '+' immediately followed by two upper case hexadecimal digits").
     */
    public static String decode(String xtext) {
        StringBuilder out = new StringBuilder(xtext.length());
        for (int i = 0; i < xtext.length(); i++) {
            char c = xtext.charAt(i);
            if (c == '+') {
                if (i + 2 >= xtext.length()) {
                    return null;
                }
                int high = HEX.indexOf(xtext.charAt(i + 1));
                int low = HEX.indexOf(xtext.charAt(i + 2));
                if (high < 0 || low < 0) {
                    return null;
                }
                out.append((char) (high * 16 + low));
                i += 2;
            } else if (c < '!' || c > '~' || c == '=') {
                return null;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
