package dev.tern.transport.mtasts;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

import javax.net.ssl.SSLContext;

import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tern.protocol.mailauth.DnsLookup;
import dev.tern.protocol.mtasts.StsMode;
import dev.tern.protocol.mtasts.StsPolicy;
import dev.tern.streams.client.CertificateCheck;
import dev.tern.streams.client.ConnectionSecurity;
import dev.tern.streams.client.PkixCheck;
import dev.tern.streams.client.TlsFailure;
import dev.tern.streams.client.TlsPolicy;
import dev.tern.streams.client.TlsVerdict;
import dev.tern.transport.DestinationSecurity;
import dev.tern.transport.HostSecurity;
import dev.tern.transport.OutboundPolicies;
import dev.tern.transport.PolicyRef;
import dev.tern.transport.TlsResults;

/**
 * Applies destinations' MTA-STS policies (RFC 8461 §4, §5) over another policy, normally
 * {@code LocalPolicy} ({@code --outbound-tls}); DANE goes over this one (§2: a host with
 * secure TLSA records is DANE's).
 * <ul>
 *   <li>{@code enforce}: an MX host that matches no {@code mx:} pattern is excluded ("MTA-STS
 *       policy of DOMAIN (id X): MX host h does not match mx patterns [...]"); a matching host
 *       needs STARTTLS and a certificate that the web PKI validates for its name (system CAs and
 *       {@code --tls-trust}), else the session ends before EHLO and the mail is deferred.</li>
 *   <li>{@code testing}: the fallback decides, but every session is judged as {@code enforce}
 *       would judge it (an unlisted host fails with {@code sts-policy-invalid}) and reported to
 *       TLS-RPT; mail is not held back.</li>
 *   <li>{@code none}, no policy, or a policy announced but not fetched and not cached: the
 *       fallback decides. An unfetched policy is reported to {@link TlsResults} with its result
 *       type, mxHost being the policy host {@code mta-sts.DOMAIN}, receivingIp null.</li>
 * </ul>
 * Hosts the fallback excludes stay excluded. The TLS-RPT policy of hosts under a policy is
 * {@code sts} with the policy file's lines and {@code mx} patterns (RFC 8460 §4.4).
 */
public final class MtaStsPolicies implements OutboundPolicies {

    public static final String ENFORCE = "mta-sts enforce";
    public static final String TESTING = "mta-sts testing";
    /** The most a policy fetch may hold a delivery attempt up (addresses, connection, TLS, transfer). */
    public static final Duration FETCH_TIMEOUT = Duration.ofSeconds(10);
    private static final Logger LOG = LoggerFactory.getLogger(MtaStsPolicies.class);

    private final OutboundPolicies fallback;
    private final StsPolicies policies;
    private final CertificateCheck webPki;
    private final TlsResults results;

    /**
     * @param fallback where no policy applies, and beneath {@code testing}
     * @param policies finds each domain's policy
     * @param webPki   the check of an MX host's certificate (PKIX with --tls-trust, and its name)
     * @param results  told of policies that could not be fetched
     */
    public MtaStsPolicies(OutboundPolicies fallback, StsPolicies policies, CertificateCheck webPki,
                          TlsResults results) {
        this.fallback = fallback;
        this.policies = policies;
        this.webPki = webPki;
        this.results = results;
    }

    /**
     * MTA-STS as Tern runs it: policies fetched through {@code dns} with the system's CAs and
     * {@code trusted}, cached in {@code cacheDirectory} (normally {@code DATA/mta-sts}).
     */
    public static MtaStsPolicies start(ClassicActorSystemProvider system, DnsLookup dns,
                                       List<X509Certificate> trusted, Path cacheDirectory,
                                       OutboundPolicies fallback, TlsResults results, Clock clock) {
        SSLContext trust;
        try {
            trust = WebPkiTrust.context(trusted);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up the trust for MTA-STS policy hosts: " + e.getMessage(), e);
        }
        StsPolicies policies = new StsPolicies(dns, new PolicyFetcher(system, dns, trust, FETCH_TIMEOUT),
                new PolicyCache(cacheDirectory, clock.instant()), clock);
        return new MtaStsPolicies(fallback, policies, PkixCheck.trusting(trusted), results);
    }

    @Override
    public CompletionStage<DestinationSecurity> forDestination(String domain, List<String> hosts) {
        return policies.policyOf(domain).thenCombine(fallback.forDestination(domain, hosts),
                (outcome, underneath) -> decide(domain, outcome, underneath));
    }

    private DestinationSecurity decide(String domain, StsOutcome outcome, DestinationSecurity underneath) {
        if (outcome instanceof StsOutcome.Unavailable unavailable) {
            LOG.warn("domain={} MTA-STS policy (id {}) unavailable, delivering as without one: {}", domain,
                    unavailable.id(), unavailable.reason());
            results.failure(new PolicyRef(PolicyRef.STS, domain, List.of(), List.of()),
                    PolicyFetcher.policyHost(domain), null, unavailable.problem(), unavailable.reason());
            return underneath;
        }
        if (!(outcome instanceof StsOutcome.Applies applies) || applies.policy().policy().mode() == StsMode.NONE) {
            return underneath;
        }
        CachedPolicy cached = applies.policy();
        StsPolicy policy = cached.policy();
        PolicyRef ref = new PolicyRef(PolicyRef.STS, domain, policy.lines(), policy.patterns());
        boolean enforce = policy.mode() == StsMode.ENFORCE;
        List<HostSecurity> decided = new ArrayList<>(underneath.hosts().size());
        for (HostSecurity below : underneath.hosts()) {
            if (!below.allowed()) {
                decided.add(below);
                continue;
            }
            String host = below.host();
            boolean listed = policy.allows(host);
            if (enforce && !listed) {
                decided.add(new HostSecurity(host, below.security(), ref, Optional.of(mismatch(cached, host))));
            } else if (enforce) {
                // RFC 8689 §4.2.1: the policy lists the host, which authenticates it for REQUIRETLS
                decided.add(new HostSecurity(host, new ConnectionSecurity(TlsPolicy.REQUIRED, webPki, true, ENFORCE,
                        true), ref, Optional.empty()));
            } else {
                ConnectionSecurity judged = testing(below.security(), listed ? webPki : unlisted(cached));
                // RFC 8689 §4.2.1: a host the policy lists is authenticated for REQUIRETLS, in testing mode too
                decided.add(new HostSecurity(host, listed ? judged.withHostAuthenticated() : judged, ref,
                        Optional.empty()));
            }
        }
        LOG.debug("domain={} MTA-STS policy id {} mode {} ({})", domain, cached.id(), policy.mode().keyword(),
                applies.how());
        return new DestinationSecurity(domain, decided);
    }

    /** Testing: what the fallback requires, but judged by the policy; a fallback that enforces keeps its check. */
    private static ConnectionSecurity testing(ConnectionSecurity below, CertificateCheck judge) {
        if (below.enforce()) {
            return below;
        }
        return new ConnectionSecurity(below.startTls(), judge, false, TESTING);
    }

    /** For a host that a testing policy does not list: every session fails the policy, and is still used. */
    private static CertificateCheck unlisted(CachedPolicy cached) {
        return (chain, hostName) -> new TlsVerdict.Failed(TlsFailure.STS_POLICY_INVALID, mismatch(cached, hostName));
    }

    private static String mismatch(CachedPolicy cached, String host) {
        return "MTA-STS policy of " + cached.domain() + " (id " + cached.id() + "): MX host " + host
                + " does not match mx patterns " + cached.policy().patterns();
    }
}
