package dev.tern.protocol;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The sender rules of a mail submission listener (RFC 6409): no transaction before AUTH
 * (§4.3; {@code 530 5.7.0}, RFC 4954 §6), and, as configured, the envelope sender must be
 * the authenticated user's own address (§6.1; Postfix's {@code reject_sender_login_mismatch}
 * and its wording, {@code 553 5.7.1}).
 *
 * <p>User {@code alice} owns {@code alice@} in every local domain, and with a delimiter
 * {@code +} also {@code alice+anything@}, unless a user {@code alice+anything} exists: then
 * that address is that user's. The null sender {@code <>} is always accepted (§3.2: it MUST
 * be; clients send read receipts with it).
 */
public final class SubmissionSenderPolicy implements SenderPolicy {

    /** Which envelope senders an authenticated user may give. */
    public enum Ownership {
        /** only the user's own address in a local domain (Postfix: {@code reject_sender_login_mismatch}) */
        OWN,
        /**
         * the user's own address where the domain is local; any address in other domains
         * (Postfix: {@code reject_known_sender_login_mismatch})
         */
        OWN_LOCAL,
        /** any address (Postfix's default, which checks nothing) */
        ANY
    }

    private final Set<String> localDomains;
    private final Predicate<String> userExists;
    private final Ownership ownership;
    private final String delimiter;

    /**
     * @param delimiter what separates a user name from its sub-address ({@code "+"}; several characters: any of
     *                  them, {@link RecipientDelimiter}); empty: none
     */
    public SubmissionSenderPolicy(Set<String> localDomains, Predicate<String> userExists, Ownership ownership,
                                  String delimiter) {
        this.localDomains = MailAddress.asciiDomains(localDomains); // A-labels: either form of a domain matches
        this.userExists = userExists;
        this.ownership = ownership;
        this.delimiter = delimiter;
    }

    @Override
    public Optional<SmtpReply> refusal(ReversePath sender, String user) {
        if (user == null) {
            return Optional.of(Replies.AUTH_REQUIRED);
        }
        if (ownership == Ownership.ANY || !(sender instanceof ReversePath.Sender mailbox)) {
            return Optional.empty();
        }
        String name = user.toLowerCase(Locale.ROOT); // user-db names are lower case; AUTH may differ in case
        MailAddress address = mailbox.address();
        boolean owned = localDomains.contains(address.asciiDomain())
                ? owner(address.mailboxName()).equals(name)
                : ownership == Ownership.OWN_LOCAL;
        return owned ? Optional.empty() : Optional.of(Replies.senderNotOwned(name));
    }

    /** The user a local part names: a user of that very name, else the part before the delimiter. */
    private String owner(String localPart) {
        return userExists.test(localPart) ? localPart
                : new RecipientDelimiter(delimiter).base(localPart).orElse(localPart);
    }
}
