package dev.tern.protocol;

/** Decides, per RCPT TO, whether a recipient is accepted and where its copy goes. */
@FunctionalInterface
public interface RecipientPolicy {

    /** @param authenticated whether the session authenticated (RFC 4954), which permits relaying */
    Verdict check(Recipient.Path path, boolean authenticated);

    default Verdict check(Recipient.Path path) {
        return check(path, false);
    }

    sealed interface Verdict {
    }

    record Accepted(Recipient recipient) implements Verdict {
    }

    record Rejected(SmtpReply reply) implements Verdict {
    }
}
