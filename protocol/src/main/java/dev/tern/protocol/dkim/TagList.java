package dev.tern.protocol.dkim;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * An RFC 6376 §3.2 tag list, {@code name=value; name=value}, as used by DKIM-Signature fields
 * and DNS key records. Values are kept with their surrounding whitespace removed; whitespace
 * inside a value (folded base64) stays for the tag's own rules.
 */
public final class TagList {

    private final Map<String, String> tags;

    private TagList(Map<String, String> tags) {
        this.tags = Collections.unmodifiableMap(tags);
    }

    /**
     * @throws DkimSyntaxException on a tag without {@code =}, a bad tag name, a value with octets
     *                             outside VALCHAR, or a tag given twice (§3.2: "MUST NOT")
     */
    public static TagList parse(String text) {
        Map<String, String> tags = new LinkedHashMap<>();
        String[] specs = text.split(";", -1);
        for (int i = 0; i < specs.length; i++) {
            String spec = specs[i];
            if (isBlank(spec)) {
                if (i == specs.length - 1 || i == 0 && specs.length == 1) {
                    continue; // §3.2: a trailing ";" is allowed
                }
                throw new DkimSyntaxException("empty tag in tag list");
            }
            int equals = spec.indexOf('=');
            if (equals < 0) {
                throw new DkimSyntaxException("tag without '=': " + Excerpt.of(trim(spec)));
            }
            String name = trim(spec.substring(0, equals));
            if (!validName(name)) {
                throw new DkimSyntaxException("bad tag name: " + Excerpt.of(name));
            }
            String value = trim(spec.substring(equals + 1));
            for (int c = 0; c < value.length(); c++) {
                char ch = value.charAt(c);
                if (!(ch >= 0x21 && ch <= 0x7e || isFws(ch))) {
                    throw new DkimSyntaxException("bad octet in tag " + Excerpt.of(name));
                }
            }
            if (tags.putIfAbsent(name, value) != null) {
                throw new DkimSyntaxException("duplicate tag " + Excerpt.of(name));
            }
        }
        return new TagList(tags);
    }

    public Optional<String> get(String name) {
        return Optional.ofNullable(tags.get(name));
    }

    /** @throws DkimSyntaxException when the tag is missing: a required tag (§3.5, §3.6.1) */
    public String required(String name) {
        String value = tags.get(name);
        if (value == null) {
            throw new DkimSyntaxException("missing tag " + name + "=");
        }
        return value;
    }

    /** The tags in their order of appearance. */
    public Map<String, String> asMap() {
        return tags;
    }

    /** A value with all folding whitespace removed: base64 in {@code b=}, {@code bh=}, {@code p=} (§3.5). */
    static String withoutWhitespace(String value) {
        StringBuilder out = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char ch = value.charAt(i);
            if (!isFws(ch)) {
                out.append(ch);
            }
        }
        return out.toString();
    }

    private static boolean validName(String name) {
        if (name.isEmpty() || !isAlpha(name.charAt(0))) {
            return false;
        }
        for (int i = 1; i < name.length(); i++) {
            char ch = name.charAt(i);
            if (!(isAlpha(ch) || ch >= '0' && ch <= '9' || ch == '_')) {
                return false;
            }
        }
        return true;
    }

    private static boolean isAlpha(char ch) {
        return ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z';
    }

    static boolean isFws(char ch) {
        return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
    }

    private static boolean isBlank(String text) {
        return trim(text).isEmpty();
    }

    private static String trim(String text) {
        int start = 0;
        int end = text.length();
        while (start < end && isFws(text.charAt(start))) {
            start++;
        }
        while (end > start && isFws(text.charAt(end - 1))) {
            end--;
        }
        return text.substring(start, end);
    }
}
