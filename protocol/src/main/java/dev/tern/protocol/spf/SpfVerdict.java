package dev.tern.protocol.spf;

import java.util.Objects;

/**
 * What check_host() decided, and why (for logs and an Authentication-Results comment).
 *
 * @param result the result
 * @param reason a short human explanation, e.g. {@code "matched ip4:192.0.2.0/24"}
 */
public record SpfVerdict(SpfResult result, String reason) {

    public SpfVerdict {
        Objects.requireNonNull(result, "result");
        Objects.requireNonNull(reason, "reason");
    }
}
