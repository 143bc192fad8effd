package dev.tern.protocol.dkim;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The octets a DKIM signature covers (RFC 6376 §3.7): each field named in {@code h=},
 * canonicalized, then the DKIM-Signature field itself with an empty {@code b=} and no final CRLF.
 */
public final class SignedData {

    private SignedData() {
    }

    /**
     * @param headers        the message's header fields, top to bottom
     * @param signedNames    {@code h=}: a name used n times takes its n last instances, from the
     *                       bottom up (§5.4.2); a name with no instance left adds nothing
     * @param signatureField the DKIM-Signature field, its {@code b=} value already emptied
     */
    public static byte[] of(List<HeaderField> headers, List<String> signedNames, Canonicalization canonicalization,
                            HeaderField signatureField) {
        StringBuilder data = new StringBuilder();
        // each name's instances, top to bottom: taking from the end is the bottom-up order, in one pass
        Map<String, List<HeaderField>> unused = new HashMap<>();
        for (HeaderField field : headers) {
            unused.computeIfAbsent(field.name().toLowerCase(Locale.ROOT), n -> new ArrayList<>()).add(field);
        }
        for (String name : signedNames) {
            List<HeaderField> instances = unused.get(name.toLowerCase(Locale.ROOT));
            if (instances != null && !instances.isEmpty()) {
                data.append(canonicalization.header(instances.remove(instances.size() - 1)));
            }
        }
        String own = canonicalization.header(signatureField);
        data.append(own, 0, own.length() - 2);
        return data.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * The field with its {@code b=} value removed, whitespace around it too (§3.5 b=, §3.7),
     * as a verifier hashes it. Only the tag named exactly {@code b} is emptied, not {@code bh}.
     */
    public static HeaderField withoutSignature(HeaderField field) {
        String raw = field.raw();
        int colon = raw.indexOf(':');
        int at = colon + 1;
        while (at <= raw.length()) {
            int end = raw.indexOf(';', at);
            int specEnd = end < 0 ? raw.length() : end;
            String spec = raw.substring(at, specEnd);
            int equals = spec.indexOf('=');
            if (equals >= 0 && spec.substring(0, equals).strip().equals("b")) {
                return new HeaderField(field.name(), raw.substring(0, at + equals + 1) + raw.substring(specEnd));
            }
            if (end < 0) {
                break;
            }
            at = end + 1;
        }
        return field;
    }
}
