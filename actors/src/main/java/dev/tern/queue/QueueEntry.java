package dev.tern.queue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

import dev.tern.protocol.DsnRequest;
import dev.tern.protocol.MailAddress;
import dev.tern.protocol.MessageEncoding;
import dev.tern.protocol.RecipientDsn;
import dev.tern.protocol.ReversePath;
import dev.tern.protocol.TlsRequirement;
import dev.tern.store.StagedMessage;

/**
 * One message waiting for one remote domain: the envelope, where its body starts in the {@code .msg} file, and each
 * recipient's state. Immutable: every transition returns a new entry, which the owning Relay then persists with
 * {@link QueueSpool#update}.
 *
 * @param id         {@code messageId + "-" + n}: letters, digits and dashes only (it names files)
 * @param bodyOffset octets at the start of the body file that are not relayed (the Return-Path: line)
 * @param bodySize   octets to relay, from {@code bodyOffset}
 * @param recipients in RCPT order, each address at most once
 * @param encoding   {@code BODY=} and {@code SMTPUTF8} as the message arrived; PLAIN for records written before
 * @param dsn        what MAIL asked of DSNs (RET, ENVID; RFC 3461); NONE for records written before
 * @param tls        whether MAIL carried REQUIRETLS (RFC 8689 §4.1); DEFAULT for records written before
 */
public record QueueEntry(String id, String domain, String messageId, ReversePath sender, Instant arrival,
                         long bodyOffset, long bodySize, List<RecipientState> recipients, MessageEncoding encoding,
                         DsnRequest dsn, TlsRequirement tls) {

    /** An entry whose MAIL did not ask for REQUIRETLS. */
    public QueueEntry(String id, String domain, String messageId, ReversePath sender, Instant arrival,
                      long bodyOffset, long bodySize, List<RecipientState> recipients, MessageEncoding encoding,
                      DsnRequest dsn) {
        this(id, domain, messageId, sender, arrival, bodyOffset, bodySize, recipients, encoding, dsn,
                TlsRequirement.DEFAULT);
    }

    /** An entry for a plain message whose MAIL had no DSN parameters. */
    public QueueEntry(String id, String domain, String messageId, ReversePath sender, Instant arrival,
                      long bodyOffset, long bodySize, List<RecipientState> recipients) {
        this(id, domain, messageId, sender, arrival, bodyOffset, bodySize, recipients, MessageEncoding.PLAIN,
                DsnRequest.NONE);
    }

    /** An entry whose MAIL had no DSN parameters. */
    public QueueEntry(String id, String domain, String messageId, ReversePath sender, Instant arrival,
                      long bodyOffset, long bodySize, List<RecipientState> recipients, MessageEncoding encoding) {
        this(id, domain, messageId, sender, arrival, bodyOffset, bodySize, recipients, encoding, DsnRequest.NONE);
    }

    /** An entry for a plain message. */
    public QueueEntry(String id, String domain, String messageId, ReversePath sender, Instant arrival,
                      long bodyOffset, long bodySize, List<RecipientState> recipients, DsnRequest dsn) {
        this(id, domain, messageId, sender, arrival, bodyOffset, bodySize, recipients, MessageEncoding.PLAIN, dsn);
    }

    static final Pattern ID = Pattern.compile("[A-Za-z0-9-]+");

    public QueueEntry {
        if (id == null || !ID.matcher(id).matches()) {
            throw new IllegalArgumentException("invalid queue id " + id);
        }
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(messageId, "messageId");
        Objects.requireNonNull(sender, "sender");
        Objects.requireNonNull(arrival, "arrival");
        Objects.requireNonNull(encoding, "encoding");
        Objects.requireNonNull(dsn, "dsn");
        Objects.requireNonNull(tls, "tls");
        if (bodyOffset < 0 || bodySize < 0) {
            throw new IllegalArgumentException("invalid body region " + bodyOffset + "+" + bodySize);
        }
        recipients = List.copyOf(recipients);
        if (recipients.isEmpty()) {
            throw new IllegalArgumentException("queue entry " + id + " without recipients");
        }
        Set<MailAddress> seen = new HashSet<>();
        for (RecipientState r : recipients) {
            if (!seen.add(r.address())) {
                throw new IllegalArgumentException("recipient " + r.address() + " twice in " + id);
            }
        }
    }

    /** A new entry whose recipients are all PENDING. */
    public static QueueEntry create(String id, String domain, String messageId, ReversePath sender, Instant arrival,
                                    long bodyOffset, long bodySize, List<MailAddress> recipients) {
        return new QueueEntry(id, domain, messageId, sender, arrival, bodyOffset, bodySize,
                recipients.stream().map(RecipientState::pending).toList());
    }

    /** A new entry whose recipients are all PENDING, with the DSN requests of MAIL and of each RCPT. */
    public static QueueEntry create(String id, String domain, String messageId, ReversePath sender, Instant arrival,
                                    long bodyOffset, long bodySize, List<MailAddress> recipients, DsnRequest dsn,
                                    Map<MailAddress, RecipientDsn> recipientDsn) {
        return new QueueEntry(id, domain, messageId, sender, arrival, bodyOffset, bodySize, recipients.stream()
                .map(r -> RecipientState.pending(r, recipientDsn.getOrDefault(r, RecipientDsn.NONE))).toList(), dsn);
    }

    /**
     * One new entry per remote domain of {@code remoteRecipients} (first-seen order, duplicates dropped): entry
     * {@code messageId-1} for the first domain, and so on, each relaying the message after its Return-Path: line. A
     * U-label domain queues under its A-label: one queue and one MX lookup (RFC 5890 §2.3.2.1).
     */
    public static List<QueueEntry> perDomain(String messageId, ReversePath sender, List<MailAddress> remoteRecipients,
                                             StagedMessage message, Instant arrival, MessageEncoding encoding,
                                             DsnRequest dsn, Map<MailAddress, RecipientDsn> recipientDsn) {
        return perDomain(messageId, sender, remoteRecipients, message, arrival, encoding, dsn, recipientDsn,
                TlsRequirement.DEFAULT);
    }

    /** As above, for a message whose MAIL asked {@code tls} (RFC 8689 §4.1: every copy is tagged alike). */
    public static List<QueueEntry> perDomain(String messageId, ReversePath sender, List<MailAddress> remoteRecipients,
                                             StagedMessage message, Instant arrival, MessageEncoding encoding,
                                             DsnRequest dsn, Map<MailAddress, RecipientDsn> recipientDsn,
                                             TlsRequirement tls) {
        Map<String, Set<MailAddress>> byDomain = new LinkedHashMap<>();
        for (MailAddress recipient : remoteRecipients) {
            byDomain.computeIfAbsent(QueueSpool.checkDomain(recipient.asciiDomain()), d -> new LinkedHashSet<>())
                    .add(recipient);
        }
        List<QueueEntry> entries = new ArrayList<>(byDomain.size());
        int n = 0;
        for (Map.Entry<String, Set<MailAddress>> group : byDomain.entrySet()) {
            entries.add(QueueEntry.create(messageId + "-" + ++n, group.getKey(), messageId, sender, arrival,
                    message.relayOffset(), message.size() - message.relayOffset(), List.copyOf(group.getValue()), dsn,
                    recipientDsn).withEncoding(encoding).withTls(tls));
        }
        return entries;
    }

    // ---- transitions (each counts an attempt; a final recipient cannot change: IllegalStateException)

    public QueueEntry delivered(MailAddress address, String remoteMta, Instant now) {
        return with(address, r -> r.delivered(remoteMta, now));
    }

    public QueueEntry deferred(MailAddress address, String status, String diagnostic, String remoteMta, Instant now,
                               Instant next) {
        return with(address, r -> r.deferred(status, diagnostic, remoteMta, now, next));
    }

    /** Delivered to a next hop without DSN (RFC 3461 §5.2.2). */
    public QueueEntry relayed(MailAddress address, String remoteMta, Instant now) {
        return with(address, r -> r.relayed(remoteMta, now));
    }

    /** The delay warning for these recipients was sent (not an attempt: nothing else changes). */
    public QueueEntry warned(List<MailAddress> addresses, Instant now) {
        return withRecipients(recipients.stream().map(r -> addresses.contains(r.address()) ? r.warned(now) : r)
                .toList());
    }

    public QueueEntry failed(MailAddress address, String status, String diagnostic, String remoteMta, Instant now) {
        return with(address, r -> r.failed(status, diagnostic, remoteMta, now));
    }

    /** Defers every recipient still pending: the whole domain failed (no MX answered, connection refused...). */
    public QueueEntry deferPending(String status, String diagnostic, String remoteMta, Instant now, Instant next) {
        return withPending(r -> r.deferred(status, diagnostic, remoteMta, now, next));
    }

    /** Fails every recipient still pending: the domain is unroutable, or the entry's lifetime is over. */
    public QueueEntry failPending(String status, String diagnostic, String remoteMta, Instant now) {
        return withPending(r -> r.failed(status, diagnostic, remoteMta, now));
    }

    private QueueEntry with(MailAddress address, UnaryOperator<RecipientState> change) {
        List<RecipientState> next = new ArrayList<>(recipients);
        for (int i = 0; i < next.size(); i++) {
            if (next.get(i).address().equals(address)) {
                next.set(i, change.apply(next.get(i)));
                return withRecipients(next);
            }
        }
        throw new IllegalArgumentException(address + " is not a recipient of " + id);
    }

    private QueueEntry withPending(UnaryOperator<RecipientState> change) {
        return withRecipients(recipients.stream().map(r -> r.isFinal() ? r : change.apply(r)).toList());
    }

    private QueueEntry withRecipients(List<RecipientState> next) {
        return new QueueEntry(id, domain, messageId, sender, arrival, bodyOffset, bodySize, next, encoding, dsn, tls);
    }

    /** The same entry for a message that arrived with {@code encoding}. */
    public QueueEntry withEncoding(MessageEncoding next) {
        return new QueueEntry(id, domain, messageId, sender, arrival, bodyOffset, bodySize, recipients, next, dsn,
                tls);
    }

    /** The same entry for a message whose MAIL asked {@code requirement} (RFC 8689). */
    public QueueEntry withTls(TlsRequirement requirement) {
        return new QueueEntry(id, domain, messageId, sender, arrival, bodyOffset, bodySize, recipients, encoding, dsn,
                requirement);
    }

    // ---- queries

    /** Every recipient delivered or failed: the entry can go (after any bounce for {@link #failures()}). */
    public boolean isComplete() {
        return recipients.stream().allMatch(RecipientState::isFinal);
    }

    /** Recipients still to deliver (PENDING or DEFERRED), in RCPT order. */
    public List<RecipientState> pending() {
        return recipients.stream().filter(r -> !r.isFinal()).toList();
    }

    /** The addresses of {@link #pending()}: what the next attempt sends to. */
    public List<MailAddress> pendingAddresses() {
        return pending().stream().map(RecipientState::address).toList();
    }

    /** Recipients that failed for good. */
    public List<RecipientState> failures() {
        return recipients.stream().filter(r -> r.status() == RecipientStatus.FAILED).toList();
    }

    /** The state of one recipient; IllegalArgumentException if it is not one of this entry's. */
    public RecipientState recipient(MailAddress address) {
        return recipients.stream().filter(r -> r.address().equals(address)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(address + " is not a recipient of " + id));
    }

    /**
     * Whether an attempt is due: some recipient was never tried, a deferred one's time has come, or a flush was
     * requested (at {@code flushRequestedAt}, nullable) after a pending recipient's last attempt.
     */
    public boolean isDue(Instant now, Instant flushRequestedAt) {
        for (RecipientState r : pending()) {
            if (r.lastAttempt() == null || r.nextAttempt() == null || !r.nextAttempt().isAfter(now)) {
                return true;
            }
            if (flushRequestedAt != null && r.lastAttempt().isBefore(flushRequestedAt)) {
                return true;
            }
        }
        return false;
    }

    /** The earliest time a DEFERRED recipient is due; empty when none is deferred. */
    public Optional<Instant> nextAttempt() {
        return recipients.stream()
                .filter(r -> r.status() == RecipientStatus.DEFERRED && r.nextAttempt() != null)
                .map(RecipientState::nextAttempt)
                .min(Comparator.naturalOrder());
    }

    /** The most attempts any recipient has had. */
    public int attempts() {
        return recipients.stream().mapToInt(RecipientState::attempts).max().orElse(0);
    }

    /** The latest attempt on any recipient. */
    public Optional<Instant> lastAttempt() {
        return recipients.stream().map(RecipientState::lastAttempt).filter(Objects::nonNull)
                .max(Comparator.naturalOrder());
    }

    /** The diagnostic of the most recently attempted recipient that has one. */
    public Optional<String> lastError() {
        return recipients.stream()
                .filter(r -> r.diagnostic() != null && r.lastAttempt() != null)
                .max(Comparator.comparing(RecipientState::lastAttempt))
                .map(RecipientState::diagnostic);
    }
}
