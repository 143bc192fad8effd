package dev.tern.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The web page's signed-in sessions, in memory: ids and CSRF tokens of 256 random bits
 * ({@link SecureRandom}), a session ends after {@code idle} without a request or
 * {@code lifetime} after sign-in, and at most {@code capacity} are kept (beyond, the least
 * recently used one ends). A restart signs everyone out, which is all it costs.
 */
final class WebSessions {

    /** One signed-in browser; {@code notice} is shown once, on the next page. */
    record Session(String id, String user, String csrfToken, Instant signedIn, Instant lastSeen, String notice) {
    }

    private static final int TOKEN_BYTES = 32;

    private final Clock clock;
    private final Duration idle;
    private final Duration lifetime;
    private final int capacity;
    private final SecureRandom random = new SecureRandom();
    /** Access order: the eldest entry is the least recently used. */
    private final LinkedHashMap<String, Session> sessions = new LinkedHashMap<>(16, 0.75f, true);

    WebSessions(Clock clock, Duration idle, Duration lifetime, int capacity) {
        this.clock = clock;
        this.idle = idle;
        this.lifetime = lifetime;
        this.capacity = capacity;
    }

    /** A new session for a user who just signed in (a new id: nothing from before sign-in carries over). */
    synchronized Session create(String user) {
        removeExpired();
        Instant now = clock.instant();
        Session session = new Session(newToken(), user, newToken(), now, now, null);
        sessions.put(session.id(), session);
        while (sessions.size() > capacity) {
            Iterator<String> eldest = sessions.keySet().iterator();
            eldest.next();
            eldest.remove();
        }
        return session;
    }

    /** The live session with this id, its last use now; empty when unknown or expired (and then removed). */
    synchronized Optional<Session> find(String id) {
        Session session = id == null ? null : sessions.get(id);
        if (session == null) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        if (expired(session, now)) {
            sessions.remove(id);
            return Optional.empty();
        }
        Session touched = new Session(session.id(), session.user(), session.csrfToken(), session.signedIn(), now,
                session.notice());
        sessions.put(id, touched);
        return Optional.of(touched);
    }

    synchronized void end(String id) {
        sessions.remove(id);
    }

    /** Ends every session of a user (deleted, or a new password), except {@code keep} (may be null). */
    synchronized void endAllOf(String user, String keep) {
        sessions.values().removeIf(session -> session.user().equals(user) && !session.id().equals(keep));
    }

    /** Leaves a notice for the session's next page. */
    synchronized void notice(String id, String text) {
        Session session = sessions.get(id);
        if (session != null) {
            sessions.put(id, new Session(session.id(), session.user(), session.csrfToken(), session.signedIn(),
                    session.lastSeen(), text));
        }
    }

    /** Takes the notice left for this session, if any. */
    synchronized String takeNotice(String id) {
        Session session = sessions.get(id);
        if (session == null || session.notice() == null) {
            return null;
        }
        sessions.put(id, new Session(session.id(), session.user(), session.csrfToken(), session.signedIn(),
                session.lastSeen(), null));
        return session.notice();
    }

    synchronized int size() {
        return sessions.size();
    }

    /** 256 random bits, URL-safe base64: session ids, CSRF tokens, the login form's token. */
    String newToken() {
        byte[] bytes = new byte[TOKEN_BYTES];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Whether a posted token is the expected one, in time that does not depend on where they differ. */
    static boolean sameToken(String expected, String given) {
        if (expected == null || given == null || expected.isEmpty()) {
            return false;
        }
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8));
    }

    private boolean expired(Session session, Instant now) {
        return !now.isBefore(session.lastSeen().plus(idle)) || !now.isBefore(session.signedIn().plus(lifetime));
    }

    private void removeExpired() {
        Instant now = clock.instant();
        for (Iterator<Map.Entry<String, Session>> it = sessions.entrySet().iterator(); it.hasNext(); ) {
            if (expired(it.next().getValue(), now)) {
                it.remove();
            }
        }
    }
}
