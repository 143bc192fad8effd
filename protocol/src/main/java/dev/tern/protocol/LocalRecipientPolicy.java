package dev.tern.protocol;

import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The relay rules of a listener: local domains deliver to existing users only (or to what its
 * {@link LocalNames} resolve: aliases, sub-addresses, postmaster); other
 * domains are relayed only where the listener allows it (loopback) or after AUTH.
 */
public final class LocalRecipientPolicy implements RecipientPolicy {

    /** Whether a listener may relay to remote domains. */
    public enum Relay { DENIED, ALLOWED }

    /**
     * What a local part names in every local domain: the name of a mailbox or of an alias
     * (after sub-address and postmaster rules, which the caller knows), or empty when nothing.
     */
    @FunctionalInterface
    public interface LocalNames {
        Optional<String> resolve(String localPart);
    }

    private final Set<String> localDomains;
    private final LocalNames localNames;
    private final Relay relay;

    public LocalRecipientPolicy(Set<String> localDomains, Predicate<String> userExists, Relay relay) {
        this(localDomains, relay, name -> userExists.test(name) ? Optional.of(name) : Optional.empty());
    }

    private LocalRecipientPolicy(Set<String> localDomains, Relay relay, LocalNames localNames) {
        // compared as A-labels, so that a domain configured either way matches either form (RFC 5890 §2.3.2.1)
        this.localDomains = MailAddress.asciiDomains(localDomains);
        this.localNames = localNames;
        this.relay = relay;
    }

    /** Local parts resolved by {@code localNames} (users, aliases, sub-addresses) instead of users only. */
    public static LocalRecipientPolicy resolving(Set<String> localDomains, LocalNames localNames, Relay relay) {
        return new LocalRecipientPolicy(localDomains, relay, localNames);
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

    private Verdict local(String localPart, MailAddress address) {
        Optional<String> name = localNames.resolve(localPart);
        if (name.isEmpty()) {
            return new Rejected(Replies.USER_UNKNOWN);
        }
        return new Accepted(new Recipient(address, new Recipient.LocalMailbox(name.get())));
    }

    private String anyLocalDomain() {
        return localDomains.stream().sorted().findFirst().orElse("localhost");
    }
}
