package dev.tern.protocol;

/**
 * What a message's sender asked of the transport on its way (RFC 8689), kept with the message from
 * {@code MAIL} to the queue and the relay.
 *
 * <p>The other request of RFC 8689, the {@code TLS-Required: No} header field (§5), travels in the
 * message itself: the relay reads it when a destination's TLS policy would hold the message back,
 * and only for messages that are not {@link #REQUIRETLS} (§4.1: the MAIL parameter wins).
 */
public enum TlsRequirement {

    /** Nothing asked: the destination's policy (opportunistic TLS, MTA-STS, DANE, --outbound-tls) decides. */
    DEFAULT,

    /**
     * {@code MAIL FROM:<...> REQUIRETLS} (RFC 8689 §4.1): sent on only over TLS whose certificate verified for
     * the MX host, to a server that advertises REQUIRETLS after STARTTLS, with REQUIRETLS on its MAIL (§4.2.1);
     * otherwise returned to the sender with 5.7.10 or 5.7.30, never sent in clear.
     */
    REQUIRETLS;

    /** The keyword of the EHLO reply and the MAIL parameter (RFC 8689 §2). */
    public static final String KEYWORD = "REQUIRETLS";
}
