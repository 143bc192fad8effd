package dev.tern.mailauth;

import java.util.Locale;
import java.util.Optional;

/** {@code --inbound-auth} (CLI.md): what the results of SPF, DKIM and DMARC do to a message. */
public enum InboundAuthMode {
    /** No checks, no Authentication-Results: (a filtering gateway in front does them; the test harness). */
    OFF,
    /** Authentication-Results: only. */
    RECORD,
    /** Also refuse DMARC p=reject failures (550 5.7.1) and mark p=quarantine ones (X-Tern-Quarantine: dmarc). */
    ENFORCE;

    public static Optional<InboundAuthMode> parse(String text) {
        switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "record":
                return Optional.of(RECORD);
            case "enforce":
                return Optional.of(ENFORCE);
            case "off":
                return Optional.of(OFF);
            default:
                return Optional.empty();
        }
    }
}
