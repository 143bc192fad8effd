package dev.tern.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** The web page's sessions: random ids and tokens, idle and absolute expiry, a bounded store, CSRF checks. */
class WebSessionsTest {

    /** A clock the test moves. */
    static final class TestClock extends Clock {
        Instant now = Instant.parse("2026-03-01T12:00:00Z");

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public ZoneId getZone() {
            return ZoneId.of("UTC");
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    final TestClock clock = new TestClock();
    final WebSessions sessions = new WebSessions(clock, Duration.ofMinutes(30), Duration.ofHours(12), 3);

    @Test
    void aNewSessionHasARandomIdAndTokenAndIsFoundByItsId() {
        WebSessions.Session session = sessions.create("alice");

        assertThat(session.id()).matches("[A-Za-z0-9_-]{43}").isNotEqualTo(session.csrfToken());
        assertThat(session.csrfToken()).matches("[A-Za-z0-9_-]{43}");
        assertThat(sessions.find(session.id())).hasValueSatisfying(found -> {
            assertThat(found.user()).isEqualTo("alice");
            assertThat(found.csrfToken()).isEqualTo(session.csrfToken());
        });
        assertThat(sessions.find("not-a-session")).isEmpty();
        assertThat(sessions.find(null)).isEmpty();
        Set<String> tokens = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            tokens.add(sessions.newToken());
        }
        assertThat(tokens).hasSize(1000);
    }

    @Test
    void aSessionLeftAloneForTheIdleTimeEnds() {
        WebSessions.Session session = sessions.create("alice");

        clock.advance(Duration.ofMinutes(29));
        assertThat(sessions.find(session.id())).as("used within the idle time").isPresent();
        clock.advance(Duration.ofMinutes(29));
        assertThat(sessions.find(session.id())).as("each use restarts the idle time").isPresent();
        clock.advance(Duration.ofMinutes(30));
        assertThat(sessions.find(session.id())).as("idle for 30 minutes").isEmpty();
        assertThat(sessions.size()).isZero();
    }

    @Test
    void aBusySessionEndsAtItsLifetimeAllTheSame() {
        WebSessions.Session session = sessions.create("alice");
        for (int i = 0; i < 12 * 3 - 1; i++) {
            clock.advance(Duration.ofMinutes(20));
            assertThat(sessions.find(session.id())).as("after " + (i + 1) * 20 + " minutes").isPresent();
        }
        clock.advance(Duration.ofMinutes(20));
        assertThat(sessions.find(session.id())).as("12 hours after sign-in").isEmpty();
    }

    @Test
    void theStoreIsBoundedAndTheLeastRecentlyUsedSessionGoesFirst() {
        WebSessions.Session first = sessions.create("a");
        WebSessions.Session second = sessions.create("b");
        WebSessions.Session third = sessions.create("c");
        sessions.find(first.id()); // used: second is now the least recently used

        WebSessions.Session fourth = sessions.create("d");

        assertThat(sessions.size()).isEqualTo(3);
        assertThat(sessions.find(second.id())).isEmpty();
        assertThat(sessions.find(first.id())).isPresent();
        assertThat(sessions.find(third.id())).isPresent();
        assertThat(sessions.find(fourth.id())).isPresent();
    }

    @Test
    void endingAUsersSessionsKeepsTheOneAsked() {
        WebSessions.Session here = sessions.create("alice");
        WebSessions.Session elsewhere = sessions.create("alice");
        WebSessions.Session bob = sessions.create("bob");

        sessions.endAllOf("alice", here.id());

        assertThat(sessions.find(here.id())).isPresent();
        assertThat(sessions.find(elsewhere.id())).isEmpty();
        assertThat(sessions.find(bob.id())).isPresent();
        sessions.endAllOf("alice", null);
        assertThat(sessions.find(here.id())).isEmpty();
    }

    @Test
    void aNoticeIsShownOnce() {
        WebSessions.Session session = sessions.create("alice");
        sessions.notice(session.id(), "Password changed.");

        assertThat(sessions.takeNotice(session.id())).isEqualTo("Password changed.");
        assertThat(sessions.takeNotice(session.id())).isNull();
    }

    @Test
    void onlyTheSessionsOwnTokenPassesTheCsrfCheck() {
        WebSessions.Session session = sessions.create("alice");
        WebSessions.Session other = sessions.create("bob");

        assertThat(WebSessions.sameToken(session.csrfToken(), session.csrfToken())).isTrue();
        assertThat(WebSessions.sameToken(session.csrfToken(), other.csrfToken())).isFalse();
        assertThat(WebSessions.sameToken(session.csrfToken(), session.csrfToken().substring(1))).isFalse();
        assertThat(WebSessions.sameToken(session.csrfToken(), "")).isFalse();
        assertThat(WebSessions.sameToken(session.csrfToken(), null)).isFalse();
        assertThat(WebSessions.sameToken(null, null)).as("no expected token: nothing passes").isFalse();
        assertThat(WebSessions.sameToken("", "")).isFalse();
    }
}
