package dev.tern.protocol;

import java.util.Set;
import java.util.function.Predicate;

/**
 * The relay rules of a listener: local domains deliver to existing users only; other
 * domains are relayed only where the listener allows it (loopback) or after AUTH.
 */
public final class LocalRecipientPolicy implements RecipientPolicy {

    /** Whether a listener may relay to remote domains. */
    public enum Relay { DENIED, ALLOWED }

    private final Set<String> localDomains;
    private final Predicate<String> userExists;
    private final Relay relay;

    public LocalRecipientPolicy(Set<String> localDomains, Predicate<String> userExists, Relay relay) {
        // compared as A-labels, so that a domain configured either way matches either form (RFC 5890 §2.3.2.1)
        this.localDomains = MailAddress.asciiDomains(localDomains);
        this.userExists = userExists;
        this.relay = relay;
    }

    @Override
    public Verdict check(Recipient.Path path, boolean authenticated) {
        if (path instanceof Recipient.MailboxPath mailbox) {
            MailAddress address = mailbox.address();
            if (localDomains.contains(address.asciiDomain())) {
                return local(address.mailboxName(), address);
            }
            return relay == Relay.ALLOWED || authenticated
                    ? new Accepted(new Recipient(address, new Recipient.RemoteDomain(address.asciiDomain())))
                    : new Rejected(Replies.RELAY_DENIED);
        }
        // RFC 5321 §4.1.1.3: <postmaster> without a domain always means this server's postmaster
        return local("postmaster", new MailAddress("postmaster", anyLocalDomain()));
    }

    private Verdict local(String user, MailAddress address) {
        if (!userExists.test(user)) {
            return new Rejected(Replies.USER_UNKNOWN);
        }
        return new Accepted(new Recipient(address, new Recipient.LocalMailbox(user)));
    }

    private String anyLocalDomain() {
        return localDomains.stream().sorted().findFirst().orElse("localhost");
    }
}
