package dev.tern.protocol;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * RFC 5321 §4.1.3 address literals: {@code [192.0.2.1]} and {@code [IPv6:2001:db8::1]} as a
 * mail domain, written in RFC 5952 form and read without any name lookup.
 */
public final class AddressLiteral {

    private static final String IPV6_TAG = "IPv6:";

    private AddressLiteral() {
    }

    /** Whether a domain is written as an address literal (brackets) rather than a name. */
    public static boolean isLiteral(String domain) {
        return domain.startsWith("[") && domain.endsWith("]");
    }

    /**
     * Whether the text inside the brackets has RFC 5321 §4.1.3 syntax: a dotted quad, or
     * "IPv6:" (the tag in any case) and an IPv6 address.
     */
    static boolean isValid(String inside) {
        if (inside.regionMatches(true, 0, IPV6_TAG, 0, IPV6_TAG.length())) {
            String v6 = inside.substring(IPV6_TAG.length());
            return !v6.isEmpty() && v6.matches("[0-9A-Fa-f:.]+") && v6.contains(":");
        }
        return ipv4(inside).isPresent();
    }

    /** The address in a literal domain, or empty when the text in the brackets is not one. */
    public static Optional<InetAddress> parse(String domain) {
        if (!isLiteral(domain) || domain.length() < 3) {
            return Optional.empty();
        }
        String inside = domain.substring(1, domain.length() - 1);
        if (inside.regionMatches(true, 0, IPV6_TAG, 0, IPV6_TAG.length())) {
            return ipv6(inside.substring(IPV6_TAG.length()));
        }
        if (inside.contains(":")) {
            return ipv6(inside); // untagged IPv6 is not RFC 5321 syntax, but its meaning is unambiguous
        }
        return ipv4(inside).map(AddressLiteral::byAddress);
    }

    private static Optional<byte[]> ipv4(String dottedQuad) {
        String[] parts = dottedQuad.split("\\.", -1);
        if (parts.length != 4) {
            return Optional.empty();
        }
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
            if (!parts[i].matches("[0-9]{1,3}") || Integer.parseInt(parts[i]) > 255) {
                return Optional.empty();
            }
            bytes[i] = (byte) Integer.parseInt(parts[i]);
        }
        return Optional.of(bytes);
    }

    private static Optional<InetAddress> ipv6(String text) {
        if (text.isEmpty() || !text.matches("[0-9A-Fa-f:.]+")) {
            return Optional.empty();
        }
        try {
            // in brackets the JDK reads only an IPv6 literal and never looks a name up
            return Optional.of(InetAddress.getByName("[" + text + "]"));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    private static InetAddress byAddress(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes); // raw bytes: no lookup
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e); // only for a wrong length, and this is 4
        }
    }

    /** The literal without brackets, as in Received: {@code ([IPv6:::1])}. */
    public static String of(InetAddress address) {
        return address instanceof Inet6Address ? "IPv6:" + compress((Inet6Address) address) : address.getHostAddress();
    }

    /** RFC 5952 §4: lower case, no leading zeros, the longest run (≥2) of zero groups as "::". */
    static String compress(Inet6Address address) {
        byte[] bytes = address.getAddress();
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((bytes[2 * i] & 0xff) << 8) | (bytes[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int start = i;
            while (i < 8 && groups[i] == 0) {
                i++;
            }
            if (i - start > bestLength) {
                bestStart = start;
                bestLength = i - start;
            }
        }
        StringBuilder text = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                text.append("::");
                i += bestLength - 1;
                continue;
            }
            if (text.length() > 0 && text.charAt(text.length() - 1) != ':') {
                text.append(':');
            }
            text.append(Integer.toHexString(groups[i]));
        }
        return text.toString();
    }
}
