package dev.tern.protocol.dmarc;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.IntSupplier;

import dev.tern.protocol.mailauth.DnsLookup;
import dev.tern.protocol.mailauth.DnsResult;

/**
 * DMARC (RFC 7489) for one message over a {@link DnsLookup}: policy discovery at
 * {@code _dmarc.<From domain>}, falling back to the organizational domain's record (§6.6.3),
 * identifier alignment (§3.1) of the SPF-authenticated MAIL FROM domain and of every DKIM
 * signature that passed, and the disposition (p, or sp for a subdomain; pct, §6.6.4).
 */
public final class DmarcEvaluator {

    private final DnsLookup dns;
    private final IntSupplier percentRoll;

    /** @param percentRoll a number in 0..99 for each failing message, compared with pct */
    public DmarcEvaluator(DnsLookup dns, IntSupplier percentRoll) {
        this.dns = Objects.requireNonNull(dns, "dns");
        this.percentRoll = Objects.requireNonNull(percentRoll, "percentRoll");
    }

    /**
     * Never completes exceptionally.
     *
     * @param fromDomain    the RFC 5322.From domain
     * @param spfPassDomain the MAIL FROM (or HELO) domain when SPF passed, else null
     * @param dkimPassDomains the d= of every DKIM signature that verified
     */
    public CompletionStage<DmarcVerdict> evaluate(String fromDomain, String spfPassDomain,
                                                  List<String> dkimPassDomains) {
        String from = fromDomain.toLowerCase(Locale.ROOT);
        return discover(from).thenApply(found -> {
            if (found.failure() != null) {
                return DmarcVerdict.without(found.failure(), from);
            }
            if (found.record() == null) {
                return DmarcVerdict.without(DmarcResult.NONE, from);
            }
            DmarcRecord record = found.record();
            // §6.3 sp: the policy for subdomains, when the record found is the organizational one
            DmarcPolicy published = found.atOrganization() ? record.subdomainPolicy() : record.policy();
            boolean spfAligned = spfPassDomain != null
                    && OrganizationalDomain.aligned(spfPassDomain, from, record.strictSpf());
            boolean dkimAligned = dkimPassDomains.stream()
                    .anyMatch(d -> OrganizationalDomain.aligned(d, from, record.strictDkim()));
            if (spfAligned || dkimAligned) {
                return new DmarcVerdict(DmarcResult.PASS, from, published, DmarcPolicy.NONE);
            }
            DmarcPolicy disposition = record.percent() >= 100 || percentRoll.getAsInt() < record.percent()
                    ? published : published.lessStrict();
            return new DmarcVerdict(DmarcResult.FAIL, from, published, disposition);
        }).exceptionally(e -> DmarcVerdict.without(DmarcResult.TEMPERROR, from));
    }

    /** The record found, and whether it is the organizational domain's rather than the From domain's. */
    private record Discovery(DmarcRecord record, boolean atOrganization, DmarcResult failure) {
    }

    private CompletionStage<Discovery> discover(String from) {
        return lookup(from).thenCompose(direct -> {
            if (direct.failure() != null || direct.record() != null) {
                return CompletableFuture.completedFuture(direct);
            }
            String organization = OrganizationalDomain.of(from);
            if (organization.equals(from)) {
                return CompletableFuture.completedFuture(direct);
            }
            return lookup(organization).thenApply(org -> new Discovery(org.record(), true, org.failure()));
        });
    }

    private CompletionStage<Discovery> lookup(String domain) {
        return dns.txt("_dmarc." + domain).thenApply(answer -> {
            if (answer instanceof DnsResult.Failed) {
                return new Discovery(null, false, DmarcResult.TEMPERROR);
            }
            List<String> records = new ArrayList<>();
            if (answer instanceof DnsResult.Records<String> found) {
                found.values().stream().filter(DmarcRecord::isDmarc).forEach(records::add);
            }
            // §6.6.3: several records, like none, mean no DMARC processing
            if (records.size() != 1) {
                return new Discovery(null, false, null);
            }
            return new Discovery(DmarcRecord.parse(records.get(0)).orElse(null), false, null);
        });
    }
}
