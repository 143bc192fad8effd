package dev.tern.supervision;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RetryScheduleTest {

    private static final Instant ARRIVAL = Instant.parse("2026-11-23T12:00:00Z");
    private final RetrySchedule schedule = new RetrySchedule(
            new BackoffCurve(Duration.ofMinutes(5), Duration.ofHours(1), 0.5), Duration.ofDays(5));

    @Test
    void retriesAlongTheCurve() {
        Instant now = ARRIVAL.plusSeconds(10);
        assertThat(schedule.afterTransientFailure(ARRIVAL, 1, now, 0))
                .isEqualTo(new RetrySchedule.Decision.RetryAt(now.plus(Duration.ofMinutes(5))));
        assertThat(schedule.afterTransientFailure(ARRIVAL, 3, now, 1))
                .isEqualTo(new RetrySchedule.Decision.RetryAt(now.plus(Duration.ofMinutes(30))));
        assertThat(schedule.afterTransientFailure(ARRIVAL, 50, now, 0))
                .isEqualTo(new RetrySchedule.Decision.RetryAt(now.plus(Duration.ofHours(1))));
    }

    @Test
    void lastTryHappensAtExpiry() {
        Instant expiry = ARRIVAL.plus(Duration.ofDays(5));
        Instant now = expiry.minus(Duration.ofMinutes(10));
        assertThat(schedule.afterTransientFailure(ARRIVAL, 40, now, 0.3))
                .isEqualTo(new RetrySchedule.Decision.RetryAt(expiry));
        assertThat(schedule.expiry(ARRIVAL)).isEqualTo(expiry);
    }

    @Test
    void givesUpAtAndAfterExpiry() {
        Instant expiry = ARRIVAL.plus(Duration.ofDays(5));
        assertThat(schedule.afterTransientFailure(ARRIVAL, 41, expiry, 0))
                .isInstanceOf(RetrySchedule.Decision.GiveUp.class);
        assertThat(schedule.afterTransientFailure(ARRIVAL, 41, expiry.plusSeconds(1), 0))
                .isInstanceOf(RetrySchedule.Decision.GiveUp.class);
        assertThat(schedule.afterTransientFailure(ARRIVAL, 41, expiry.minusNanos(1), 0))
                .isEqualTo(new RetrySchedule.Decision.RetryAt(expiry));
    }
}
