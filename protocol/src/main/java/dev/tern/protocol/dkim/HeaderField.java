package dev.tern.protocol.dkim;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One header field as it appears in the message: its name and its whole raw text, folding
 * included, without the final CRLF. Text is kept as ISO-8859-1, one char per octet, so 8-bit
 * headers (RFC 6532) reach the hash as the octets that were sent.
 *
 * @param name the field name as written (compare ignoring case)
 * @param raw  {@code Name: value}, continuation lines and all, without the last CRLF
 */
public record HeaderField(String name, String raw) {

    /** A field from its text, e.g. {@code "Subject: hi"}; the name is what comes before the colon. */
    public static HeaderField of(String raw) {
        int colon = raw.indexOf(':');
        String name = colon < 0 ? raw : raw.substring(0, colon);
        return new HeaderField(stripTrailingWsp(name), raw);
    }

    /** What follows the colon, folding included. */
    public String value() {
        int colon = raw.indexOf(':');
        return colon < 0 ? "" : raw.substring(colon + 1);
    }

    public boolean named(String other) {
        return name.equalsIgnoreCase(other);
    }

    /** The field's octets followed by CRLF, as in the message. */
    public byte[] octets() {
        return (raw + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * The fields of a header section (RFC 5322 §2.2): a line that starts with a space or tab
     * continues the field before it. Lines are split at CRLF only; a line without a colon is
     * kept as a field of that name (it is signed by no one).
     *
     * @param section the header section's octets, up to (not including) the empty line
     */
    public static List<HeaderField> parse(byte[] section, int length) {
        String text = new String(section, 0, length, StandardCharsets.ISO_8859_1);
        List<HeaderField> fields = new ArrayList<>();
        StringBuilder current = null;
        int at = 0;
        while (at < text.length()) {
            int end = text.indexOf("\r\n", at);
            String line = end < 0 ? text.substring(at) : text.substring(at, end);
            at = end < 0 ? text.length() : end + 2;
            if (!line.isEmpty() && (line.charAt(0) == ' ' || line.charAt(0) == '\t') && current != null) {
                current.append("\r\n").append(line);
                continue;
            }
            if (current != null) {
                fields.add(of(current.toString()));
            }
            current = new StringBuilder(line);
        }
        if (current != null) {
            fields.add(of(current.toString()));
        }
        return fields;
    }

    private static String stripTrailingWsp(String text) {
        int end = text.length();
        while (end > 0 && (text.charAt(end - 1) == ' ' || text.charAt(end - 1) == '\t')) {
            end--;
        }
        return text.substring(0, end);
    }
}
