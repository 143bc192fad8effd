package dev.tern.protocol;

import java.util.Locale;
import java.util.Optional;

/** The MAIL FROM {@code BODY=} parameter: what the message content may hold. */
public enum BodyType {
    /** RFC 5321: 7-bit US-ASCII lines; also what a MAIL without {@code BODY=} declares (RFC 6152 §3). */
    SEVEN_BIT("7BIT"),
    /** RFC 6152: octets above 127 in lines of at most 998 octets. */
    EIGHT_BIT_MIME("8BITMIME"),
    /** RFC 3030 §3: any octets, no line structure; only with BDAT. */
    BINARY_MIME("BINARYMIME");

    private final String keyword;

    BodyType(String keyword) {
        this.keyword = keyword;
    }

    /** As written in {@code BODY=} and in queue records. */
    public String keyword() {
        return keyword;
    }

    /** The value of a {@code BODY=} parameter, case-insensitively; empty when it names no body type. */
    public static Optional<BodyType> parse(String value) {
        if (value == null) {
            return Optional.empty();
        }
        String upper = value.toUpperCase(Locale.ROOT);
        for (BodyType type : values()) {
            if (type.keyword.equals(upper)) {
                return Optional.of(type);
            }
        }
        return Optional.empty();
    }
}
