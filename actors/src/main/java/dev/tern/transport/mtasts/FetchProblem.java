package dev.tern.transport.mtasts;

/** Why no policy came from the policy host, as RFC 8460 §4.3.2.1 names the failure for TLS-RPT. */
public enum FetchProblem {
    /** Unreachable, timed out, not 200, a redirect, not text/plain, too large. */
    FETCH_ERROR("sts-policy-fetch-error"),
    /** Fetched, but not a policy RFC 8461 §3.2 accepts. */
    POLICY_INVALID("sts-policy-invalid"),
    /** The policy host's certificate did not validate (PKIX and the name mta-sts.DOMAIN). */
    WEBPKI_INVALID("sts-webpki-invalid");

    private final String resultType;

    FetchProblem(String resultType) {
        this.resultType = resultType;
    }

    /** The result-type string of a TLS-RPT report. */
    public String resultType() {
        return resultType;
    }
}
