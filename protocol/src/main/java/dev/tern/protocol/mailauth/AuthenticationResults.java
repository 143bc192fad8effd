package dev.tern.protocol.mailauth;

import java.util.List;
import java.util.Locale;

/**
 * The Authentication-Results: header field (RFC 8601): written once per received message with
 * this server's host name as authserv-id, and recognized in what a client sent so that a forged
 * one carrying that id can be removed first (§5).
 */
public final class AuthenticationResults {

    public static final String FIELD_NAME = "Authentication-Results";

    private AuthenticationResults() {
    }

    /**
     * One method's result (§2.2 resinfo), e.g. {@code dkim=pass header.d=example.org header.s=s1}.
     *
     * @param method     spf, dkim, dmarc
     * @param result     the result keyword
     * @param comment    a short comment, or null
     * @param properties {@code ptype.property=value} items, values already valid (§2.2 pvalue)
     */
    public record Method(String method, String result, String comment, List<String> properties) {
        public Method {
            properties = List.copyOf(properties);
        }

        String text() {
            StringBuilder text = new StringBuilder(method).append('=').append(result);
            if (comment != null) {
                text.append(" (").append(commentText(comment)).append(')');
            }
            properties.forEach(p -> text.append(' ').append(p));
            return text.toString();
        }
    }

    /**
     * The whole field with its CRLF, one method per folded line; {@code none} when there are
     * no methods (§2.2).
     */
    public static String field(String authservId, List<Method> methods) {
        StringBuilder field = new StringBuilder(FIELD_NAME).append(": ").append(authservId);
        if (methods.isEmpty()) {
            field.append("; none");
        }
        for (Method method : methods) {
            field.append(";\r\n\t").append(method.text());
        }
        return field.append("\r\n").toString();
    }

    /**
     * The authserv-id that a field's value starts with (§2.2, after optional CFWS), lower case,
     * or empty when it has none.
     */
    public static String authservId(String value) {
        int i = 0;
        int depth = 0;
        while (i < value.length()) {
            char c = value.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')' && depth > 0) {
                depth--;
            } else if (depth == 0 && c != ' ' && c != '\t' && c != '\r' && c != '\n') {
                break;
            }
            i++;
        }
        int start = i;
        while (i < value.length() && ";( \t\r\n".indexOf(value.charAt(i)) < 0) {
            i++;
        }
        String id = value.substring(start, i);
        if (id.length() >= 2 && id.startsWith("\"") && id.endsWith("\"")) {
            id = id.substring(1, id.length() - 1);
        }
        return id.toLowerCase(Locale.ROOT);
    }

    private static String commentText(String comment) {
        StringBuilder safe = new StringBuilder(comment.length());
        for (char c : comment.toCharArray()) {
            if (c >= 0x20 && c < 0x7f && c != '(' && c != ')' && c != '\\') {
                safe.append(c);
            } else {
                safe.append(' ');
            }
        }
        return safe.toString();
    }
}
