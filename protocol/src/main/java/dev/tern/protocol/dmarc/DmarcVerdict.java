package dev.tern.protocol.dmarc;

import java.util.Objects;

/**
 * What DMARC decided for one message.
 *
 * @param result      pass, fail, none, temperror, permerror
 * @param fromDomain  the RFC 5322.From domain (header.from), or empty when there is none
 * @param published   the policy the domain publishes for this From domain (p, or sp for a subdomain)
 * @param disposition what to do with the message: the published policy for a failure (lowered
 *                    outside pct), else {@link DmarcPolicy#NONE}
 */
public record DmarcVerdict(DmarcResult result, String fromDomain, DmarcPolicy published, DmarcPolicy disposition) {

    public DmarcVerdict {
        Objects.requireNonNull(result, "result");
        Objects.requireNonNull(fromDomain, "fromDomain");
        Objects.requireNonNull(published, "published");
        Objects.requireNonNull(disposition, "disposition");
    }

    static DmarcVerdict without(DmarcResult result, String fromDomain) {
        return new DmarcVerdict(result, fromDomain, DmarcPolicy.NONE, DmarcPolicy.NONE);
    }
}
