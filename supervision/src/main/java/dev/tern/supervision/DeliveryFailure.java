package dev.tern.supervision;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Why delivery to one recipient (or a whole destination) failed, in the terms a DSN
 * (RFC 3464) reports it.
 *
 * @param status     RFC 3463 enhanced status {@code class.subject.detail}, e.g. {@code "4.4.1"}; its
 *                   class matches {@code kind}
 * @param diagnostic RFC 3464 §2.3.6 Diagnostic-Code value, {@code diagnostic-type; text}, one line of
 *                   ASCII: {@code "smtp; 550 5.1.1 User unknown"} or
 *                   {@code "X-Tern; connect to mx.example[192.0.2.1]:25: Connection refused"}
 */
public record DeliveryFailure(FailureKind kind, String status, String diagnostic) {

    // RFC 3463 §2: class "." subject "." detail, subject and detail 1-3 digits
    static final Pattern STATUS = Pattern.compile("[245]\\.\\d{1,3}\\.\\d{1,3}");

    public DeliveryFailure {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(diagnostic, "diagnostic");
        if (status == null || !STATUS.matcher(status).matches() || status.charAt(0) != kind.statusClass()) {
            throw new IllegalArgumentException("status " + status + " does not fit a " + kind + " failure");
        }
        if (diagnostic.indexOf(';') < 1 || !FailureClassifier.isPrintableAscii(diagnostic)) {
            throw new IllegalArgumentException("diagnostic must be one ASCII line 'type; text': " + diagnostic);
        }
    }

    public boolean isTransient() {
        return kind == FailureKind.TRANSIENT;
    }

    /** For logs: {@code 4.4.1 X-Tern; connect to ...}. */
    @Override
    public String toString() {
        return status + " " + diagnostic;
    }
}
