package dev.tern.protocol.dmarc;

import java.util.Locale;

import com.google.common.net.InternetDomainName;

/**
 * The organizational domain of RFC 7489 §3.2: the public suffix (Guava's copy of the public
 * suffix list, both its ICANN and private sections) plus one label. A name under no listed
 * suffix falls back to §3.2's default rule "*": its last label is the suffix.
 */
public final class OrganizationalDomain {

    private OrganizationalDomain() {
    }

    /** {@code mail.example.co.uk} → {@code example.co.uk}; lower case, no trailing dot. */
    public static String of(String domain) {
        String name = domain.toLowerCase(Locale.ROOT);
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        try {
            InternetDomainName parsed = InternetDomainName.from(name);
            if (parsed.isUnderPublicSuffix()) {
                return parsed.topPrivateDomain().toString();
            }
            if (parsed.isPublicSuffix()) {
                return name; // a suffix itself (e.g. "co.uk") is its own organization
            }
        } catch (IllegalArgumentException e) {
            // not a name Guava accepts (underscores, odd lengths): the default rule below
        }
        String[] labels = name.split("\\.");
        return labels.length <= 2 ? name : labels[labels.length - 2] + "." + labels[labels.length - 1];
    }

    /** §3.1: relaxed alignment compares organizational domains, strict the names themselves. */
    public static boolean aligned(String identifier, String fromDomain, boolean strict) {
        String a = identifier.toLowerCase(Locale.ROOT);
        String b = fromDomain.toLowerCase(Locale.ROOT);
        return strict ? a.equals(b) : of(a).equals(of(b));
    }
}
