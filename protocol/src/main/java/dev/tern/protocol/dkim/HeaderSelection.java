package dev.tern.protocol.dkim;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which header fields a signature covers ({@code h=}): those RFC 6376 §5.4.1 recommends, plus
 * the MIME fields and Message-ID, each instance present. From, To, Subject and Date are listed
 * once more than they occur (§8.15, "over-signing"): a field of those names added in transit
 * then breaks the signature instead of being shown to the reader unsigned.
 */
public final class HeaderSelection {

    /** §5.4.1's list, then the fields that say how the body reads. */
    private static final List<String> SIGNED = List.of("from", "reply-to", "subject", "date", "to", "cc",
            "resent-date", "resent-from", "resent-to", "resent-cc", "in-reply-to", "references", "list-id",
            "list-help", "list-unsubscribe", "list-subscribe", "list-post", "list-owner", "list-archive",
            "message-id", "mime-version", "content-type", "content-transfer-encoding");

    private static final Set<String> OVER_SIGNED = Set.of("from", "to", "subject", "date");

    private HeaderSelection() {
    }

    /** The lower-case names for {@code h=}, in the order above. */
    public static List<String> of(List<HeaderField> headers) {
        List<String> names = new ArrayList<>();
        for (String name : SIGNED) {
            long present = headers.stream().filter(field -> field.named(name)).count();
            long listed = OVER_SIGNED.contains(name) ? present + 1 : present;
            for (long i = 0; i < listed; i++) {
                names.add(name.toLowerCase(Locale.ROOT));
            }
        }
        return names;
    }
}
