package dev.tern.protocol;

import java.util.Locale;

/**
 * The ORCPT parameter of RCPT (RFC 3461 §4.2): the recipient as the original sender gave it,
 * which the DSN reports as Original-Recipient (RFC 3464 §2.3.1).
 *
 * @param addressType an atom, e.g. {@code rfc822}
 * @param address     the xtext-decoded address: printable ASCII
 */
public record OriginalRecipient(String addressType, String address) {

    /** RFC 3461 §4.2: the ORCPT parameter must not exceed 500 characters. */
    public static final int MAX_LENGTH = 500;

    /** {@code rfc822;bob+2Bx@example.org}, or {@code null} when it is not an address type, ';' and xtext. */
    public static OriginalRecipient parse(String value) {
        if (value == null || value.length() > MAX_LENGTH) {
            return null;
        }
        int semicolon = value.indexOf(';');
        if (semicolon <= 0) {
            return null;
        }
        String type = value.substring(0, semicolon);
        if (!type.matches("[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+")) { // RFC 5322 atext
            return null;
        }
        String address = XText.decode(value.substring(semicolon + 1));
        if (address == null || address.isEmpty() || !printable(address)) {
            return null;
        }
        return new OriginalRecipient(type.toLowerCase(Locale.ROOT), address);
    }

    /** As the parameter value, for a next hop: the address xtext-encoded. */
    public String parameter() {
        return addressType + ";" + XText.encode(address);
    }

    /** As a DSN's Original-Recipient field value (RFC 3464 §2.3.1), {@code rfc822;bob@example.org}. */
    @Override
    public String toString() {
        return addressType + ";" + address;
    }

    static boolean printable(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < ' ' || c > '~') {
                return false;
            }
        }
        return true;
    }
}
