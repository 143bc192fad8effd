package dev.tern.router;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import dev.tern.aliases.Expansion;
import dev.tern.aliases.LocalRecipients;
import dev.tern.protocol.Envelope;
import dev.tern.protocol.MailAddress;
import dev.tern.protocol.Recipient;
import dev.tern.protocol.RecipientDsn;

/**
 * An envelope's recipients as the copies to write, aliases expanded: each mailbox once,
 * however many addresses lead to it (as Postfix's duplicate filter), with the address that
 * led there first; each remote address once, whether given or reached through an alias.
 *
 * @param mailboxes user to the recipient address that first led to that mailbox
 * @param remote    addresses to relay
 * @param unrouted  local recipients that lead nowhere now (their alias changed since RCPT)
 * @param remoteDsn each remote address's NOTIFY and ORCPT: those of the recipient that first led there (an alias
 *                  passes its own on to its targets, RFC 3461 §6.2.7.2)
 */
record Routing(Map<String, MailAddress> mailboxes, List<MailAddress> remote, List<MailAddress> unrouted,
               Map<MailAddress, RecipientDsn> remoteDsn) {

    static Routing of(Envelope envelope, LocalRecipients locals) {
        Map<String, MailAddress> mailboxes = new LinkedHashMap<>();
        Set<MailAddress> remote = new LinkedHashSet<>();
        List<MailAddress> unrouted = new ArrayList<>();
        Map<MailAddress, RecipientDsn> remoteDsn = new HashMap<>();
        // each name expanded once: many RCPTs to one large alias must not multiply the work
        Map<String, Expansion> expanded = new HashMap<>();
        for (Recipient recipient : envelope.recipients()) {
            if (recipient.route() instanceof Recipient.LocalMailbox local) {
                boolean seen = expanded.containsKey(local.user());
                Expansion expansion = expanded.computeIfAbsent(local.user(), locals::expand);
                if (expansion.isEmpty()) {
                    unrouted.add(recipient.address());
                }
                if (seen) {
                    continue; // its copies are in already, under the address that first led there
                }
                expansion.mailboxes().forEach(user -> mailboxes.putIfAbsent(user, recipient.address()));
                expansion.remotes().forEach(address -> {
                    remote.add(address);
                    remoteDsn.putIfAbsent(address, recipient.dsn());
                });
            } else {
                remote.add(recipient.address());
                remoteDsn.putIfAbsent(recipient.address(), recipient.dsn());
            }
        }
        return new Routing(mailboxes, List.copyOf(remote), unrouted, remoteDsn);
    }

    /** The address to name in {@code Delivered-To:}, when it is not simply the mailbox's own name. */
    Optional<MailAddress> deliveredTo(String user) {
        MailAddress address = mailboxes.get(user);
        return address == null || address.mailboxName().equals(user)
                ? Optional.empty() : Optional.of(address);
    }
}
