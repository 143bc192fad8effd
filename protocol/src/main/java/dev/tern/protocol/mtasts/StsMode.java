package dev.tern.protocol.mtasts;

import java.util.Optional;

/** RFC 8461 §3.2 {@code mode}: what a sender does when a connection cannot be validated. */
public enum StsMode {
    /** Deliver only to a matching MX host with a validated certificate, else defer. */
    ENFORCE("enforce"),
    /** Deliver regardless, but report failures (RFC 8460). */
    TESTING("testing"),
    /** The domain has withdrawn its policy: behave as if it had none. */
    NONE("none");

    private final String keyword;

    StsMode(String keyword) {
        this.keyword = keyword;
    }

    /** The policy file's spelling, e.g. {@code enforce}. */
    public String keyword() {
        return keyword;
    }

    /** The mode spelt exactly so (the grammar's %s strings are case-sensitive). */
    public static Optional<StsMode> of(String keyword) {
        for (StsMode mode : values()) {
            if (mode.keyword.equals(keyword)) {
                return Optional.of(mode);
            }
        }
        return Optional.empty();
    }
}
