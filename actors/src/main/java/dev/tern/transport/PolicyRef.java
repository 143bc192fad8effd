package dev.tern.transport;

import java.util.List;
import java.util.Objects;

/**
 * The policy that governs the connections to an MX host, as TLS-RPT names it
 * (RFC 8460 §4.4, "policy").
 *
 * @param type          {@code sts}, {@code tlsa} or {@code no-policy-found}
 * @param policyDomain  the destination domain the policy belongs to
 * @param policyStrings the policy as published: MTA-STS policy lines, or TLSA records as
 *                      {@code "3 1 1 <hex>"}; empty for no-policy-found
 * @param mxHosts       the MTA-STS {@code mx:} patterns; empty otherwise
 */
public record PolicyRef(String type, String policyDomain, List<String> policyStrings, List<String> mxHosts) {

    public static final String STS = "sts";
    public static final String TLSA = "tlsa";
    public static final String NO_POLICY_FOUND = "no-policy-found";

    public PolicyRef {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(policyDomain, "policyDomain");
        policyStrings = List.copyOf(policyStrings);
        mxHosts = List.copyOf(mxHosts);
    }

    /** No published policy: only the local --outbound-tls applies. */
    public static PolicyRef none(String domain) {
        return new PolicyRef(NO_POLICY_FOUND, domain, List.of(), List.of());
    }
}
