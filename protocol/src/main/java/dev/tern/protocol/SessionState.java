package dev.tern.protocol;

/**
 * Where an SMTP session stands, immutable.
 *
 * @param clientName    the HELO/EHLO argument, {@code null} before the client greeted
 * @param extended      whether the client greeted with EHLO (ESMTP)
 * @param transaction   the open mail transaction, {@code null} outside MAIL..DATA
 * @param errorsInARow  protocol errors since the last successful command
 */
public record SessionState(String clientName, boolean extended, Transaction transaction, int errorsInARow) {

    public static final SessionState INITIAL = new SessionState(null, false, null, 0);

    public boolean greeted() {
        return clientName != null;
    }

    SessionState withTransaction(Transaction next) {
        return new SessionState(clientName, extended, next, errorsInARow);
    }

    SessionState withErrors(int errors) {
        return new SessionState(clientName, extended, transaction, errors);
    }

    /** After end of DATA, whatever its outcome: RFC 5321 §4.1.1.4 clears the transaction. */
    public SessionState afterMessage() {
        return new SessionState(clientName, extended, null, 0);
    }
}
