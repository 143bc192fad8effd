package dev.tern.protocol;

/** The MAIL FROM path: a sender mailbox, or the null sender {@code <>} of bounces (RFC 5321 §4.5.5). */
public sealed interface ReversePath {

    /** The path as written in an envelope: {@code <a@b>} or {@code <>}. */
    String bracketed();

    record NullSender() implements ReversePath {
        @Override
        public String bracketed() {
            return "<>";
        }
    }

    record Sender(MailAddress address) implements ReversePath {
        @Override
        public String bracketed() {
            return "<" + address + ">";
        }
    }

    ReversePath NULL = new NullSender();
}
