package dev.tern.protocol;

import java.net.Inet6Address;
import java.net.InetAddress;

/** RFC 5321 §4.1.3 address literals ({@code 192.0.2.1}, {@code IPv6:2001:db8::1}) in RFC 5952 form. */
public final class AddressLiteral {
    private AddressLiteral() {
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
