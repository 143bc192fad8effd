package dev.tern.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The {@code TLS-Required} header field of RFC 8689 §5: {@code TLS-Required: No} asks that the message be delivered
 * even where the recipient domain's TLS policy (MTA-STS, DANE, or the sender's own verified-TLS setting) would hold
 * it back. The field's name is case-insensitive and so is its one defined value; the field may be folded. Any other
 * value means nothing (the field is ignored).
 */
public final class TlsRequiredField {

    private static final String NAME = "tls-required";

    private TlsRequiredField() {
    }

    /**
     * Whether a header block (as {@link OriginalHeaders#read} gives it: the lines before the empty line) carries
     * {@code TLS-Required: No}.
     */
    public static boolean waivesTlsPolicy(byte[] headerBlock) {
        // header field names are ASCII (RFC 5322 §2.2); other octets cannot be part of a match
        String text = new String(headerBlock, StandardCharsets.ISO_8859_1);
        String unfolded = text.replaceAll("\r?\n(?=[ \t])", ""); // RFC 5322 §2.2.3 unfolding
        for (String line : unfolded.split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon < 0 || !line.substring(0, colon).strip().toLowerCase(Locale.ROOT).equals(NAME)) {
                continue;
            }
            if (line.substring(colon + 1).strip().equalsIgnoreCase("No")) {
                return true;
            }
        }
        return false;
    }
}
