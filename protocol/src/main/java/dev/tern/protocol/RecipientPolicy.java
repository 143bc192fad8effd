package dev.tern.protocol;

/** Decides, per RCPT TO, whether a recipient is accepted and where its copy goes. */
@FunctionalInterface
public interface RecipientPolicy {

    Verdict check(Recipient.Path path);

    sealed interface Verdict {
    }

    record Accepted(Recipient recipient) implements Verdict {
    }

    record Rejected(SmtpReply reply) implements Verdict {
    }
}
