package dev.tern.protocol;

import java.util.Optional;

/**
 * Decides, per MAIL FROM, whether a session may open a transaction from that sender: a
 * submission listener (RFC 6409) wants AUTH first and may hold users to their own addresses.
 */
@FunctionalInterface
public interface SenderPolicy {

    /** Any sender, authenticated or not: the rule of every listener but submission. */
    SenderPolicy ANYONE = (sender, user) -> Optional.empty();

    /**
     * @param user the user the session authenticated as (RFC 4954), {@code null} if none
     * @return the reply that refuses this MAIL FROM, or empty if the transaction may open
     */
    Optional<SmtpReply> refusal(ReversePath sender, String user);
}
