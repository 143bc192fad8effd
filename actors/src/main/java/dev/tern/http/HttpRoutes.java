package dev.tern.http;

import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;

import org.apache.pekko.http.javadsl.server.Directives;
import org.apache.pekko.http.javadsl.server.Route;

/** Tern's own routes: the JSON API under {@code /api}, and the web page on every other path. */
public final class HttpRoutes {

    /** A browser signed in and left alone this long is signed out. */
    static final Duration SESSION_IDLE = Duration.ofMinutes(30);
    /** However busy, a sign-in lasts this long. */
    static final Duration SESSION_LIFETIME = Duration.ofHours(12);
    /** Signed-in browsers kept at most; beyond, the least recently used one is signed out. */
    static final int SESSIONS = 1000;

    private HttpRoutes() {
    }

    /** One per service: every HTTP listener shares the web page's sessions. */
    public static Route of(Administration admin) {
        WebSessions sessions = new WebSessions(Clock.systemUTC(), SESSION_IDLE, SESSION_LIFETIME, SESSIONS);
        Views views = new Views(admin.settings(), ZoneId.systemDefault());
        return Directives.concat(new JsonApi(admin).route(), new WebPage(admin, sessions, views).route());
    }
}
