package dev.tern.protocol;

/**
 * What the client asked of delivery status notifications for the whole message, on MAIL
 * (RFC 3461 §4.3, §4.4).
 *
 * @param ret   how much of the message a failure DSN returns, {@code null} when RET was not given
 *              (Tern then returns the headers)
 * @param envid the envelope identifier, xtext-decoded (printable ASCII), {@code null} when not given
 */
public record DsnRequest(Ret ret, String envid) {

    /** Neither RET nor ENVID given. */
    public static final DsnRequest NONE = new DsnRequest(null, null);

    /** RFC 3461 §4.3. */
    public enum Ret {
        /** the whole message */
        FULL,
        /** only its headers */
        HDRS
    }

    /** Whether a failure DSN returns the whole message: only when asked with RET=FULL. */
    public boolean returnsFullMessage() {
        return ret == Ret.FULL;
    }

    /** The MAIL parameters to pass on to a next hop that offers DSN, with a leading space each. */
    public String parameters() {
        return (ret == null ? "" : " RET=" + ret.name()) + (envid == null ? "" : " ENVID=" + XText.encode(envid));
    }
}
