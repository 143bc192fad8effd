package dev.tern.transport.mtasts;

import java.net.IDN;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tern.protocol.mailauth.DnsLookup;
import dev.tern.protocol.mailauth.DnsResult;
import dev.tern.protocol.mtasts.StsRecord;
import dev.tern.protocol.mtasts.StsSyntaxException;
import dev.tern.streams.client.TlsFailure;

/**
 * Finds the MTA-STS policy that applies to a destination domain (RFC 8461 §3, §5.1):
 * <ol>
 *   <li>the {@code _mta-sts.DOMAIN} TXT record, through Tern's DNS;</li>
 *   <li>if its id is that of the cached policy, the cached policy (refetched in the background
 *       once half its max_age is gone);</li>
 *   <li>otherwise the policy is fetched ({@link PolicyFetcher}) and cached ({@link PolicyCache});</li>
 *   <li>when there is no record, the lookup fails, or the fetch fails, a cached policy that has
 *       not expired still applies: "if no 'live' policy can be discovered via DNS or fetched via
 *       HTTPS, but a valid (non-expired) policy exists in the sender's cache, the sender MUST
 *       apply that cached policy".</li>
 * </ol>
 * One fetch per domain at a time (concurrent deliveries share it), and a failed fetch is not
 * repeated for {@link #RETRY_FETCH} (§3.3 lets senders limit the rate of fetches), remembered
 * for at most {@value #REMEMBERED_FAILURES} domains. Never completes exceptionally.
 */
public final class StsPolicies {

    /** How long a failed fetch for an id stands before the next delivery tries again. */
    static final Duration RETRY_FETCH = Duration.ofMinutes(5);
    static final int REMEMBERED_FAILURES = 10_000;
    private static final Logger LOG = LoggerFactory.getLogger(StsPolicies.class);

    private final DnsLookup dns;
    private final PolicyFetcher fetcher;
    private final PolicyCache cache;
    private final Clock clock;
    private final Map<String, CompletableFuture<StsOutcome>> fetching = new ConcurrentHashMap<>();
    private final Map<String, FailedFetch> failures = new LinkedHashMap<>(64, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, FailedFetch> eldest) {
            return size() > REMEMBERED_FAILURES;
        }
    };

    public StsPolicies(DnsLookup dns, PolicyFetcher fetcher, PolicyCache cache, Clock clock) {
        this.dns = dns;
        this.fetcher = fetcher;
        this.cache = cache;
        this.clock = clock;
    }

    /** The policy for mail to {@code domain}. */
    public CompletionStage<StsOutcome> policyOf(String requested) {
        String domain = normalize(requested);
        if (!PolicyCache.isPolicyDomain(domain)) {
            return CompletableFuture.completedFuture(new StsOutcome.NoPolicy(
                    "not a domain name MTA-STS applies to: " + domain));
        }
        CompletableFuture<StsOutcome> outcome;
        try {
            outcome = dns.txt("_mta-sts." + domain).thenCompose(txt -> afterTxt(domain, txt)).toCompletableFuture();
        } catch (RuntimeException e) {
            outcome = CompletableFuture.failedFuture(e);
        }
        return outcome.exceptionally(e -> {
            LOG.warn("MTA-STS lookup for {} failed", domain, e);
            Optional<CachedPolicy> cached;
            try {
                cached = cache.get(domain, clock.instant());
            } catch (RuntimeException again) {
                cached = Optional.empty(); // the cache broke too: still an answer, never an exception
            }
            return cached.<StsOutcome>map(c -> new StsOutcome.Applies(c, "cached; lookup failed: " + e))
                    .orElse(new StsOutcome.NoPolicy("MTA-STS lookup failed: " + e));
        });
    }

    private CompletionStage<StsOutcome> afterTxt(String domain, DnsResult<String> txt) {
        Instant now = clock.instant();
        Optional<CachedPolicy> cached = cache.get(domain, now);
        String name = "_mta-sts." + domain;
        if (txt instanceof DnsResult.Failed<String> failed) {
            return done(orCached(cached, "TXT lookup of " + name + " failed: " + failed.reason()));
        }
        if (txt instanceof DnsResult.None<String>) {
            return done(orCached(cached, "no TXT record " + name));
        }
        Optional<StsRecord> record;
        try {
            record = StsRecord.discover(((DnsResult.Records<String>) txt).values());
        } catch (StsSyntaxException e) {
            return done(orCached(cached, "TXT record " + name + " unusable: " + e.getMessage()));
        }
        if (record.isEmpty()) {
            return done(orCached(cached, "no v=STSv1 TXT record at " + name));
        }
        String id = record.get().id();
        if (cached.isPresent() && cached.get().id().equals(id)) {
            if (cached.get().isAging(now)) {
                fetchOnce(domain, id, cached); // renews max_age; this delivery uses the cached copy
            }
            return done(new StsOutcome.Applies(cached.get(), "cached"));
        }
        return fetchOnce(domain, id, cached);
    }

    /** Fetches unless a fetch of {@code domain} is under way (then shares it) or failed lately. */
    private CompletionStage<StsOutcome> fetchOnce(String domain, String id, Optional<CachedPolicy> cached) {
        FailedFetch failure;
        synchronized (failures) {
            failure = failures.get(domain);
        }
        Instant now = clock.instant();
        if (failure != null && failure.id().equals(id) && now.isBefore(failure.at().plus(RETRY_FETCH))) {
            return done(afterFailure(cached, failure.outcome()));
        }
        CompletableFuture<StsOutcome> mine = new CompletableFuture<>();
        CompletableFuture<StsOutcome> running = fetching.putIfAbsent(domain, mine);
        if (running != null) {
            return running;
        }
        CompletionStage<FetchOutcome> fetch;
        try {
            fetch = fetcher.fetch(domain);
        } catch (RuntimeException e) {
            fetch = CompletableFuture.failedFuture(e);
        }
        fetch.whenComplete((fetched, error) -> {
            StsOutcome outcome = null;
            try {
                outcome = fetched instanceof FetchOutcome.Fetched ok ? fetched(domain, id, ok)
                        : failed(domain, id, cached, fetched instanceof FetchOutcome.Failed f ? f
                                : new FetchOutcome.Failed(TlsFailure.STS_POLICY_FETCH_ERROR, "fetch failed: " + error));
            } catch (RuntimeException e) {
                outcome = failedQuietly(domain, id, cached, e);
            } finally {
                // Always, whatever was thrown: a domain left in `fetching` would hand every later delivery of it
                // this future, never completed, and the relays would wait on it for good.
                fetching.remove(domain, mine);
                mine.complete(outcome != null ? outcome : orCached(cached, "MTA-STS policy fetch broke off"));
            }
        });
        return mine;
    }

    private StsOutcome fetched(String domain, String id, FetchOutcome.Fetched ok) {
        CachedPolicy policy = new CachedPolicy(domain, id, clock.instant(), ok.policy());
        cache.put(policy);
        synchronized (failures) {
            failures.remove(domain);
        }
        LOG.info("MTA-STS policy of {} (id {}) fetched: mode {}, mx {}, max_age {}", domain, id,
                ok.policy().mode().keyword(), ok.policy().patterns(), ok.policy().maxAge());
        return new StsOutcome.Applies(policy, "fetched");
    }

    private StsOutcome failed(String domain, String id, Optional<CachedPolicy> cached, FetchOutcome.Failed failed) {
        StsOutcome.Unavailable unavailable = unavailable(id, failed);
        synchronized (failures) {
            failures.put(domain, new FailedFetch(id, clock.instant(), unavailable));
        }
        LOG.warn("MTA-STS policy of {} (id {}) not fetched{}: {}", domain, id,
                cached.isPresent() ? ", the cached one (id " + cached.get().id() + ") stays" : "", failed.reason());
        return afterFailure(cached, unavailable);
    }

    /**
     * Something unexpected broke while a fetch was handled (a cache that could not take the policy, say): handled as
     * a failed fetch, the cached policy kept, else no policy; not reported as a fetch error nor remembered as a
     * failure, since the policy host may well have answered.
     */
    private static StsOutcome failedQuietly(String domain, String id, Optional<CachedPolicy> cached,
                                           Throwable e) {
        LOG.warn("MTA-STS policy of {} (id {}) not taken: {}", domain, id, e.toString(), e);
        return orCached(cached, "policy not taken: " + e);
    }

    private static StsOutcome.Unavailable unavailable(String id, FetchOutcome.Failed failed) {
        return new StsOutcome.Unavailable(id, failed.problem(), failed.reason());
    }

    private static StsOutcome afterFailure(Optional<CachedPolicy> cached, StsOutcome.Unavailable failure) {
        return cached.<StsOutcome>map(c -> new StsOutcome.Applies(c, "cached; refresh failed: " + failure.reason()))
                .orElse(failure);
    }

    private static StsOutcome orCached(Optional<CachedPolicy> cached, String why) {
        return cached.<StsOutcome>map(c -> new StsOutcome.Applies(c, "cached; " + why))
                .orElse(new StsOutcome.NoPolicy(why));
    }

    private static CompletionStage<StsOutcome> done(StsOutcome outcome) {
        return CompletableFuture.completedFuture(outcome);
    }

    /** Lower case, no trailing dot, and an internationalized name as its A-labels (the names DNS and TLS use). */
    private static String normalize(String domain) {
        String d = domain.trim().toLowerCase(Locale.ROOT);
        d = d.endsWith(".") ? d.substring(0, d.length() - 1) : d;
        try {
            return IDN.toASCII(d).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return d; // not a name IDNA accepts: isPolicyDomain refuses it
        }
    }

    /** The last fetch of a domain's policy failed, under that TXT id. */
    private record FailedFetch(String id, Instant at, StsOutcome.Unavailable outcome) {
    }
}
