package dev.tern.transport.mtasts;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tern.files.AtomicFiles;
import dev.tern.files.PrivateFiles;
import dev.tern.protocol.mtasts.StsPolicy;
import dev.tern.protocol.mtasts.StsSyntaxException;

/**
 * Fetched policies, kept for their {@code max_age} (RFC 8461 §5.1) across restarts: one file per
 * domain, {@code DIR/DOMAIN.txt} (0600, written atomically), holding the TXT id, the time of the
 * fetch and the policy file as served:
 * <pre>
 * id: 20160831085700Z
 * fetched-at: 2026-11-30T14:00:00Z
 *
 * version: STSv1
 * mode: enforce
 * ...
 * </pre>
 * In front of the files a map of the most recently used {@value #MEMORY_ENTRIES} policies, so a
 * delivery reads no file. Expired policies are deleted when found, and all of them when the cache
 * opens. Thread-safe; the file I/O is small and happens once per domain per process and fetch.
 * Not final only so that a test can make {@link #put} throw, as {@link StsPolicies} must survive.
 */
public class PolicyCache {

    static final int MEMORY_ENTRIES = 10_000;
    private static final String SUFFIX = ".txt";
    /** Host names only (A-labels): a domain from a mail address can never name another file. */
    private static final Pattern DOMAIN = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
            + "(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+");
    private static final int MAX_DOMAIN = 253;
    private static final Logger LOG = LoggerFactory.getLogger(PolicyCache.class);

    private final Path directory;
    private final Map<String, CachedPolicy> memory = new LinkedHashMap<>(64, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, CachedPolicy> eldest) {
            return size() > MEMORY_ENTRIES;
        }
    };

    /**
     * Opens (and creates, 0700) the cache directory and deletes policies expired by {@code now}.
     * A directory that cannot be made or read is logged: policies are then kept in memory only,
     * which costs a fetch per domain after a restart and nothing else.
     */
    public PolicyCache(Path directory, Instant now) {
        this.directory = directory;
        try {
            PrivateFiles.createDirectories(directory);
            pruneExpired(now);
        } catch (IOException e) {
            LOG.warn("MTA-STS policies are cached in memory only: cannot use {}: {}", directory, e.toString());
        }
    }

    /** Whether {@code domain} may have a policy (and a cache file): a host name of two labels or more. */
    public static boolean isPolicyDomain(String domain) {
        return domain.length() <= MAX_DOMAIN && DOMAIN.matcher(domain).matches();
    }

    /** {@code domain}'s policy if one is cached and has not expired at {@code now}. */
    public Optional<CachedPolicy> get(String domain, Instant now) {
        if (!isPolicyDomain(domain)) {
            return Optional.empty();
        }
        CachedPolicy cached;
        synchronized (memory) {
            cached = memory.get(domain);
        }
        if (cached == null) {
            cached = read(domain).orElse(null);
            if (cached != null) {
                synchronized (memory) {
                    memory.putIfAbsent(domain, cached);
                }
            }
        }
        if (cached != null && !cached.isFresh(now)) {
            forget(domain, cached);
            return Optional.empty();
        }
        return Optional.ofNullable(cached);
    }

    /** Keeps {@code policy}, in memory and on disk; a failed write is logged, the memory copy stays. */
    public void put(CachedPolicy policy) {
        if (!isPolicyDomain(policy.domain())) {
            return;
        }
        synchronized (memory) {
            memory.put(policy.domain(), policy);
        }
        String text = "id: " + policy.id() + "\nfetched-at: " + policy.fetchedAt() + "\n\n"
                + String.join("\n", policy.policy().lines()) + "\n";
        try {
            AtomicFiles.write(file(policy.domain()), text, PrivateFiles.FILE);
        } catch (IOException e) {
            LOG.warn("Cannot write the MTA-STS policy of {} to {}: {}", policy.domain(), directory, e.toString());
        }
    }

    private void forget(String domain, CachedPolicy expired) {
        synchronized (memory) {
            memory.remove(domain, expired);
        }
        try {
            Files.deleteIfExists(file(domain));
        } catch (IOException e) {
            LOG.warn("Cannot delete the expired MTA-STS policy {}: {}", file(domain), e.toString());
        }
    }

    private Path file(String domain) {
        return directory.resolve(domain + SUFFIX);
    }

    private Optional<CachedPolicy> read(String domain) {
        Path file = file(domain);
        String text;
        try {
            if (Files.size(file) > 2L * PolicyFetcher.MAX_POLICY_BYTES) {
                throw new IOException("larger than a policy can be");
            }
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            LOG.warn("Cannot read the cached MTA-STS policy {}: {}", file, e.toString());
            return Optional.empty();
        }
        try {
            return Optional.of(parse(domain, text));
        } catch (StsSyntaxException | DateTimeParseException e) {
            LOG.warn("Ignoring the cached MTA-STS policy {}: {}", file, e.getMessage());
            return Optional.empty();
        }
    }

    static CachedPolicy parse(String domain, String text) throws StsSyntaxException {
        int blank = text.indexOf("\n\n");
        if (!text.startsWith("id: ") || blank < 0) {
            throw new StsSyntaxException("not a policy cache file");
        }
        String[] header = text.substring(0, blank).split("\n");
        if (header.length != 2 || !header[1].startsWith("fetched-at: ")) {
            throw new StsSyntaxException("not a policy cache file");
        }
        String id = header[0].substring("id: ".length());
        Instant fetchedAt = Instant.parse(header[1].substring("fetched-at: ".length()));
        return new CachedPolicy(domain, id, fetchedAt, StsPolicy.parse(text.substring(blank + 2)));
    }

    private void pruneExpired(Instant now) throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*" + SUFFIX)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                String domain = name.substring(0, name.length() - SUFFIX.length());
                if (isPolicyDomain(domain)) {
                    get(domain, now); // deletes it if expired
                }
            }
        }
        synchronized (memory) {
            memory.clear(); // loaded again on demand
        }
    }
}
