package dev.tern.protocol.spf;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Macro expansion (RFC 7208 §7): {@code %{s}}, {@code %{l}}, {@code %{o}}, {@code %{d}},
 * {@code %{i}}, {@code %{h}}, {@code %{v}} and {@code %{p}}, with the digit and {@code r}
 * transformers and delimiters; {@code %%}, {@code %_}, {@code %-}. {@code %{p}} expands to
 * "unknown", which §7.3 allows and which spares the PTR lookups the RFC discourages;
 * {@code c}, {@code r}, {@code t} belong to exp= only, which Tern ignores.
 */
final class SpfMacros {

    private static final String DELIMITERS = ".-+,/_=";
    private static final int MAX_DOMAIN = 253;

    /** What the macros of one check_host() stand for. */
    record Context(String sender, InetAddress ip, String helo) {

        String localPart() {
            int at = sender.lastIndexOf('@');
            return at < 0 ? "postmaster" : sender.substring(0, at);
        }

        String senderDomain() {
            int at = sender.lastIndexOf('@');
            return at < 0 ? sender : sender.substring(at + 1);
        }
    }

    private SpfMacros() {
    }

    /** Rejects a macro-string that §7.1's grammar does not allow. */
    static void checkSyntax(String spec) throws SpfSyntaxException {
        expand(spec, null, new Context("postmaster@invalid", InetAddress.getLoopbackAddress(), "invalid"), false);
    }

    /**
     * The domain-spec {@code spec} expanded for the current {@code domain}, shortened from the
     * left to at most 253 octets (§7.3).
     */
    static String expandDomain(String spec, String domain, Context context) throws SpfSyntaxException {
        String expanded = expand(spec, domain, context, true);
        while (expanded.length() > MAX_DOMAIN && expanded.indexOf('.') >= 0) {
            expanded = expanded.substring(expanded.indexOf('.') + 1);
        }
        if (expanded.endsWith(".")) {
            expanded = expanded.substring(0, expanded.length() - 1);
        }
        return expanded;
    }

    private static String expand(String spec, String domain, Context context, boolean forReal)
            throws SpfSyntaxException {
        StringBuilder out = new StringBuilder(spec.length());
        int i = 0;
        while (i < spec.length()) {
            char c = spec.charAt(i);
            if (c != '%') {
                if (c < 0x21 || c > 0x7e) {
                    throw new SpfSyntaxException("character not allowed in a macro-string: " + spec);
                }
                out.append(c);
                i++;
                continue;
            }
            if (i + 1 >= spec.length()) {
                throw new SpfSyntaxException("lone % in " + spec);
            }
            char next = spec.charAt(i + 1);
            if (next == '%') {
                out.append('%');
                i += 2;
            } else if (next == '_') {
                out.append(' ');
                i += 2;
            } else if (next == '-') {
                out.append("%20");
                i += 2;
            } else if (next == '{') {
                int close = spec.indexOf('}', i);
                if (close < 0) {
                    throw new SpfSyntaxException("unclosed macro in " + spec);
                }
                String macro = spec.substring(i + 2, close);
                String value = macro(macro, domain, context, forReal);
                out.append(value);
                i = close + 1;
            } else {
                throw new SpfSyntaxException("bad % escape in " + spec);
            }
        }
        return out.toString();
    }

    /** One {@code %{...}} body: letter, optional digits, optional r, delimiters. */
    private static String macro(String macro, String domain, Context context, boolean forReal)
            throws SpfSyntaxException {
        if (macro.isEmpty()) {
            throw new SpfSyntaxException("empty macro");
        }
        char letter = macro.charAt(0);
        int i = 1;
        int digitsStart = i;
        while (i < macro.length() && Character.isDigit(macro.charAt(i))) {
            i++;
        }
        int keep = -1;
        if (i > digitsStart) {
            if (i - digitsStart > 3) {
                throw new SpfSyntaxException("too many digits in %{" + macro + "}");
            }
            keep = Integer.parseInt(macro.substring(digitsStart, i));
            if (keep == 0) {
                throw new SpfSyntaxException("zero parts in %{" + macro + "}"); // §7.1: digits 1..128
            }
        }
        boolean reverse = false;
        if (i < macro.length() && (macro.charAt(i) == 'r' || macro.charAt(i) == 'R')) {
            reverse = true;
            i++;
        }
        String delimiters = macro.substring(i);
        for (char d : delimiters.toCharArray()) {
            if (DELIMITERS.indexOf(d) < 0) {
                throw new SpfSyntaxException("bad delimiter in %{" + macro + "}");
            }
        }
        String value = value(Character.toLowerCase(letter), domain, context);
        if (!forReal) {
            return "x";
        }
        String transformed = transform(value, keep, reverse, delimiters.isEmpty() ? "." : delimiters);
        return Character.isUpperCase(letter) ? urlEscape(transformed) : transformed;
    }

    private static String value(char letter, String domain, Context context) throws SpfSyntaxException {
        switch (letter) {
            case 's':
                return context.sender();
            case 'l':
                return context.localPart();
            case 'o':
                return context.senderDomain();
            case 'd':
                return domain == null ? "" : domain;
            case 'i':
                return dotted(context.ip());
            case 'p':
                return "unknown";
            case 'v':
                return context.ip() instanceof Inet4Address ? "in-addr" : "ip6";
            case 'h':
                return context.helo();
            default:
                throw new SpfSyntaxException("macro letter not allowed here: " + letter);
        }
    }

    /** §7.3: IPv4 as a dotted quad, IPv6 as 32 dot-separated nibbles. */
    static String dotted(InetAddress ip) {
        if (ip instanceof Inet4Address) {
            return ip.getHostAddress();
        }
        StringBuilder nibbles = new StringBuilder(63);
        for (byte b : ip.getAddress()) {
            if (nibbles.length() > 0) {
                nibbles.append('.');
            }
            nibbles.append(Character.forDigit((b >> 4) & 0xf, 16)).append('.').append(Character.forDigit(b & 0xf, 16));
        }
        return nibbles.toString();
    }

    private static String transform(String value, int keep, boolean reverse, String delimiters) {
        List<String> parts = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < value.length(); i++) {
            if (delimiters.indexOf(value.charAt(i)) >= 0) {
                parts.add(value.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(value.substring(start));
        if (reverse) {
            Collections.reverse(parts);
        }
        if (keep > 0 && keep < parts.size()) {
            parts = parts.subList(parts.size() - keep, parts.size());
        }
        return String.join(".", parts);
    }

    /** Upper-case macro letters: URL-escaped, RFC 3986 unreserved characters kept (§7.3). */
    private static String urlEscape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~".indexOf(c) >= 0) {
                out.append(c);
            } else {
                out.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return out.toString();
    }
}
