package dev.tern.protocol.dmarc;

import java.util.Locale;

/** DMARC results as RFC 7489 §11.2 registers them for Authentication-Results. */
public enum DmarcResult {
    NONE, PASS, FAIL, TEMPERROR, PERMERROR;

    public String keyword() {
        return name().toLowerCase(Locale.ROOT);
    }
}
