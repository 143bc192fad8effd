package dev.tern.protocol.dmarc;

import java.util.Locale;

/** A domain owner's requested handling of failing mail (RFC 7489 §6.3, "p" and "sp"). */
public enum DmarcPolicy {
    NONE, QUARANTINE, REJECT;

    public String keyword() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** §6.6.4: a failing message outside "pct" gets the next less strict policy. */
    DmarcPolicy lessStrict() {
        return this == REJECT ? QUARANTINE : NONE;
    }

    static DmarcPolicy parse(String value) {
        switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "none":
                return NONE;
            case "quarantine":
                return QUARANTINE;
            case "reject":
                return REJECT;
            default:
                return null;
        }
    }
}
