package dev.tern.transport;

import java.util.List;

/**
 * The policy that governs a host, for TLS-RPT (RFC 8460 §4.4 "policy"): type sts|tlsa|no-policy-found,
 * policy strings, policy domain, mx-host patterns.
 */
public record PolicyRef(String type, String policyDomain, List<String> policyStrings, List<String> mxHost) {
}
