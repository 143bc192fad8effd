package dev.tern.queue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.tern.protocol.DsnRequest;
import dev.tern.protocol.MailAddress;
import dev.tern.protocol.MessageEncoding;
import dev.tern.protocol.RecipientDsn;
import dev.tern.protocol.ReversePath;
import dev.tern.protocol.TlsRequirement;
import dev.tern.store.StagedMessage;

/**
 * Where outbound queue entries and their bodies are kept durably: files on one node ({@link QueueSpool},
 * {@code --queue-dir}), or a database a cluster shares ({@code dev.tern.queuedb}, {@code --queue-db}). The same
 * promises either way: {@link #enqueue} returns only once every entry and the body are durable (the 250 waits for
 * it), and a failed enqueue leaves nothing behind.
 *
 * <p>Threads: {@link #enqueue} may run on several threads at once; an entry is then changed ({@link #update},
 * {@link #remove(QueueEntry)}) by its domain's owner only; the read-only methods may run anywhere.
 */
public interface QueueStore {

    /**
     * Queues {@code message} for each remote domain among {@code remoteRecipients} (first-seen order, duplicates
     * dropped; see {@link QueueEntry#perDomain}). Returns only when every entry and the body are durable; on
     * failure nothing of them is left and it throws.
     */
    List<QueueEntry> enqueue(String messageId, ReversePath sender, List<MailAddress> remoteRecipients,
                             StagedMessage message, Instant arrival, MessageEncoding encoding, DsnRequest dsn,
                             Map<MailAddress, RecipientDsn> recipientDsn, TlsRequirement tls) throws IOException;

    /** As above, for a message whose MAIL did not ask for REQUIRETLS. */
    default List<QueueEntry> enqueue(String messageId, ReversePath sender, List<MailAddress> remoteRecipients,
                                     StagedMessage message, Instant arrival, MessageEncoding encoding, DsnRequest dsn,
                                     Map<MailAddress, RecipientDsn> recipientDsn) throws IOException {
        return enqueue(messageId, sender, remoteRecipients, message, arrival, encoding, dsn, recipientDsn,
                TlsRequirement.DEFAULT);
    }

    /** The domains with entries queued, sorted. */
    List<String> domains() throws IOException;

    /** The domain's entries, oldest first: what its relay loads. */
    List<QueueEntry> load(String domain) throws IOException;

    /** Every entry, oldest first (for {@code queue list} and the web page). */
    List<QueueEntry> all() throws IOException;

    /** The entry with this id, if it is queued and readable. */
    Optional<QueueEntry> find(String id) throws IOException;

    /**
     * Records the outcome of an attempt (or a delay warning): the entry's recipients as they are now.
     * {@link NoSuchFileException} if the entry was removed meanwhile (e.g. by an administrator).
     */
    void update(QueueEntry entry) throws IOException;

    /** Removes the entry and, once no other entry shares it, its body. */
    void remove(QueueEntry entry) throws IOException;

    /** Removes the entry with this id, wherever it is; false if there is none. */
    boolean remove(String id) throws IOException;

    /**
     * The octets to relay: {@link QueueEntry#bodySize()} of them from {@link QueueEntry#bodyOffset()}, streamed (never
     * whole in the heap). The caller closes it.
     */
    InputStream openBody(QueueEntry entry) throws IOException;

    /**
     * The octets to relay as a file region, for one attempt or one DSN; the caller closes it. A store that keeps
     * bodies elsewhere copies them into {@code scratch} (a node-local private directory that startup clears).
     */
    BodyFile bodyFile(QueueEntry entry, Path scratch) throws IOException;

    /** Clears what an interrupted run left half-written; how many files or rows it removed. */
    int sweep() throws IOException;
}
