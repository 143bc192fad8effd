package dev.tern.protocol;

import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What the client asked of delivery status notifications for one recipient, on RCPT
 * (RFC 3461 §4.1, §4.2).
 *
 * @param conditions the NOTIFY conditions, empty for NEVER, {@code null} when NOTIFY was not given
 * @param orcpt  the original recipient (ORCPT), {@code null} when not given
 */
public record RecipientDsn(Set<Notify> conditions, OriginalRecipient orcpt) {

    /** Neither NOTIFY nor ORCPT given. */
    public static final RecipientDsn NONE = new RecipientDsn(null, null);

    /** RFC 3461 §4.1 conditions; NEVER is the empty set. */
    public enum Notify {
        SUCCESS, FAILURE, DELAY
    }

    public RecipientDsn {
        conditions = conditions == null ? null : Set.copyOf(conditions);
    }

    /**
     * Whether a DSN is owed for {@code condition}. RFC 3461 §4.1: without NOTIFY, as if
     * NOTIFY=FAILURE,DELAY had been given.
     */
    public boolean wants(Notify condition) {
        return conditions == null ? condition != Notify.SUCCESS : conditions.contains(condition);
    }

    /** NOTIFY as written on the wire: {@code NEVER} or the conditions joined by commas; {@code null} if not given. */
    public String notifyValue() {
        if (conditions == null) {
            return null;
        }
        if (conditions.isEmpty()) {
            return "NEVER";
        }
        return EnumSet.copyOf(conditions).stream().map(Enum::name).collect(Collectors.joining(","));
    }

    /** The RCPT parameters to pass on to a next hop that offers DSN, with a leading space each. */
    public String parameters() {
        return (conditions == null ? "" : " NOTIFY=" + notifyValue())
                + (orcpt == null ? "" : " ORCPT=" + orcpt.parameter());
    }

    /** NOTIFY as written, parsed; {@code null} when it is not {@code NEVER} or a list of distinct conditions. */
    public static Set<Notify> parseNotify(String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        if (value.equalsIgnoreCase("NEVER")) {
            return Set.of(); // RFC 3461 §4.1: NEVER must not be combined with any other keyword
        }
        Set<Notify> conditions = EnumSet.noneOf(Notify.class);
        for (String word : value.split(",", -1)) {
            Notify condition;
            try {
                condition = Notify.valueOf(word.toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException notACondition) {
                return null;
            }
            if (!conditions.add(condition)) {
                return null;
            }
        }
        return conditions;
    }
}
