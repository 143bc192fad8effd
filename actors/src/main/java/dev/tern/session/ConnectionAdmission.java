package dev.tern.session;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;

import dev.tern.protocol.Replies;
import dev.tern.protocol.SmtpReply;

/**
 * Counts open connections, in all and per client address, for every listener of the
 * service: a new connection is admitted, or refused with the 421 to send before closing.
 * The listeners share one ledger (they admit and release from their own actors), so its
 * two methods are synchronized; each is a map update, far cheaper than the connection.
 */
public final class ConnectionAdmission {

    private final ConnectionLimits limits;
    private final Map<InetAddress, Integer> perClient = new HashMap<>();
    private int total;

    public ConnectionAdmission(ConnectionLimits limits) {
        this.limits = limits;
    }

    /** @return null when admitted (release it later), else the reply to refuse with */
    public synchronized SmtpReply admit(InetAddress client) {
        if (total >= limits.total()) {
            return Replies.TOO_MANY_CONNECTIONS;
        }
        if (counted(client)) {
            int open = perClient.getOrDefault(client, 0);
            if (open >= limits.perClient()) {
                return Replies.TOO_MANY_CONNECTIONS_FROM_CLIENT;
            }
            perClient.put(client, open + 1);
        }
        total++;
        return null;
    }

    /** An admitted connection ended. */
    public synchronized void release(InetAddress client) {
        total--;
        if (counted(client)) {
            perClient.computeIfPresent(client, (address, open) -> open > 1 ? open - 1 : null);
        }
    }

    synchronized int open() {
        return total;
    }

    private boolean counted(InetAddress client) {
        return client != null && (limits.limitLoopback() || !client.isLoopbackAddress());
    }
}
