package dev.tern.aliases;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tern.protocol.LocalRecipientPolicy;
import dev.tern.protocol.MailAddress;
import dev.tern.protocol.RecipientDelimiter;

/**
 * What a local part means, in every local domain: an alias (which wins over a user of the same
 * name, as in Postfix), a user, either of those with a sub-address ({@code alice+tag}: a user or
 * alias of that very name first, else {@code alice}), or {@code postmaster}, which RFC 5321 §4.5.1
 * requires every domain to accept: the alias or user of that name, else the first administrator
 * who is a user. At RCPT it {@linkplain #resolve resolves} a local part to the name the envelope
 * carries; the router {@linkplain #expand expands} that name into mailboxes and remote addresses.
 */
public final class LocalRecipients implements LocalRecipientPolicy.LocalNames {

    /** One alias reaches at most this many mailboxes and addresses; the rest are left out with an error. */
    public static final int MAX_DESTINATIONS = 1000;

    private static final Logger LOG = LoggerFactory.getLogger(LocalRecipients.class);
    private static final String POSTMASTER = "postmaster";
    private static final int MAX_REPORTED = 1000;

    private final Supplier<AliasTable> aliases;
    private final Predicate<String> userExists;
    private final RecipientDelimiter delimiter;
    private final List<String> admins;
    /** Problems logged for the table {@link #reportedFor}; bounded, as the log they keep from flooding. */
    private final Set<String> reported = ConcurrentHashMap.newKeySet();
    private volatile AliasTable reportedFor;

    /**
     * @param aliases    the table now in use (re-read on change by {@link Aliases})
     * @param userExists whether a user-db name exists now
     * @param admins     {@code --admin} names in the order given: the first that is a user is postmaster's fallback
     */
    public LocalRecipients(Supplier<AliasTable> aliases, Predicate<String> userExists, RecipientDelimiter delimiter,
                           List<String> admins) {
        this.aliases = aliases;
        this.userExists = userExists;
        this.delimiter = delimiter;
        this.admins = List.copyOf(admins);
    }

    /** Users only, no aliases: what a router or policy without an aliases file sees. */
    public static LocalRecipients usersOnly(Predicate<String> userExists) {
        return new LocalRecipients(AliasTable::empty, userExists, RecipientDelimiter.NONE, List.of());
    }

    /** The name a local part stands for, if it leads to at least one mailbox or remote address now. */
    @Override
    public Optional<String> resolve(String localPart) {
        AliasTable table = aliases.get();
        Optional<String> name = name(table, localPart.toLowerCase(Locale.ROOT));
        return name.filter(found -> !table.contains(found) || !expand(table, found).isEmpty());
    }

    /** Where mail to {@code name} (as {@link #resolve} gave it) goes; a name that is no alias is a mailbox. */
    public Expansion expand(String name) {
        return expand(aliases.get(), name.toLowerCase(Locale.ROOT));
    }

    /** Whether {@code postmaster@} has somewhere to go (RFC 5321 §4.5.1: it must). */
    public boolean hasPostmaster() {
        return resolve(POSTMASTER).isPresent();
    }

    private Optional<String> name(AliasTable table, String localPart) {
        Optional<String> exact = exactName(table, localPart);
        return exact.isPresent() ? exact : delimiter.base(localPart).flatMap(base -> exactName(table, base));
    }

    private Optional<String> exactName(AliasTable table, String name) {
        if (table.contains(name) || userExists.test(name)) {
            return Optional.of(name);
        }
        return name.equals(POSTMASTER) ? admins.stream().filter(userExists).findFirst() : Optional.empty();
    }

    private Expansion expand(AliasTable table, String name) {
        if (!table.contains(name)) {
            return Expansion.mailbox(name);
        }
        Set<String> mailboxes = new LinkedHashSet<>();
        Set<MailAddress> remotes = new LinkedHashSet<>();
        walk(table, name, new ArrayList<>(), mailboxes, remotes);
        return new Expansion(List.copyOf(mailboxes), List.copyOf(remotes));
    }

    /**
     * The table has no loops nor over-deep chains of exact names; sub-addresses ({@code a: b+x},
     * {@code b: a}) and a table changed mid-walk can still make them, so the walk guards both.
     */
    private void walk(AliasTable table, String alias, List<String> path, Set<String> mailboxes,
                      Set<MailAddress> remotes) {
        if (path.contains(alias)) {
            report(table, true, "mail forwarding loop: alias " + alias + " reached again through " + path
                    + "; that branch is not delivered");
            return;
        }
        if (path.size() >= AliasTable.MAX_DEPTH) {
            report(table, true, "alias " + path.get(0) + " expands through a chain of more than "
                    + AliasTable.MAX_DEPTH + " aliases; " + alias + " is not expanded");
            return;
        }
        path.add(alias);
        for (AliasTarget target : table.targets(alias).orElse(List.of())) {
            if (mailboxes.size() + remotes.size() >= MAX_DESTINATIONS) {
                report(table, true, "alias " + path.get(0) + " reaches more than " + MAX_DESTINATIONS
                        + " destinations; the rest are left out");
                break;
            }
            if (target instanceof AliasTarget.Remote remote) {
                remotes.add(remote.address());
                continue;
            }
            String local = ((AliasTarget.Local) target).name();
            if (local.equals(alias)) {
                addMailbox(table, alias, mailboxes); // "alice: alice, ...": alice's own mailbox
                continue;
            }
            Optional<String> next = name(table, local);
            if (next.isEmpty()) {
                report(table, false, "alias " + alias + ": target " + local + " is no user nor alias; skipped");
            } else if (table.contains(next.get())) {
                walk(table, next.get(), path, mailboxes, remotes);
            } else {
                mailboxes.add(next.get());
            }
        }
        path.remove(path.size() - 1);
    }

    private void addMailbox(AliasTable table, String alias, Set<String> mailboxes) {
        if (userExists.test(alias)) {
            mailboxes.add(alias);
        } else {
            report(table, false, "alias " + alias + " names itself, but there is no user " + alias + "; skipped");
        }
    }

    /**
     * Logs a problem met while expanding once per version of the table, not once per RCPT: a
     * client sending to the alias again and again must not flood the log.
     */
    private void report(AliasTable table, boolean error, String message) {
        if (reportedFor != table) {
            reported.clear();
            reportedFor = table;
        }
        if (reported.size() < MAX_REPORTED && reported.add(message)) {
            if (error) {
                LOG.error(message);
            } else {
                LOG.warn(message);
            }
        }
    }
}
