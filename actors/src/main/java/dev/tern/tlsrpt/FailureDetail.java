package dev.tern.tlsrpt;

/**
 * One row of RFC 8460 §4.4 "failure-details" without its count: sessions that failed alike are
 * counted together under one of these.
 *
 * @param resultType          the §4.3 result type, e.g. {@code certificate-host-mismatch}
 * @param receivingMxHostname the MX host name the session went to
 * @param receivingIp         the address it connected to, or {@code null} when unknown
 * @param failureReasonCode   the reason as the TLS stack gave it, shortened to one line
 */
record FailureDetail(String resultType, String receivingMxHostname, String receivingIp,
                            String failureReasonCode) {

    /** The longest failure-reason-code kept: enough for a TLS alert or a validator's message. */
    static final int MAX_REASON = 200;

    /** Makes {@code reason} one line of printable ASCII of at most {@link #MAX_REASON} characters. */
    static String reasonCode(String reason) {
        if (reason == null) {
            return null;
        }
        StringBuilder out = new StringBuilder(Math.min(reason.length(), MAX_REASON));
        for (int i = 0; i < reason.length() && out.length() < MAX_REASON; i++) {
            char c = reason.charAt(i);
            out.append(c >= 0x20 && c < 0x7f ? c : ' ');
        }
        return out.toString().strip();
    }
}
