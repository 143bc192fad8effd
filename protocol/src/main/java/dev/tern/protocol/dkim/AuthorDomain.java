package dev.tern.protocol.dkim;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The domain of a message's author: the From: field's address (RFC 5322 §3.6.2), the
 * domain a signer signs for and DMARC aligns with (RFC 7489 §3.1). Empty when there is no
 * single answer: no From:, several From: fields, or mailboxes in different domains.
 */
public final class AuthorDomain {

    private AuthorDomain() {
    }

    public static Optional<String> of(List<HeaderField> headers) {
        List<HeaderField> from = headers.stream().filter(field -> field.named("from")).toList();
        if (from.size() != 1) {
            return Optional.empty();
        }
        String value = withoutQuotesAndComments(from.get(0).value().replace("\r\n", ""));
        Set<String> domains = new LinkedHashSet<>();
        for (String mailbox : value.split(",")) {
            int open = mailbox.indexOf('<');
            String address = open >= 0 ? mailbox.substring(open + 1, Math.max(open + 1, mailbox.indexOf('>', open)))
                    : mailbox;
            int at = address.lastIndexOf('@');
            if (at < 0) {
                if (!mailbox.isBlank() && !mailbox.contains(":")) {
                    return Optional.empty(); // a mailbox without a domain
                }
                continue;
            }
            String domain = address.substring(at + 1).strip().toLowerCase(Locale.ROOT);
            if (domain.endsWith(".")) {
                domain = domain.substring(0, domain.length() - 1);
            }
            if (domain.isEmpty() || !domain.matches("[a-z0-9_.-]+|[^\\s<>@]+")) {
                return Optional.empty();
            }
            domains.add(domain);
        }
        return domains.size() == 1 ? Optional.of(domains.iterator().next()) : Optional.empty();
    }

    /** Display names may hold {@code @} and {@code ,} inside quotes, comments anything. */
    private static String withoutQuotesAndComments(String value) {
        StringBuilder out = new StringBuilder(value.length());
        boolean quoted = false;
        int comment = 0;
        for (int i = 0; i < value.length(); i++) {
            char ch = value.charAt(i);
            if (ch == '\\' && (quoted || comment > 0)) {
                i++;
            } else if (quoted) {
                quoted = ch != '"';
            } else if (ch == '(') {
                comment++;
            } else if (ch == ')' && comment > 0) {
                comment--;
            } else if (comment == 0) {
                if (ch == '"') {
                    quoted = true;
                } else {
                    out.append(ch);
                }
            }
        }
        return out.toString();
    }
}
