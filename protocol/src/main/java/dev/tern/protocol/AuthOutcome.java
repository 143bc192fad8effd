package dev.tern.protocol;

/** What checking a client's AUTH credentials came to; each has its own reply (RFC 4954 §6). */
public enum AuthOutcome {
    /** the password matches: 235 2.7.0 */
    VALID,
    /** it does not, or there is no such user, or its stored hash is refused: 535 5.7.8 */
    INVALID,
    /** the server cannot check now (its password hashing is saturated): 454 4.7.0, the client may retry */
    TEMPORARILY_UNAVAILABLE
}
