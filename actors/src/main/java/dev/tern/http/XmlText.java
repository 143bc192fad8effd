package dev.tern.http;

/** Text made safe for XML 1.0 content and attribute values. */
final class XmlText {

    private static final int REPLACEMENT = 0xFFFD;

    private XmlText() {
    }

    /**
     * The five markup characters as entities, and every character XML 1.0 does not allow
     * (controls other than tab, LF and CR; lone surrogates; U+FFFE, U+FFFF) as U+FFFD, so
     * that whatever a client sent, the document stays well-formed.
     */
    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length() + 16);
        text.codePoints().forEach(c -> {
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&apos;");
                default -> out.appendCodePoint(allowed(c) ? c : REPLACEMENT);
            }
        });
        return out.toString();
    }

    /** XML 1.0 §2.2 Char. */
    private static boolean allowed(int c) {
        return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD)
                || (c >= 0x10000 && c <= 0x10FFFF);
    }
}
