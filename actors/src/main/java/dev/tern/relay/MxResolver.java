package dev.tern.relay;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

import dev.tern.dns.DnsAnswer;
import dev.tern.dns.DnsQueries;
import dev.tern.protocol.AddressLiteral;

/**
 * Finds the hosts that accept mail for a domain (RFC 5321 §5.1, RFC 7505 null MX), with
 * asynchronous dnsjava lookups and no caching, so a changed zone is seen on the next call.
 *
 * <ul>
 *   <li>MX records: lowest preference first, equal preferences shuffled; each host's AAAA
 *       and A records are looked up (IPv6 first). Hosts without addresses are skipped; if no
 *       host has one, that is {@link Resolution.TryLater} (4.4.3), as Postfix treats MX hosts
 *       that do not resolve as a soft error: the zone is broken and may be repaired.</li>
 *   <li>No MX records (NODATA): the domain itself is the implicit MX; without AAAA and A
 *       records that is {@link Resolution.Unroutable} (5.1.2).</li>
 *   <li>A single MX with target "." (null MX): Unroutable 5.1.10. Its preference is not
 *       checked (RFC 7505 says 0) — "." can never be a mail host either way.</li>
 *   <li>NXDOMAIN: Unroutable 5.1.2. SERVFAIL, REFUSED, timeouts, I/O errors: TryLater 4.4.3.</li>
 *   <li>Address literals ({@code [127.0.0.1]}, {@code [ipv6:::1]}): that address, no DNS.</li>
 * </ul>
 *
 * Timing: each DNS question gets at most {@code timeout} (all servers and retransmissions
 * included), so a dead server turns into TryLater after about {@code timeout}. A resolution
 * asks MX first and then the addresses in parallel, so it may take up to twice that; past
 * {@code 2 × timeout} (plus a little slack) it is TryLater regardless.
 */
public final class MxResolver {

    static final String NOT_FOUND = "5.1.2";
    static final String NULL_MX = "5.1.10";
    static final String TRY_AGAIN = "4.4.3";

    private static final Duration SLACK = Duration.ofMillis(500);

    private final DnsQueries dns;
    private final Duration deadline;
    private final RandomGenerator shuffle;

    /**
     * @param servers DNS servers to ask (UDP, TCP when truncated); empty means the system's
     * @param timeout the most one DNS question may take
     * @param shuffle orders MX hosts of equal preference; may be shared, calls are synchronized
     */
    public MxResolver(List<InetSocketAddress> servers, Duration timeout, RandomGenerator shuffle) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
        this.dns = new DnsQueries(List.copyOf(servers), timeout);
        this.deadline = timeout.multipliedBy(2).plus(SLACK);
        this.shuffle = Objects.requireNonNull(shuffle, "shuffle");
    }

    /**
     * Where to deliver mail for {@code domain}. Never completes exceptionally; failures are
     * {@link Resolution.Unroutable} or {@link Resolution.TryLater}.
     */
    public CompletionStage<Resolution> resolve(String domain) {
        CompletableFuture<Resolution> resolution;
        try {
            resolution = start(domain).toCompletableFuture();
        } catch (RuntimeException e) {
            resolution = CompletableFuture.failedFuture(e);
        }
        return resolution
                .exceptionally(e -> new Resolution.TryLater(TRY_AGAIN,
                        "DNS resolution of " + domain + " failed: " + e))
                .completeOnTimeout(new Resolution.TryLater(TRY_AGAIN,
                        "DNS resolution of " + domain + " did not finish within "
                                + deadline.toMillis() + " ms"),
                        deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    private CompletionStage<Resolution> start(String requested) {
        String domain = normalize(requested);
        if (AddressLiteral.isLiteral(domain)) {
            return CompletableFuture.completedFuture(literal(domain));
        }
        Name name;
        try {
            name = domain.isEmpty() ? null : Name.fromString(domain, Name.root);
        } catch (TextParseException e) {
            name = null;
        }
        if (name == null) {
            return CompletableFuture.completedFuture(new Resolution.Unroutable(NOT_FOUND,
                    "Invalid domain name \"" + requested + "\""));
        }
        Name query = name;
        return dns.query(query, Type.MX).thenCompose(answer -> afterMx(domain, query, answer));
    }

    private static String normalize(String domain) {
        String d = domain.trim().toLowerCase(Locale.ROOT);
        return d.endsWith(".") && !d.equals(".") ? d.substring(0, d.length() - 1) : d;
    }

    private static Resolution literal(String domain) {
        Optional<InetAddress> address = AddressLiteral.parse(domain);
        if (address.isEmpty()) {
            return new Resolution.Unroutable(NOT_FOUND, "Invalid address literal " + domain);
        }
        String inside = domain.substring(1, domain.length() - 1);
        String text = inside.startsWith("ipv6:") ? inside.substring("ipv6:".length()) : inside;
        return new Resolution.Hosts(domain, List.of(new MxHost(text, 0, List.of(address.get()))));
    }

    private CompletionStage<Resolution> afterMx(String domain, Name name, DnsAnswer answer) {
        if (answer instanceof DnsAnswer.Found found) {
            List<MXRecord> mx = recordsOf(MXRecord.class, found.records());
            if (!mx.isEmpty()) {
                return viaMx(domain, mx);
            }
            return implicitMx(domain, name); // only CNAMEs or foreign types: nothing to use
        }
        if (answer instanceof DnsAnswer.NoData) {
            return implicitMx(domain, name);
        }
        String diagnostic = DnsAnswer.diagnostic(name, Type.MX, answer);
        return CompletableFuture.completedFuture(answer instanceof DnsAnswer.NoSuchDomain
                ? new Resolution.Unroutable(NOT_FOUND, diagnostic)
                : new Resolution.TryLater(TRY_AGAIN, diagnostic));
    }

    private CompletionStage<Resolution> viaMx(String domain, List<MXRecord> mx) {
        List<MXRecord> targets = new ArrayList<>(mx.size());
        for (MXRecord r : mx) {
            if (!r.getTarget().equals(Name.root)) {
                targets.add(r);
            }
        }
        if (targets.isEmpty()) { // RFC 7505; several "." records mean the same
            return CompletableFuture.completedFuture(new Resolution.Unroutable(NULL_MX,
                    "Domain " + domain + " does not accept mail (null MX)"));
        }
        List<MXRecord> ordered = MxOrdering.order(targets, shuffle);
        List<CompletableFuture<HostAddresses>> lookups = new ArrayList<>(ordered.size());
        for (MXRecord r : ordered) {
            lookups.add(addresses(r.getTarget()).toCompletableFuture());
        }
        return CompletableFuture.allOf(lookups.toArray(CompletableFuture[]::new)).thenApply(done -> {
            List<MxHost> hosts = new ArrayList<>();
            for (int i = 0; i < ordered.size(); i++) {
                HostAddresses found = lookups.get(i).join();
                if (!found.addresses().isEmpty()) {
                    MXRecord r = ordered.get(i);
                    hosts.add(new MxHost(DnsAnswer.text(r.getTarget()), r.getPriority(), found.addresses()));
                }
            }
            if (hosts.isEmpty()) {
                // the most preferred host's reason names a host the admin can go and fix
                return new Resolution.TryLater(TRY_AGAIN, lookups.get(0).join().diagnostic());
            }
            return new Resolution.Hosts(domain, hosts);
        });
    }

    /** RFC 5321 §5.1: without MX records the domain itself is the host. */
    private CompletionStage<Resolution> implicitMx(String domain, Name name) {
        return addresses(name).thenApply(found -> {
            if (!found.addresses().isEmpty()) {
                return new Resolution.Hosts(domain, List.of(new MxHost(domain, 0, found.addresses())));
            }
            return found.transientFailure()
                    ? new Resolution.TryLater(TRY_AGAIN, found.diagnostic())
                    : new Resolution.Unroutable(NOT_FOUND, found.diagnostic());
        });
    }

    /** AAAA and A asked in parallel; IPv6 addresses first. */
    private CompletionStage<HostAddresses> addresses(Name host) {
        CompletableFuture<DnsAnswer> v6 = dns.query(host, Type.AAAA).toCompletableFuture();
        CompletableFuture<DnsAnswer> v4 = dns.query(host, Type.A).toCompletableFuture();
        return v6.thenCombine(v4, (aaaa, a) -> {
            List<InetAddress> addresses = new ArrayList<>();
            if (aaaa instanceof DnsAnswer.Found found) {
                recordsOf(AAAARecord.class, found.records()).forEach(r -> addresses.add(r.getAddress()));
            }
            if (a instanceof DnsAnswer.Found found) {
                recordsOf(ARecord.class, found.records()).forEach(r -> addresses.add(r.getAddress()));
            }
            if (!addresses.isEmpty()) {
                return new HostAddresses(List.copyOf(addresses), false, null);
            }
            // Report a transient failure if there is one (it may hide the addresses); else the A answer.
            if (a instanceof DnsAnswer.Failed || !(aaaa instanceof DnsAnswer.Failed)) {
                return new HostAddresses(List.of(), a instanceof DnsAnswer.Failed,
                        DnsAnswer.diagnostic(host, Type.A, nonEmpty(a)));
            }
            return new HostAddresses(List.of(), true, DnsAnswer.diagnostic(host, Type.AAAA, aaaa));
        });
    }

    /** A Found answer without usable records counts as no data. */
    private static DnsAnswer nonEmpty(DnsAnswer answer) {
        return answer instanceof DnsAnswer.Found ? new DnsAnswer.NoData() : answer;
    }

    private static <T extends Record> List<T> recordsOf(Class<T> type, List<Record> records) {
        List<T> matching = new ArrayList<>(records.size());
        for (Record r : records) {
            if (type.isInstance(r)) {
                matching.add(type.cast(r));
            }
        }
        return matching;
    }

    /** A host's addresses, or why there are none. */
    private record HostAddresses(List<InetAddress> addresses, boolean transientFailure, String diagnostic) {
    }
}
