package dev.tern.protocol;

/**
 * An accepted recipient and where it goes.
 *
 * @param address what the client gave in RCPT TO
 * @param route   local mailbox or remote domain, decided by the {@link RecipientPolicy}
 * @param dsn     what the client asked of DSNs for it (NOTIFY, ORCPT; RFC 3461 §4.1, §4.2)
 */
public record Recipient(MailAddress address, Route route, RecipientDsn dsn) {

    public Recipient {
        java.util.Objects.requireNonNull(dsn, "dsn");
    }

    /** A recipient without DSN parameters. */
    public Recipient(MailAddress address, Route route) {
        this(address, route, RecipientDsn.NONE);
    }

    public Recipient withDsn(RecipientDsn requested) {
        return new Recipient(address, route, requested);
    }

    /** Where a recipient's copy is delivered. */
    public sealed interface Route {
    }

    /** Into the named local mailbox. */
    public record LocalMailbox(String user) implements Route {
    }

    /** To the MX of a remote domain. */
    public record RemoteDomain(String domain) implements Route {
    }

    /**
     * A forward path as written by the client: a mailbox, or the bare {@code <postmaster>}
     * that RFC 5321 §4.1.1.3 requires every server to accept.
     */
    public sealed interface Path {
    }

    public record MailboxPath(MailAddress address) implements Path {
    }

    public record BarePostmaster() implements Path {
    }
}
