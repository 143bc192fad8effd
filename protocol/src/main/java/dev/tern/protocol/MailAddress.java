package dev.tern.protocol;

import java.util.Locale;
import java.util.Optional;

/**
 * An RFC 5321 §4.1.2 mailbox, {@code local-part@domain}. The domain is kept lower-cased
 * (domains are case-insensitive); the local part keeps its case, as §2.4 requires.
 */
public record MailAddress(String localPart, String domain) {

    // RFC 5321 §4.5.3.1.1/2
    static final int MAX_LOCAL_PART = 64;
    static final int MAX_DOMAIN = 255;

    public MailAddress {
        domain = domain.toLowerCase(Locale.ROOT);
    }

    /** Parses a mailbox (no angle brackets), or explains in the empty case what is wrong. */
    public static Optional<MailAddress> parse(String mailbox) {
        return Optional.ofNullable(parseOrNull(mailbox));
    }

    /** As {@link #parse} but with the reason, for the 501 reply. */
    public static String problemWith(String mailbox) {
        int at = mailbox.lastIndexOf('@');
        if (at <= 0 || at == mailbox.length() - 1) {
            return "expected local-part@domain";
        }
        String local = mailbox.substring(0, at);
        String domain = mailbox.substring(at + 1);
        if (local.length() > MAX_LOCAL_PART) {
            return "local part longer than 64 characters";
        }
        if (!validLocalPart(local)) {
            return "invalid local part";
        }
        if (domain.length() > MAX_DOMAIN || !validDomain(domain)) {
            return "invalid domain";
        }
        return null;
    }

    private static MailAddress parseOrNull(String mailbox) {
        if (problemWith(mailbox) != null) {
            return null;
        }
        int at = mailbox.lastIndexOf('@');
        return new MailAddress(mailbox.substring(0, at), mailbox.substring(at + 1));
    }

    /** The local part without quoting, lower-cased: what names a local mailbox. */
    public String mailboxName() {
        String local = localPart;
        if (local.length() >= 2 && local.startsWith("\"") && local.endsWith("\"")) {
            local = local.substring(1, local.length() - 1).replaceAll("\\\\(.)", "$1");
        }
        return local.toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return localPart + "@" + domain;
    }

    // dot-string of atext (RFC 5321 §4.1.2) or a quoted-string of printable ASCII
    private static boolean validLocalPart(String local) {
        if (local.startsWith("\"")) {
            if (local.length() < 2 || !local.endsWith("\"")) {
                return false;
            }
            for (int i = 1; i < local.length() - 1; i++) {
                char c = local.charAt(i);
                if (c == '\\') {
                    i++;
                    if (i >= local.length() - 1 || local.charAt(i) < 32 || local.charAt(i) > 126) {
                        return false;
                    }
                } else if (c < 32 || c > 126 || c == '"') {
                    return false;
                }
            }
            return true;
        }
        if (local.startsWith(".") || local.endsWith(".") || local.contains("..")) {
            return false;
        }
        for (int i = 0; i < local.length(); i++) {
            char c = local.charAt(i);
            if (!(isAtext(c) || c == '.')) {
                return false;
            }
        }
        return true;
    }

    private static boolean isAtext(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || "!#$%&'*+-/=?^_`{|}~".indexOf(c) >= 0;
    }

    static boolean validDomain(String domain) {
        if (AddressLiteral.isLiteral(domain)) {
            return AddressLiteral.isValid(domain.substring(1, domain.length() - 1));
        }
        if (domain.isEmpty() || domain.endsWith(".")) {
            return false;
        }
        for (String label : domain.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63 || label.startsWith("-") || label.endsWith("-")) {
                return false;
            }
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-')) {
                    return false;
                }
            }
        }
        return true;
    }
}
