package dev.tern.protocol.dmarc;

import java.util.Locale;
import java.util.Optional;

/**
 * The RFC 5322.From domain that DMARC authenticates (RFC 7489 §6.6.1), read from a From:
 * field's value. Empty when there is no single address with a domain: §6.6.1 lets such a
 * message be rejected; Tern records dmarc=permerror instead.
 */
public final class FromDomain {

    private FromDomain() {
    }

    public static Optional<String> of(String fieldValue) {
        String value = withoutComments(fieldValue.replace("\r", "").replace("\n", ""));
        if (commaOutsideQuotes(value)) {
            return Optional.empty(); // several authors
        }
        int open = value.lastIndexOf('<');
        String address = value;
        if (open >= 0) {
            int close = value.indexOf('>', open);
            if (close < 0) {
                return Optional.empty();
            }
            address = value.substring(open + 1, close);
        }
        address = address.trim();
        int at = address.lastIndexOf('@');
        if (at < 0) {
            return Optional.empty();
        }
        String domain = address.substring(at + 1).trim().toLowerCase(Locale.ROOT);
        if (domain.endsWith(".")) {
            domain = domain.substring(0, domain.length() - 1);
        }
        return domain.isEmpty() || !domain.matches("[\\p{L}\\p{N}.-]+") ? Optional.empty() : Optional.of(domain);
    }

    /** RFC 5322 §3.2.2 comments, nested, outside quoted strings. */
    private static String withoutComments(String value) {
        StringBuilder out = new StringBuilder(value.length());
        int depth = 0;
        boolean quoted = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\' && i + 1 < value.length()) {
                if (depth == 0) {
                    out.append(c).append(value.charAt(i + 1));
                }
                i++;
            } else if (c == '"' && depth == 0) {
                quoted = !quoted;
                out.append(c);
            } else if (c == '(' && !quoted) {
                depth++;
            } else if (c == ')' && !quoted && depth > 0) {
                depth--;
            } else if (depth == 0) {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean commaOutsideQuotes(String value) {
        boolean quoted = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == ',' && !quoted) {
                return true;
            }
        }
        return false;
    }
}
