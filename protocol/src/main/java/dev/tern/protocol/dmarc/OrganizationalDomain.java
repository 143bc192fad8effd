package dev.tern.protocol.dmarc;

import java.util.Arrays;
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
        String[] labels = name.split("\\.");
        // The longest tail Guava accepts decides: a label it refuses (x-.bank.co.uk) must not hide the suffix
        // co.uk and make "co.uk" the organization, which would look up the wrong policy.
        for (int first = 0; first < labels.length; first++) {
            InternetDomainName tail;
            try {
                tail = InternetDomainName.from(String.join(".", Arrays.copyOfRange(labels, first, labels.length)));
            } catch (IllegalArgumentException e) {
                continue; // underscores, odd lengths: try the name without its first label
            }
            if (tail.isUnderPublicSuffix()) {
                return lastLabels(labels, tail.topPrivateDomain().parts().size());
            }
            if (tail.isPublicSuffix()) {
                return lastLabels(labels, tail.parts().size() + 1); // the suffix and one label of the name
            }
            break; // under no listed suffix: the default rule
        }
        return lastLabels(labels, 2); // §3.2's default rule "*": the last label is the suffix
    }

    private static String lastLabels(String[] labels, int count) {
        int from = Math.max(0, labels.length - count);
        return String.join(".", Arrays.copyOfRange(labels, from, labels.length));
    }

    /** §3.1: relaxed alignment compares organizational domains, strict the names themselves. */
    public static boolean aligned(String identifier, String fromDomain, boolean strict) {
        String a = identifier.toLowerCase(Locale.ROOT);
        String b = fromDomain.toLowerCase(Locale.ROOT);
        return strict ? a.equals(b) : of(a).equals(of(b));
    }
}
