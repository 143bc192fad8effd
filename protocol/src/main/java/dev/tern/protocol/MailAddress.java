package dev.tern.protocol;

import java.net.IDN;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.Collection;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * An RFC 5321 §4.1.2 mailbox, {@code local-part@domain}. The domain is kept lower-cased
 * (domains are case-insensitive); the local part keeps its case, as §2.4 requires. With
 * SMTPUTF8 (RFC 6531 §3.3) both may be UTF-8: non-ASCII atext and qtext in the local part,
 * U-labels in the domain; the ASCII rules are unchanged.
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
        if (local.getBytes(StandardCharsets.UTF_8).length > MAX_LOCAL_PART) { // RFC 6531 §3.3: octets
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

    /**
     * The local part without quoting, lower-cased, in Unicode NFC: what names a local mailbox
     * (RFC 6530 §10.1: the same name typed as composed or decomposed characters is one mailbox).
     */
    public String mailboxName() {
        String local = localPart;
        if (local.length() >= 2 && local.startsWith("\"") && local.endsWith("\"")) {
            local = local.substring(1, local.length() - 1).replaceAll("\\\\(.)", "$1");
        }
        String lower = local.toLowerCase(Locale.ROOT);
        return isAscii(lower) ? lower : Normalizer.normalize(lower, Normalizer.Form.NFC);
    }

    /**
     * The domain with its U-labels as A-labels (RFC 5890 §2.3.2.1, {@link IDN#toASCII}): what DNS
     * and the local-domain list compare. An ASCII domain or an address literal as it is.
     */
    public String asciiDomain() {
        return asciiDomain(domain);
    }

    /** {@link #asciiDomain()} of any domain name; one that IDNA refuses stays as it is. */
    public static String asciiDomain(String domain) {
        if (isAscii(domain)) {
            return domain.toLowerCase(Locale.ROOT);
        }
        try {
            return IDN.toASCII(domain, IDN.ALLOW_UNASSIGNED | IDN.USE_STD3_ASCII_RULES).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException notIdna) {
            return domain;
        }
    }

    /** Domain names as {@link #asciiDomain(String)} has them: a set to look an address's asciiDomain() up in. */
    public static Set<String> asciiDomains(Collection<String> domains) {
        return domains.stream().map(MailAddress::asciiDomain).collect(Collectors.toUnmodifiableSet());
    }

    /** Whether local part and domain are US-ASCII: such an address needs no SMTPUTF8 (RFC 6531 §3.2). */
    public boolean isAscii() {
        return isAscii(localPart) && isAscii(domain);
    }

    static boolean isAscii(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
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
                } else if (c < 32 || c == 127 || c == '"' || (c > 127 && !isUtf8NonAscii(c))) {
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
            if (!(isAtext(c) || c == '.' || isUtf8NonAscii(c))) {
                return false;
            }
        }
        return true;
    }

    private static boolean isAtext(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || "!#$%&'*+-/=?^_`{|}~".indexOf(c) >= 0;
    }

    /**
     * RFC 6531 §3.3 atext and qtextSMTP also take UTF8-non-ascii (RFC 6532 §3.1); the C1 controls
     * are control characters all the same. Surrogates come in valid pairs: lines are decoded strictly.
     */
    private static boolean isUtf8NonAscii(char c) {
        return c >= 0xA0;
    }

    static boolean validDomain(String domain) {
        if (AddressLiteral.isLiteral(domain)) {
            return AddressLiteral.isValid(domain.substring(1, domain.length() - 1));
        }
        if (!isAscii(domain)) {
            // RFC 6531 §3.3: sub-domain =/ U-label; valid when IDNA turns it into valid A-labels
            String ascii = asciiDomain(domain);
            return isAscii(ascii) && !domain.endsWith(".") && validDomain(ascii);
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
