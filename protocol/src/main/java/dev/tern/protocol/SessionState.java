package dev.tern.protocol;

/**
 * Where an SMTP session stands, immutable.
 *
 * @param clientName    the HELO/EHLO argument, {@code null} before the client greeted
 * @param extended      whether the client greeted with EHLO (ESMTP)
 * @param transaction   the open mail transaction, {@code null} outside MAIL..DATA
 * @param errorsInARow  protocol errors since the last successful command
 * @param tls           the TLS layer, {@code null} in clear
 * @param user          the user this session authenticated as (RFC 4954), {@code null} if none
 * @param auth          an AUTH exchange awaiting the client's next response, {@code null} if none
 */
public record SessionState(String clientName, boolean extended, Transaction transaction, int errorsInARow,
                           TlsSession tls, String user, AuthExchange auth) {

    public static final SessionState INITIAL = new SessionState(null, false, null, 0);

    public SessionState(String clientName, boolean extended, Transaction transaction, int errorsInARow) {
        this(clientName, extended, transaction, errorsInARow, null, null, null);
    }

    /** RFC 3207 §4.2: after the handshake the server forgets everything the client said in clear. */
    public static SessionState afterTlsHandshake(TlsSession tls) {
        return new SessionState(null, false, null, 0, tls, null, null);
    }

    public boolean encrypted() {
        return tls != null;
    }

    public boolean authenticated() {
        return user != null;
    }

    /** RFC 3848 with-protocol: ESMTP (RFC 6531 §3.7.3: UTF8SMTP in an SMTPUTF8 transaction), plus S for TLS and A for AUTH. */
    public String withProtocol() {
        if (!extended) {
            return "SMTP";
        }
        String base = transaction != null && transaction.encoding().smtpUtf8() ? "UTF8SMTP" : "ESMTP";
        return base + (encrypted() ? "S" : "") + (authenticated() ? "A" : "");
    }

    SessionState greeted(String name, boolean esmtp) {
        return new SessionState(name, esmtp, null, errorsInARow, tls, user, null);
    }

    SessionState withAuth(AuthExchange exchange) {
        return new SessionState(clientName, extended, transaction, errorsInARow, tls, user, exchange);
    }

    SessionState authenticatedAs(String name) {
        return new SessionState(clientName, extended, transaction, errorsInARow, tls, name, null);
    }

    public boolean greeted() {
        return clientName != null;
    }

    SessionState withTransaction(Transaction next) {
        return new SessionState(clientName, extended, next, errorsInARow, tls, user, auth);
    }

    SessionState withErrors(int errors) {
        return new SessionState(clientName, extended, transaction, errors, tls, user, auth);
    }

    /** After end of DATA, whatever its outcome: RFC 5321 §4.1.1.4 clears the transaction. */
    public SessionState afterMessage() {
        return new SessionState(clientName, extended, null, 0, tls, user, null);
    }
}
