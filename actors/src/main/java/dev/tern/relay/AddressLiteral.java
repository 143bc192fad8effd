package dev.tern.relay;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Optional;

import org.xbill.DNS.Address;

/**
 * RFC 5321 §4.1.3 address literals as a mail domain: {@code [192.0.2.1]} and
 * {@code [IPv6:2001:db8::1]} (the tag in any case). Parsed without any name lookup.
 */
final class AddressLiteral {

    private static final String IPV6_TAG = "ipv6:";

    private AddressLiteral() {
    }

    static boolean isLiteral(String domain) {
        return domain.startsWith("[") && domain.endsWith("]");
    }

    /** The address in a literal, or empty when the text inside the brackets is not one. */
    static Optional<InetAddress> parse(String literal) {
        if (!isLiteral(literal) || literal.length() < 3) {
            return Optional.empty();
        }
        String inside = literal.substring(1, literal.length() - 1);
        byte[] bytes;
        if (inside.toLowerCase(Locale.ROOT).startsWith(IPV6_TAG)) {
            bytes = Address.toByteArray(inside.substring(IPV6_TAG.length()), Address.IPv6);
        } else if (inside.contains(":")) {
            // untagged IPv6 is not RFC 5321 syntax, but its meaning is unambiguous
            bytes = Address.toByteArray(inside, Address.IPv6);
        } else {
            bytes = Address.toByteArray(inside, Address.IPv4);
        }
        if (bytes == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.getByAddress(bytes)); // no lookup: raw bytes
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }
}
