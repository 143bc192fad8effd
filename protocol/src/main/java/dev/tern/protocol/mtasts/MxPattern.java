package dev.tern.protocol.mtasts;

import java.util.Locale;

/**
 * One {@code mx:} value of a policy (RFC 8461 §3.2, §4.1): a host name, or {@code *.} and a
 * domain, where the wildcard stands for exactly one leftmost label. So {@code *.example.com}
 * matches {@code mx1.example.com} but neither {@code example.com} nor {@code a.b.example.com}.
 * Comparison ignores case and a trailing dot.
 *
 * @param pattern as written in the policy, lower-cased
 */
public record MxPattern(String pattern) {

    private static final int MAX_NAME = 253;
    private static final int MAX_LABEL = 63;

    public MxPattern {
        pattern = pattern.toLowerCase(Locale.ROOT);
    }

    /** Parses an {@code mx:} value: {@code ["*."] Domain}, Domain as RFC 5321 §4.1.2. */
    public static MxPattern parse(String value) throws StsSyntaxException {
        String domain = value.startsWith("*.") ? value.substring(2) : value;
        if (!isDomain(domain)) {
            throw new StsSyntaxException("invalid mx pattern " + StsSyntaxException.quote(value));
        }
        return new MxPattern(value);
    }

    /** Whether MX host {@code host} (any case, trailing dot or not) is allowed by this pattern. */
    public boolean matches(String host) {
        String name = normalize(host);
        if (!pattern.startsWith("*.")) {
            return name.equals(pattern);
        }
        String parent = pattern.substring(1); // ".example.com"
        if (!name.endsWith(parent)) {
            return false;
        }
        String first = name.substring(0, name.length() - parent.length());
        return !first.isEmpty() && first.indexOf('.') < 0;
    }

    /** Lower case, without a trailing dot. */
    static String normalize(String host) {
        String name = host.toLowerCase(Locale.ROOT);
        return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    }

    /** RFC 5321 §4.1.2 Domain: sub-domain *("." sub-domain), sub-domain = Let-dig [Ldh-str]. */
    static boolean isDomain(String domain) {
        if (domain.isEmpty() || domain.length() > MAX_NAME) {
            return false;
        }
        for (String label : domain.split("\\.", -1)) {
            if (!isLabel(label)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isLabel(String label) {
        if (label.isEmpty() || label.length() > MAX_LABEL
                || label.charAt(0) == '-' || label.charAt(label.length() - 1) == '-') {
            return false;
        }
        for (int i = 0; i < label.length(); i++) {
            char c = label.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-')) {
                return false;
            }
        }
        return true;
    }
}
