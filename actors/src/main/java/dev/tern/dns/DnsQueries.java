package dev.tern.dns;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Name;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.ResolverConfig;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.lookup.LookupFailedException;
import org.xbill.DNS.lookup.LookupResult;
import org.xbill.DNS.lookup.LookupSession;
import org.xbill.DNS.lookup.NoSuchDomainException;
import org.xbill.DNS.lookup.NoSuchRRSetException;
import org.xbill.DNS.lookup.RedirectLoopException;
import org.xbill.DNS.lookup.RedirectOverflowException;
import org.xbill.DNS.lookup.ServerFailedException;

import dev.tern.supervision.Causes;

/**
 * Asks DNS questions asynchronously through dnsjava's {@link LookupSession} (which follows
 * CNAMEs) and turns every outcome, including exceptions, into a {@link DnsAnswer}. No cache,
 * no hosts file, no search path: every question goes to the servers, names are absolute.
 */
public final class DnsQueries {

    /** Tries per server: one retransmission covers a lost UDP datagram. */
    private static final int ATTEMPTS_PER_SERVER = 2;
    private static final Duration MIN_ATTEMPT_TIMEOUT = Duration.ofMillis(50);

    private final LookupSession session; // null when there is no server to ask
    private final Duration timeout;

    /**
     * @param servers DNS servers to ask; empty means the system's (ResolverConfig)
     * @param timeout the most one question may take, all servers and retries included
     */
    public DnsQueries(List<InetSocketAddress> servers, Duration timeout) {
        this.timeout = timeout;
        List<InetSocketAddress> targets =
                servers.isEmpty() ? ResolverConfig.getCurrentConfig().servers() : servers;
        this.session = targets.isEmpty() ? null
                : LookupSession.builder().resolver(resolver(targets, timeout)).build();
    }

    private static Resolver resolver(List<InetSocketAddress> servers, Duration timeout) {
        // Split the budget over every attempt so that dead servers cost about `timeout` in all.
        Duration perAttempt = timeout.dividedBy((long) servers.size() * ATTEMPTS_PER_SERVER);
        if (perAttempt.compareTo(MIN_ATTEMPT_TIMEOUT) < 0) {
            perAttempt = MIN_ATTEMPT_TIMEOUT;
        }
        List<Resolver> simple = new ArrayList<>(servers.size());
        for (InetSocketAddress server : servers) {
            SimpleResolver r = new SimpleResolver(server);
            r.setTimeout(perAttempt);
            simple.add(r);
        }
        ExtendedResolver extended = new ExtendedResolver(simple);
        extended.setRetries(ATTEMPTS_PER_SERVER);
        extended.setTimeout(timeout);
        return extended;
    }

    /** Never completes exceptionally. */
    public CompletionStage<DnsAnswer> query(Name name, int type) {
        if (session == null) {
            return CompletableFuture.completedFuture(new DnsAnswer.Failed("no DNS servers configured"));
        }
        CompletionStage<LookupResult> lookup;
        try {
            lookup = session.lookupAsync(name, type);
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(failed(e));
        }
        // dnsjava checks its timers only about once a second (NioClient's selector timeout), so
        // the deadline is kept here; the abandoned query ends by dnsjava's own timeout.
        return lookup.<DnsAnswer>handle((result, error) -> error == null ? answer(result) : failed(error))
                .toCompletableFuture()
                .completeOnTimeout(new DnsAnswer.Failed("timed out"), timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static DnsAnswer answer(LookupResult result) {
        // LookupSession reports NODATA as an empty result (and NoSuchRRSetException from a cache).
        return result.getRecords().isEmpty()
                ? new DnsAnswer.NoData()
                : new DnsAnswer.Found(result.getRecords());
    }

    private static DnsAnswer failed(Throwable error) {
        Throwable cause = Causes.unwrap(error);
        if (cause instanceof NoSuchDomainException) {
            return new DnsAnswer.NoSuchDomain();
        }
        if (cause instanceof NoSuchRRSetException) {
            return new DnsAnswer.NoData();
        }
        return new DnsAnswer.Failed(reason(cause));
    }

    private static String reason(Throwable cause) {
        if (cause instanceof ServerFailedException) {
            return "SERVFAIL";
        }
        if (cause instanceof RedirectLoopException) {
            return "CNAME loop";
        }
        if (cause instanceof RedirectOverflowException) {
            return "too many CNAMEs";
        }
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        if (cause instanceof SocketTimeoutException || cause instanceof TimeoutException
                || message.toLowerCase(Locale.ROOT).contains("timed out")) {
            return "timed out";
        }
        if (cause instanceof LookupFailedException) {
            // e.g. "Unknown non-success error code REFUSED"
            return message;
        }
        if (cause instanceof IOException) {
            return "I/O error: " + message;
        }
        return cause.getClass().getSimpleName() + ": " + message;
    }

}
