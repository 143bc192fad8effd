package dev.tern.mailauth;

/**
 * One DKIM signature's result (RFC 8601 §2.7.1): pass, fail, neutral, temperror, permerror.
 *
 * @param result   the keyword
 * @param domain   d=, or null when the signature did not parse
 * @param selector s=, or null
 * @param reason   why, for a comment; null for pass
 */
record DkimOutcome(String result, String domain, String selector, String reason) {

    boolean passed() {
        return result.equals("pass");
    }
}
