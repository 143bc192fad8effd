package dev.tern.protocol.spf;

import java.util.Locale;

/** The results of check_host() (RFC 7208 §2.6), as Authentication-Results names them (RFC 8601 §2.7.2). */
public enum SpfResult {
    NONE, NEUTRAL, PASS, FAIL, SOFTFAIL, TEMPERROR, PERMERROR;

    /** The result's keyword: {@code pass}, {@code softfail}, ... */
    public String keyword() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** What a directive's qualifier makes of a match (RFC 7208 §4.6.2). */
    static SpfResult ofQualifier(char qualifier) {
        switch (qualifier) {
            case '-':
                return FAIL;
            case '~':
                return SOFTFAIL;
            case '?':
                return NEUTRAL;
            default:
                return PASS;
        }
    }
}
