package dev.tern.queue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tern.files.AtomicFiles;
import dev.tern.files.Durable;
import dev.tern.files.PrivateFiles;
import dev.tern.protocol.DsnRequest;
import dev.tern.protocol.MailAddress;
import dev.tern.protocol.MessageEncoding;
import dev.tern.protocol.RecipientDsn;
import dev.tern.protocol.ReversePath;
import dev.tern.protocol.TlsRequirement;
import dev.tern.store.SpoolLinks;
import dev.tern.store.StagedMessage;

/**
 * The durable outbound queue: {@code <dir>/<domain>/<id>.msg} (the staged file, hard-linked, else copied) and
 * {@code <dir>/<domain>/<id>.env} (the envelope record, {@link QueueRecords}). The {@code .env} is the commit point:
 * it is written (atomically, fsync'd) only after its body is durable, and removed before its body. So a crash leaves
 * at worst a {@code .msg} without {@code .env} — never acknowledged, cleared by {@link #sweep()} — and never an
 * acknowledged message without its body.
 *
 * <p>Threads: {@link #enqueue} may run on several threads at once; each entry is then changed ({@link #update},
 * {@link #remove(QueueEntry)}) by its domain's owner only. The read-only methods ({@link #domains()}, {@link #all()},
 * {@link #find}) are safe from another process while the service runs: files vanishing mid-scan are skipped. Domain
 * directories are never deleted while running (a concurrent enqueue could be linking into one), only by
 * {@link #sweep()} at startup.
 */
public final class QueueSpool implements QueueStore {

    /** Where unreadable records go, with their bodies: {@code <dir>/.corrupt/<domain>/}. A domain never starts with '.'. */
    public static final String CORRUPT_DIR = ".corrupt";
    static final String ENVELOPE = ".env";
    static final String BODY = ".msg";

    private static final Logger LOG = LoggerFactory.getLogger(QueueSpool.class);

    private final Path dir;
    /** Domain directories whose creation is known to be durable (fsync'd parent), so enqueue skips that fsync. */
    private final Set<String> durableDomains = ConcurrentHashMap.newKeySet();
    private volatile boolean rootDurable;
    /**
     * Enqueues share it; {@link #sweep()} takes it alone, so that it never mistakes a body linked a moment ago for
     * a crash's leftover, nor deletes a domain directory being linked into, even if mail arrives while it runs.
     */
    private final ReadWriteLock sweepLock = new ReentrantReadWriteLock();

    public QueueSpool(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    /**
     * Queues {@code message} for each remote domain among {@code remoteRecipients} (first-seen order, duplicates
     * dropped): entry {@code messageId-1} for the first domain, and so on. Returns only when every entry is durable;
     * on failure removes what it created and throws.
     */
    public List<QueueEntry> enqueue(String messageId, ReversePath sender, List<MailAddress> remoteRecipients,
                                    StagedMessage message, Instant arrival) throws IOException {
        return enqueue(messageId, sender, remoteRecipients, message, arrival, MessageEncoding.PLAIN, DsnRequest.NONE,
                Map.of());
    }

    /**
     * As {@link #enqueue(String, ReversePath, List, StagedMessage, Instant)}, with the message's {@code BODY=} and
     * {@code SMTPUTF8}, and the DSN requests (RFC 3461), kept in each entry.
     */
    @Override
    public List<QueueEntry> enqueue(String messageId, ReversePath sender, List<MailAddress> remoteRecipients,
                                    StagedMessage message, Instant arrival, MessageEncoding encoding, DsnRequest dsn,
                                    Map<MailAddress, RecipientDsn> recipientDsn, TlsRequirement tls)
            throws IOException {
        List<QueueEntry> entries = QueueEntry.perDomain(messageId, sender, remoteRecipients, message, arrival, encoding,
                dsn, recipientDsn, tls);
        List<Path> created = new ArrayList<>();
        sweepLock.readLock().lock();
        try {
            for (QueueEntry entry : entries) {
                Path domainDir = ensureDomainDir(entry.domain());
                Path body = body(entry);
                Path envelope = envelope(entry);
                if (Files.exists(body, LinkOption.NOFOLLOW_LINKS) || Files.exists(envelope)) {
                    throw new FileAlreadyExistsException(body.toString(), null, "queue id " + entry.id() + " in use");
                }
                created.add(body); // before placing: a copy that fails half-way must go too
                SpoolLinks.place(message.file(), body);
                created.add(envelope);
                AtomicFiles.write(envelope, QueueRecords.write(entry), PrivateFiles.FILE);
                Durable.syncDirectory(domainDir);
            }
            return entries;
        } catch (IOException | RuntimeException e) {
            undo(created, e);
            throw e instanceof IOException ? (IOException) e : new IOException("enqueue of " + messageId + " failed", e);
        } finally {
            sweepLock.readLock().unlock();
        }
    }

    private void undo(List<Path> created, Exception failure) {
        Set<Path> directories = new LinkedHashSet<>();
        for (int i = created.size() - 1; i >= 0; i--) { // envelope before body, as in remove
            try {
                if (Files.deleteIfExists(created.get(i))) {
                    directories.add(created.get(i).getParent());
                }
            } catch (IOException | RuntimeException e) {
                failure.addSuppressed(e);
            }
        }
        for (Path directory : directories) {
            try {
                Durable.syncDirectory(directory);
            } catch (IOException | RuntimeException e) {
                failure.addSuppressed(e);
            }
        }
    }

    /** Creates the domain's directory if needed and makes sure its name is durable before anything goes in it. */
    private Path ensureDomainDir(String domain) throws IOException {
        Path domainDir = domainDir(domain);
        if (!Files.isDirectory(domainDir)) {
            if (!rootDurable) {
                PrivateFiles.createDirectories(dir);
                Path parent = dir.toAbsolutePath().getParent();
                if (parent != null) {
                    Durable.syncDirectory(parent);
                }
                rootDurable = true;
            }
            PrivateFiles.createDirectories(domainDir);
            durableDomains.remove(domain);
        }
        if (!durableDomains.contains(domain)) {
            // also when another thread created it: it may not have fsync'd the queue directory yet
            Durable.syncDirectory(dir);
            durableDomains.add(domain);
        }
        return domainDir;
    }

    /** Rewrites the entry's record atomically. NoSuchFileException if the entry was removed (e.g. by an admin). */
    @Override
    public void update(QueueEntry entry) throws IOException {
        Path envelope = envelope(entry);
        if (!Files.exists(envelope)) {
            throw new NoSuchFileException(envelope.toString(), null, "queue entry " + entry.id() + " was removed");
        }
        AtomicFiles.write(envelope, QueueRecords.write(entry), PrivateFiles.FILE);
        Durable.syncDirectory(envelope.getParent());
    }

    /** Removes the entry: its record first (durably: from then on it is gone), then its body. */
    @Override
    public void remove(QueueEntry entry) throws IOException {
        removeFiles(checkDomain(entry.domain()), entry.id());
    }

    /** Removes the entry with this id, wherever it is; false if there is none. For {@code tern queue remove}. */
    @Override
    public boolean remove(String id) throws IOException {
        if (!QueueEntry.ID.matcher(id).matches()) {
            return false;
        }
        for (String domain : domains()) {
            if (Files.exists(domainDir(domain).resolve(id + ENVELOPE)) && removeFiles(domain, id)) {
                return true;
            }
        }
        return false;
    }

    private boolean removeFiles(String domain, String id) throws IOException {
        Path domainDir = domainDir(domain);
        boolean removed = Files.deleteIfExists(domainDir.resolve(id + ENVELOPE));
        Durable.syncDirectory(domainDir);
        Files.deleteIfExists(domainDir.resolve(id + BODY)); // need not be durable: sweep() clears an orphan body
        return removed;
    }

    /** The body file's region to relay, read from the file as it is consumed. */
    @Override
    public InputStream openBody(QueueEntry entry) throws IOException {
        InputStream file = Files.newInputStream(body(entry));
        try {
            file.skipNBytes(entry.bodyOffset());
            return new BodyRegion(file, entry.bodySize());
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /** The body file itself, whatever {@code scratch}: the spool keeps its bodies as files. */
    @Override
    public BodyFile bodyFile(QueueEntry entry, Path scratch) {
        return BodyFile.of(body(entry), entry.bodyOffset(), entry.bodySize());
    }

    /** The body file: relay {@code bodySize} octets from {@code bodyOffset}. */
    public Path body(QueueEntry entry) {
        return domainDir(checkDomain(entry.domain())).resolve(entry.id() + BODY);
    }

    private Path envelope(QueueEntry entry) {
        return domainDir(checkDomain(entry.domain())).resolve(entry.id() + ENVELOPE);
    }

    /** The domains with a directory in the queue, sorted. */
    @Override
    public List<String> domains() throws IOException {
        List<String> domains = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return domains; // nothing queued yet: the first enqueue creates it
        }
        try (DirectoryStream<Path> children = Files.newDirectoryStream(dir)) {
            for (Path child : children) {
                String name = child.getFileName().toString();
                if (!name.startsWith(".") && Files.isDirectory(child)) {
                    domains.add(name);
                }
            }
        } catch (NoSuchFileException | NotDirectoryException e) {
            return List.of();
        }
        domains.sort(Comparator.naturalOrder());
        return domains;
    }

    /**
     * The domain's entries, oldest first. For the domain's owner: a record that cannot be parsed, or whose body is
     * missing, is moved to {@link #CORRUPT_DIR} (with its body) and logged; one that cannot be read for another
     * reason is logged and left in place.
     */
    @Override
    public List<QueueEntry> load(String domain) throws IOException {
        return scan(checkDomain(domain), true).entries;
    }

    /** Every entry, oldest first. Read-only: unreadable records are logged and skipped, not moved. */
    @Override
    public List<QueueEntry> all() throws IOException {
        List<QueueEntry> all = new ArrayList<>();
        for (String domain : domains()) {
            all.addAll(scan(domain, false).entries);
        }
        all.sort(ARRIVAL_ORDER);
        return all;
    }

    /** The entry with this id, if it is queued and readable. Read-only. */
    @Override
    public Optional<QueueEntry> find(String id) throws IOException {
        if (!QueueEntry.ID.matcher(id).matches()) {
            return Optional.empty();
        }
        for (String domain : domains()) {
            Path envelope = domainDir(domain).resolve(id + ENVELOPE);
            if (Files.exists(envelope)) {
                Optional<QueueEntry> entry = read(envelope, domain, false).entry;
                if (entry.isPresent()) {
                    return entry;
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Startup clean-up: deletes bodies without a record (a crash between linking and
     * writing the record: never acknowledged) and leftover temporary files, quarantines unreadable records, and
     * removes empty domain directories. Returns how many files and directories it deleted or moved. Safe against
     * {@link #enqueue} on this instance; not against another process writing to the same queue, nor against
     * {@link #update} (it deletes the temporary file of a rewrite in progress), so: at startup, before the relays.
     */
    @Override
    public int sweep() throws IOException {
        sweepLock.writeLock().lock();
        try {
            return sweepAlone();
        } finally {
            sweepLock.writeLock().unlock();
        }
    }

    private int sweepAlone() throws IOException {
        int cleaned = 0;
        boolean removedDirectory = false;
        for (String domain : domains()) {
            Path domainDir = domainDir(domain);
            boolean deleted = false;
            for (Path file : list(domainDir)) {
                String name = file.getFileName().toString();
                boolean temporary = name.startsWith(".") && name.endsWith(".tmp");
                boolean orphanBody = name.endsWith(BODY)
                        && !Files.exists(domainDir.resolve(name.substring(0, name.length() - BODY.length()) + ENVELOPE));
                if ((temporary || orphanBody) && Files.deleteIfExists(file)) {
                    LOG.info("Queue sweep: deleted {}", file);
                    deleted = true;
                    cleaned++;
                }
            }
            if (deleted) {
                Durable.syncDirectory(domainDir);
            }
            cleaned += scan(domain, true).quarantined;
            try {
                Files.delete(domainDir); // only succeeds when empty
                durableDomains.remove(domain);
                removedDirectory = true;
                cleaned++;
            } catch (DirectoryNotEmptyException | NoSuchFileException e) {
                // in use
            }
        }
        if (removedDirectory) {
            Durable.syncDirectory(dir);
        }
        return cleaned;
    }

    // ---- reading

    private static final Comparator<QueueEntry> ARRIVAL_ORDER =
            Comparator.comparing(QueueEntry::arrival).thenComparing(QueueEntry::id);

    private record Scan(List<QueueEntry> entries, int quarantined) {
    }

    private record Read(Optional<QueueEntry> entry, boolean quarantined) {
        static final Read NOTHING = new Read(Optional.empty(), false);
    }

    private Scan scan(String domain, boolean quarantine) throws IOException {
        List<QueueEntry> entries = new ArrayList<>();
        int quarantined = 0;
        for (Path file : list(domainDir(domain))) {
            String name = file.getFileName().toString();
            if (name.endsWith(ENVELOPE) && !name.startsWith(".")) {
                Read read = read(file, domain, quarantine);
                read.entry.ifPresent(entries::add);
                quarantined += read.quarantined ? 1 : 0;
            }
        }
        entries.sort(ARRIVAL_ORDER);
        return new Scan(entries, quarantined);
    }

    private Read read(Path envelope, String domain, boolean quarantine) {
        String name = envelope.getFileName().toString();
        String id = name.substring(0, name.length() - ENVELOPE.length());
        QueueEntry entry;
        try {
            entry = QueueRecords.parse(readUtf8(envelope));
            if (!entry.id().equals(id) || !entry.domain().equals(domain)) {
                throw new QueueRecordException("holds entry " + entry.id() + " for " + entry.domain());
            }
            Path body = domainDir(domain).resolve(id + BODY);
            if (!Files.exists(body)) {
                if (!Files.exists(envelope)) {
                    return Read.NOTHING; // removed while we looked
                }
                throw new QueueRecordException("body " + body.getFileName() + " is missing");
            }
            long size = Files.size(body);
            if (size < entry.bodyOffset() + entry.bodySize()) {
                throw new QueueRecordException("body has " + size + " octets, record says "
                        + (entry.bodyOffset() + entry.bodySize()));
            }
            return new Read(Optional.of(entry), false);
        } catch (NoSuchFileException gone) {
            return Read.NOTHING; // removed while we looked
        } catch (QueueRecordException | CharacterCodingException corrupt) {
            String reason = corrupt instanceof QueueRecordException ? corrupt.getMessage() : "not UTF-8";
            if (!quarantine) {
                LOG.warn("Queue record {} is unreadable: {}", envelope, reason);
                return Read.NOTHING;
            }
            return new Read(Optional.empty(), quarantine(envelope, domain, id, reason));
        } catch (IOException e) {
            LOG.error("Cannot read queue record {}; leaving it in place", envelope, e);
            return Read.NOTHING;
        }
    }

    private static String readUtf8(Path file) throws IOException {
        // strict: a damaged byte must make the record corrupt, not turn into U+FFFD
        return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(Files.readAllBytes(file)))
                .toString();
    }

    /** Moves the record and its body aside, body first (a record without body is quarantined again, not lost). */
    private boolean quarantine(Path envelope, String domain, String id, String reason) {
        try {
            Path target = dir.resolve(CORRUPT_DIR).resolve(domain);
            PrivateFiles.createDirectories(target);
            String stem = id;
            for (int n = 1; Files.exists(target.resolve(stem + ENVELOPE)) || Files.exists(target.resolve(stem + BODY)); n++) {
                stem = id + "." + n;
            }
            Path body = envelope.resolveSibling(id + BODY);
            boolean withBody = Files.exists(body);
            if (withBody) {
                Files.move(body, target.resolve(stem + BODY));
            }
            Files.move(envelope, target.resolve(stem + ENVELOPE));
            Durable.syncDirectory(target);
            Durable.syncDirectory(envelope.getParent());
            LOG.error("Queue record {} is corrupt ({}); moved to {}{}", envelope, reason, target.resolve(stem + ENVELOPE),
                    withBody ? " with its body" : "");
            return true;
        } catch (IOException | RuntimeException e) {
            LOG.error("Queue record {} is corrupt ({}) and could not be moved aside", envelope, reason, e);
            return false;
        }
    }

    private static List<Path> list(Path directory) throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> children = Files.newDirectoryStream(directory)) {
            children.forEach(files::add);
        } catch (NoSuchFileException | NotDirectoryException e) {
            return List.of();
        }
        return files;
    }

    // ---- names

    private Path domainDir(String domain) {
        return dir.resolve(domain);
    }

    /** A domain names a directory: it must not climb out of the queue nor hide among dot files. */
    static String checkDomain(String domain) {
        if (domain.isEmpty() || domain.startsWith(".") || domain.contains("/") || domain.contains("\\")
                || !domain.equals(domain.toLowerCase(Locale.ROOT))
                || domain.chars().anyMatch(c -> c <= ' ' || c == 0x7f)) {
            throw new IllegalArgumentException("not a queue domain: " + domain);
        }
        return domain;
    }
}
