package dev.tern.aliases;

import java.util.List;

import dev.tern.protocol.MailAddress;

/**
 * Where one local recipient's mail goes once its aliases are expanded: each mailbox and each
 * remote address once, in the order first reached.
 */
public record Expansion(List<String> mailboxes, List<MailAddress> remotes) {
    public Expansion {
        mailboxes = List.copyOf(mailboxes);
        remotes = List.copyOf(remotes);
    }

    public static Expansion mailbox(String user) {
        return new Expansion(List.of(user), List.of());
    }

    public boolean isEmpty() {
        return mailboxes.isEmpty() && remotes.isEmpty();
    }
}
