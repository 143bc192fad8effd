package dev.tern.transport.dane;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.TLSARecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

import dev.tern.protocol.dane.TlsaRecord;

/**
 * Finds the DANE status of MX hosts: the DNSSEC-validated TLSA RRset at
 * {@code _PORT._tcp.HOST} (RFC 7672 §2.2, RFC 6698 §3), PORT being the port Tern connects to
 * (25 on the internet, {@code --remote-port} in tests).
 *
 * <p>At construction it asks the DNSKEY RRset of the trust anchor's zone (the root, normally)
 * through the validator. If that is not secure, the configured resolvers strip DNSSEC records
 * or the anchor does not fit the DNS they serve: a WARN line says so, once, and every host is
 * {@link DaneStatus.NotApplicable} — mail never fails for that. A probe that got no answer, or one
 * that did not validate (which an on-path attacker can cause as easily as a flaky resolver), is
 * tried again at most once a minute; if validation works then, one INFO line says DANE is on.
 *
 * <p>Once the probe has said that validation works, it is never asked again: from then on only
 * the answers about each host count. An attacker who could turn DANE off by breaking one more
 * question could strip STARTTLS too (RFC 7672 §1.3.1).
 *
 * <p>Outcomes per host:
 * <ul>
 *   <li>secure TLSA records: {@link DaneStatus.Tlsa};</li>
 *   <li>insecure, or secure NXDOMAIN/NODATA: {@link DaneStatus.NotApplicable};</li>
 *   <li>bogus or failed (SERVFAIL, timeout): RFC 7672 §2.2 ties the meaning of a failed TLSA
 *       lookup to the host's address records, so those are asked through the validator too.
 *       If they are insecure, the host's zone is unsigned and DANE does not apply (some unsigned
 *       zones' servers fail TLSA queries); otherwise the host is {@link DaneStatus.Invalid}: not
 *       to be delivered to (§2.2), the mail waits and is tried again.</li>
 * </ul>
 *
 * <p>RFC 7672 §2.2.1: an insecure MX RRset does not stop DANE. Tern looks up TLSA records for
 * every MX host whatever the MX lookup's security, as the RFC permits, so a domain in an
 * unsigned zone still gets the protection its provider's signed MX hosts publish. The reference
 * name for DANE-TA(2) is then the MX host name alone.
 */
public final class TlsaLookup {

    private static final Logger LOG = LoggerFactory.getLogger(TlsaLookup.class);
    /**
     * At least the 60 s for which dnsjava's validator keeps a trust anchor key that did not
     * validate: a sooner re-probe would only meet that cached failure.
     */
    private static final Duration REPROBE_AFTER = Duration.ofMinutes(1);

    private final ValidatingDns dns;
    private final TrustAnchors anchors;
    private final int port;
    private final String upstream;
    private final Clock clock;
    private final AtomicBoolean warned = new AtomicBoolean();
    private final Object probeLock = new Object();
    private CompletableFuture<Availability> probe; // guarded by probeLock
    private Instant probedAt;                      // guarded by probeLock

    /**
     * @param servers the relay's DNS servers ({@code --dns}); empty means the system's
     * @param timeout the relay's DNS timeout
     * @param port    the TCP port of MX hosts ({@code --remote-port})
     * @param anchors built in, or {@code tern.dns-trust-anchor}
     */
    public TlsaLookup(List<InetSocketAddress> servers, Duration timeout, int port, TrustAnchors anchors, Clock clock) {
        this.dns = new ValidatingDns(servers, timeout, anchors, clock);
        this.anchors = anchors;
        this.port = port;
        this.upstream = servers.isEmpty() ? "the system's DNS resolvers" : "--dns " + servers;
        this.clock = clock;
        synchronized (probeLock) {
            startProbe();
        }
    }

    /** Whether validation works through the configured resolvers (completes after the start-up probe). */
    public CompletionStage<Boolean> validating() {
        return availability().thenApply(a -> a instanceof Availability.Validating);
    }

    /** The host's DANE status. Never completes exceptionally. */
    public CompletionStage<DaneStatus> forHost(String mxHost) {
        String host = mxHost.toLowerCase(Locale.ROOT);
        if (host.isEmpty() || host.contains(":") || host.matches("[0-9.]+")) {
            return CompletableFuture.completedFuture(new DaneStatus.NotApplicable("an address literal has no TLSA"));
        }
        Name name;
        try {
            name = Name.fromString("_" + port + "._tcp." + host, Name.root);
        } catch (TextParseException e) {
            return CompletableFuture.completedFuture(new DaneStatus.NotApplicable("not a DNS name: " + host));
        }
        return availability().thenCompose(available -> {
            if (available instanceof Availability.Unavailable unavailable) {
                return CompletableFuture.completedFuture(
                        new DaneStatus.NotApplicable("DNSSEC validation unavailable: " + unavailable.reason()));
            }
            return dns.query(name, Type.TLSA).thenCompose(answer -> status(host, name, answer));
        });
    }

    private CompletionStage<DaneStatus> status(String host, Name tlsaName, DnssecAnswer answer) {
        String where = "TLSA " + tlsaName.toString(true);
        if (answer instanceof DnssecAnswer.Secure secure) {
            List<TlsaRecord> records = tlsa(secure.records());
            return CompletableFuture.completedFuture(records.isEmpty()
                    ? new DaneStatus.NotApplicable(where + ": none (DNSSEC-authenticated denial)")
                    : new DaneStatus.Tlsa(records));
        }
        if (answer instanceof DnssecAnswer.Insecure) {
            return CompletableFuture.completedFuture(new DaneStatus.NotApplicable(where + ": insecure (unsigned zone)"));
        }
        String failure = answer instanceof DnssecAnswer.Bogus bogus ? "DNSSEC-bogus (" + bogus.reason() + ")"
                : "lookup failed (" + ((DnssecAnswer.Failed) answer).reason() + ")";
        Name hostName;
        try {
            hostName = Name.fromString(host, Name.root);
        } catch (TextParseException e) {
            return CompletableFuture.completedFuture(new DaneStatus.Invalid(where + ": " + failure));
        }
        return dns.query(hostName, Type.A).thenApply(addresses -> addresses instanceof DnssecAnswer.Insecure
                ? new DaneStatus.NotApplicable(where + ": " + failure
                        + ", but the address records of " + host + " are insecure: DANE does not apply")
                : new DaneStatus.Invalid(where + ": " + failure));
    }

    private static List<TlsaRecord> tlsa(List<Record> records) {
        List<TlsaRecord> tlsa = new ArrayList<>(records.size());
        for (Record r : records) {
            if (r instanceof TLSARecord t) {
                tlsa.add(new TlsaRecord(t.getCertificateUsage(), t.getSelector(), t.getMatchingType(),
                        t.getCertificateAssociationData()));
            }
        }
        return tlsa;
    }

    // ---- can the resolvers be validated at all? ----------------------------------------------

    private sealed interface Availability {
        record Validating() implements Availability {
        }

        /**
         * @param retry true when the probe got no answer or a bogus one: the resolver may come up,
         *              or an attacker go away, later
         */
        record Unavailable(String reason, boolean retry) implements Availability {
        }
    }

    private CompletionStage<Availability> availability() {
        synchronized (probeLock) {
            // A probe broken by an exception (never expected) is asked again like one without an answer; meanwhile
            // lookups fail with it, and the relay defers (4.7.5) rather than deliver without DANE. getNow would
            // throw it here, out of forHost, instead of failing the stage.
            boolean broken = probe.isCompletedExceptionally();
            Availability done = broken ? null : probe.getNow(null);
            if ((broken || done instanceof Availability.Unavailable unavailable && unavailable.retry())
                    && Duration.between(probedAt, clock.instant()).compareTo(REPROBE_AFTER) >= 0) {
                startProbe();
            }
            return probe;
        }
    }

    private void startProbe() {
        probedAt = clock.instant();
        Name owner = anchors.owner();
        probe = dns.query(owner, Type.DNSKEY).thenApply(answer -> {
            Availability result = availability(answer, owner);
            report(result);
            return result;
        }).toCompletableFuture();
    }

    private static Availability availability(DnssecAnswer answer, Name owner) {
        String question = "DNSKEY " + owner;
        if (answer instanceof DnssecAnswer.Secure secure && !secure.records().isEmpty()) {
            return new Availability.Validating();
        }
        if (answer instanceof DnssecAnswer.Secure) {
            return new Availability.Unavailable(question + " has no records", false);
        }
        if (answer instanceof DnssecAnswer.Insecure) {
            return new Availability.Unavailable(question + " came back unsigned", false);
        }
        if (answer instanceof DnssecAnswer.Bogus bogus) {
            return new Availability.Unavailable(question + " did not validate: " + bogus.reason(), true);
        }
        return new Availability.Unavailable(question + " got no answer: " + ((DnssecAnswer.Failed) answer).reason(),
                true);
    }

    private void report(Availability result) {
        if (result instanceof Availability.Validating && warned.get()) {
            LOG.info("DANE (RFC 7672) is on now: DNSSEC validation works through {} from {}", upstream,
                    anchors.source());
        } else if (result instanceof Availability.Validating) {
            LOG.info("DANE (RFC 7672): DNSSEC validation works through {} from {}", upstream, anchors.source());
        } else if (result instanceof Availability.Unavailable unavailable && warned.compareAndSet(false, true)) {
            LOG.warn("DANE (RFC 7672) is off: DNSSEC validation does not work through {} ({}; trust anchors: {}). "
                            + "TLSA records are ignored and mail is delivered as without DANE. Use resolvers that "
                            + "pass DNSSEC records (the DO bit), e.g. a local unbound, or set tern.dns-trust-anchor "
                            + "to the anchors of the DNS they serve.", upstream, unavailable.reason(),
                    anchors.source());
        }
    }
}
