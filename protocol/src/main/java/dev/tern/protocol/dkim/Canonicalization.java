package dev.tern.protocol.dkim;

import java.util.Locale;

/** RFC 6376 §3.4: how header fields and the body are prepared for hashing. */
public enum Canonicalization {
    /** §3.4.1, §3.4.3: octets as they are; only trailing empty body lines go */
    SIMPLE("simple"),
    /** §3.4.2, §3.4.4: tolerates refolding and whitespace changes in transit */
    RELAXED("relaxed");

    private final String tag;

    Canonicalization(String tag) {
        this.tag = tag;
    }

    /** The name used in {@code c=}. */
    public String tag() {
        return tag;
    }

    /** @throws DkimSyntaxException for a name other than {@code simple} or {@code relaxed} */
    public static Canonicalization named(String name) {
        for (Canonicalization c : values()) {
            if (c.tag.equalsIgnoreCase(name)) {
                return c;
            }
        }
        throw new DkimSyntaxException("unknown canonicalization " + Excerpt.of(name));
    }

    /** The field as hashed, ending in CRLF. */
    public String header(HeaderField field) {
        if (this == SIMPLE) {
            return field.raw() + "\r\n"; // §3.4.1: no change at all
        }
        // §3.4.2: lower-case name; unfold; runs of WSP to one SP; no WSP at the value's ends or around the colon
        String name = field.name().toLowerCase(Locale.ROOT);
        String value = field.value().replace("\r\n", "");
        StringBuilder out = new StringBuilder(name.length() + value.length() + 3).append(name).append(':');
        boolean space = false;
        boolean started = false;
        for (int i = 0; i < value.length(); i++) {
            char ch = value.charAt(i);
            if (ch == ' ' || ch == '\t') {
                space = started;
                continue;
            }
            if (space) {
                out.append(' ');
                space = false;
            }
            out.append(ch);
            started = true;
        }
        return out.append("\r\n").toString();
    }
}
