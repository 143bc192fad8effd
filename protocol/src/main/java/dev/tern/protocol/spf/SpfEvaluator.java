package dev.tern.protocol.spf;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

import dev.tern.protocol.mailauth.DnsLookup;
import dev.tern.protocol.mailauth.DnsResult;

/**
 * check_host() (RFC 7208 §4) over a {@link DnsLookup}: pure evaluation, the DNS questions
 * asked through the interface and combined asynchronously. The limits of §4.6.4 hold for one
 * evaluation, includes and redirects included: at most 10 terms that query DNS, at most 2
 * void lookups, at most 10 MX hosts per mx (else permerror) and the first 10 PTR names.
 */
public final class SpfEvaluator {

    static final int DNS_TERM_LIMIT = 10;
    static final int VOID_LIMIT = 2;
    static final int NAME_LIMIT = 10;

    private final DnsLookup dns;

    public SpfEvaluator(DnsLookup dns) {
        this.dns = Objects.requireNonNull(dns, "dns");
    }

    /**
     * check_host(ip, domain, sender). Never completes exceptionally.
     *
     * @param ip     the SMTP client's address
     * @param domain the domain whose record is asked: the MAIL FROM domain, or the HELO name
     * @param sender MAIL FROM, or {@code postmaster@<helo>} when it is empty (§2.4)
     * @param helo   the HELO/EHLO name, for %{h}
     */
    public CompletionStage<SpfVerdict> checkHost(InetAddress ip, String domain, String sender, String helo) {
        Evaluation evaluation = new Evaluation(new SpfMacros.Context(sender, ip, helo));
        CompletionStage<SpfVerdict> verdict;
        try {
            verdict = evaluation.checkHost(normalize(domain));
        } catch (RuntimeException e) {
            verdict = CompletableFuture.failedFuture(e);
        }
        return verdict.handle((v, error) -> {
            if (error == null) {
                return v;
            }
            Throwable cause = error instanceof CompletionException && error.getCause() != null
                    ? error.getCause() : error;
            if (cause instanceof Abort abort) {
                return abort.verdict;
            }
            return new SpfVerdict(SpfResult.TEMPERROR, "evaluation failed: " + cause);
        });
    }

    private static String normalize(String domain) {
        String d = domain.toLowerCase(Locale.ROOT);
        return d.endsWith(".") ? d.substring(0, d.length() - 1) : d;
    }

    /** §4.3: a domain that is not a multi-label FQDN has no SPF record to ask. */
    static boolean validDomain(String domain) {
        if (domain.isEmpty() || domain.length() > 253 || !domain.contains(".")) {
            return false;
        }
        for (String label : domain.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63) {
                return false;
            }
        }
        return true;
    }

    /** Ends an evaluation at once, from however deep in includes: a limit or a DNS error. */
    private static final class Abort extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient SpfVerdict verdict;

        Abort(SpfResult result, String reason) {
            super(reason, null, false, false);
            this.verdict = new SpfVerdict(result, reason);
        }
    }

    /** One check_host() and everything it recurses into, with the shared counters of §4.6.4. */
    private final class Evaluation {
        private final SpfMacros.Context context;
        private final boolean ipv6;
        private int dnsTerms;
        private int voidLookups;

        Evaluation(SpfMacros.Context context) {
            this.context = context;
            this.ipv6 = !(context.ip() instanceof Inet4Address);
        }

        CompletionStage<SpfVerdict> checkHost(String domain) {
            if (!validDomain(domain)) {
                return done(SpfResult.NONE, "not a domain name: " + domain);
            }
            return dns.txt(domain).thenCompose(answer -> {
                if (answer instanceof DnsResult.Failed<String> failed) {
                    return done(SpfResult.TEMPERROR, "TXT " + domain + ": " + failed.reason());
                }
                List<String> spf = new ArrayList<>();
                if (answer instanceof DnsResult.Records<String> records) {
                    records.values().stream().filter(SpfRecord::isSpf).forEach(spf::add);
                }
                if (spf.isEmpty()) {
                    return done(SpfResult.NONE, "no SPF record at " + domain);
                }
                if (spf.size() > 1) {
                    return done(SpfResult.PERMERROR, "more than one SPF record at " + domain); // §4.5
                }
                SpfRecord record;
                try {
                    record = SpfRecord.parse(spf.get(0));
                } catch (SpfSyntaxException e) {
                    return done(SpfResult.PERMERROR, "SPF record of " + domain + ": " + e.getMessage());
                }
                return evaluate(record, domain, 0);
            });
        }

        /** §4.6.2: directives left to right; the first match decides; then redirect=, else neutral. */
        private CompletionStage<SpfVerdict> evaluate(SpfRecord record, String domain, int index) {
            if (index == record.directives().size()) {
                if (record.redirect() == null) {
                    return done(SpfResult.NEUTRAL, "no mechanism matched at " + domain);
                }
                countDnsTerm();
                String target = expand(record.redirect(), domain);
                // §6.1: a redirect to a domain without a record is a permerror
                return checkHost(target).thenApply(v -> v.result() == SpfResult.NONE
                        ? new SpfVerdict(SpfResult.PERMERROR, "redirect to " + target + ": " + v.reason()) : v);
            }
            SpfMechanism directive = record.directives().get(index);
            return matches(directive, domain).thenCompose(matched -> matched
                    ? done(SpfResult.ofQualifier(directive.qualifier()), "matched " + directive.describe()
                            + " at " + domain)
                    : evaluate(record, domain, index + 1));
        }

        private CompletionStage<Boolean> matches(SpfMechanism m, String domain) {
            if (m.kind().queriesDns()) {
                countDnsTerm();
            }
            switch (m.kind()) {
                case ALL:
                    return CompletableFuture.completedFuture(true);
                case IP4:
                case IP6:
                    return CompletableFuture.completedFuture(inNetwork(context.ip(), m.network(), m.kind() == SpfMechanism.Kind.IP4
                            ? m.cidr4() : m.cidr6()) && ipv6 == (m.kind() == SpfMechanism.Kind.IP6));
                case A:
                    return dns.addresses(target(m, domain), ipv6).thenApply(answer -> anyInNetwork(m, answer, true));
                case MX:
                    return mx(m, target(m, domain));
                case PTR:
                    return ptr(target(m, domain));
                case EXISTS:
                    // §5.7: always an A query, whatever the client's address family
                    return dns.addresses(target(m, domain), false).thenApply(answer ->
                            answer instanceof DnsResult.Records || voidOrFailed(answer, "exists"));
                case INCLUDE:
                    return include(target(m, domain));
                default:
                    throw new IllegalStateException("mechanism " + m.kind());
            }
        }

        /** §5.2: pass matches; fail, softfail, neutral do not; none is a permerror. */
        private CompletionStage<Boolean> include(String target) {
            return checkHost(target).thenApply(v -> {
                switch (v.result()) {
                    case PASS:
                        return true;
                    case FAIL:
                    case SOFTFAIL:
                    case NEUTRAL:
                        return false;
                    case TEMPERROR:
                        throw new Abort(SpfResult.TEMPERROR, "include:" + target + ": " + v.reason());
                    default:
                        throw new Abort(SpfResult.PERMERROR, "include:" + target + ": " + v.reason());
                }
            });
        }

        /** §5.4: each MX host's addresses; more than 10 MX hosts is a permerror (§4.6.4). */
        private CompletionStage<Boolean> mx(SpfMechanism m, String target) {
            return dns.mx(target).thenCompose(answer -> {
                if (!(answer instanceof DnsResult.Records<String> hosts)) {
                    return CompletableFuture.completedFuture(voidOrFailed(answer, "mx:" + target));
                }
                if (hosts.values().size() > NAME_LIMIT) {
                    throw new Abort(SpfResult.PERMERROR, "mx:" + target + " has more than " + NAME_LIMIT + " hosts");
                }
                List<CompletableFuture<Boolean>> lookups = new ArrayList<>();
                for (String host : hosts.values()) {
                    lookups.add(dns.addresses(host, ipv6).thenApply(a -> anyInNetwork(m, a, false))
                            .toCompletableFuture());
                }
                return CompletableFuture.allOf(lookups.toArray(CompletableFuture[]::new))
                        .thenApply(all -> lookups.stream().anyMatch(CompletableFuture::join));
            });
        }

        /**
         * §5.5: the client's PTR names (the first 10), kept when their addresses include the
         * client's; a match when one is the target or under it. DNS errors: no match.
         */
        private CompletionStage<Boolean> ptr(String target) {
            return dns.ptr(context.ip()).thenCompose(answer -> {
                if (!(answer instanceof DnsResult.Records<String> names)) {
                    return CompletableFuture.completedFuture(false);
                }
                List<CompletableFuture<Boolean>> checks = new ArrayList<>();
                for (String name : names.values().subList(0, Math.min(NAME_LIMIT, names.values().size()))) {
                    String n = normalize(name);
                    if (!n.equals(target) && !n.endsWith("." + target)) {
                        continue;
                    }
                    checks.add(dns.addresses(n, ipv6).thenApply(a -> a instanceof DnsResult.Records<InetAddress> r
                            && r.values().contains(context.ip())).toCompletableFuture());
                }
                return CompletableFuture.allOf(checks.toArray(CompletableFuture[]::new))
                        .thenApply(all -> checks.stream().anyMatch(CompletableFuture::join));
            });
        }

        private boolean anyInNetwork(SpfMechanism m, DnsResult<InetAddress> answer, boolean countVoid) {
            if (!(answer instanceof DnsResult.Records<InetAddress> records)) {
                return countVoid ? voidOrFailed(answer, m.describe()) : failedOrFalse(answer, m.describe());
            }
            int prefix = ipv6 ? m.cidr6() : m.cidr4();
            return records.values().stream().anyMatch(address -> inNetwork(context.ip(), address, prefix));
        }

        /** §4.6.4: NXDOMAIN or no records count toward the void limit; other errors are temperror (§5). */
        private boolean voidOrFailed(DnsResult<?> answer, String term) {
            failedOrFalse(answer, term);
            if (++voidLookups > VOID_LIMIT) {
                throw new Abort(SpfResult.PERMERROR, "more than " + VOID_LIMIT + " void lookups (at " + term + ")");
            }
            return false;
        }

        private boolean failedOrFalse(DnsResult<?> answer, String term) {
            if (answer instanceof DnsResult.Failed<?> failed) {
                throw new Abort(SpfResult.TEMPERROR, term + ": " + failed.reason());
            }
            return false;
        }

        private void countDnsTerm() {
            if (++dnsTerms > DNS_TERM_LIMIT) {
                throw new Abort(SpfResult.PERMERROR, "more than " + DNS_TERM_LIMIT + " DNS-querying terms");
            }
        }

        private String target(SpfMechanism m, String domain) {
            return m.domainSpec() == null ? domain : expand(m.domainSpec(), domain);
        }

        private String expand(String spec, String domain) {
            try {
                return normalize(SpfMacros.expandDomain(spec, domain, context));
            } catch (SpfSyntaxException e) {
                throw new Abort(SpfResult.PERMERROR, e.getMessage());
            }
        }

        private CompletionStage<SpfVerdict> done(SpfResult result, String reason) {
            return CompletableFuture.completedFuture(new SpfVerdict(result, reason));
        }
    }

    /** Whether the first {@code prefix} bits of two addresses of the same family agree. */
    static boolean inNetwork(InetAddress ip, InetAddress network, int prefix) {
        byte[] a = ip.getAddress();
        byte[] b = network.getAddress();
        if (a.length != b.length) {
            return false;
        }
        int whole = prefix / 8;
        for (int i = 0; i < whole; i++) {
            if (a[i] != b[i]) {
                return false;
            }
        }
        int bits = prefix % 8;
        if (bits == 0) {
            return true;
        }
        int mask = (0xff << (8 - bits)) & 0xff;
        return (a[whole] & mask) == (b[whole] & mask);
    }
}
