package dev.tern.supervision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.apache.pekko.actor.typed.BackoffSupervisorStrategy;
import org.junit.jupiter.api.Test;

class BackoffCurveTest {

    private final BackoffCurve curve = new BackoffCurve(Duration.ofMinutes(1), Duration.ofMinutes(30), 0.2);

    @Test
    void doublesFromInitialUpToMax() {
        assertThat(curve.delay(1, 0)).isEqualTo(Duration.ofMinutes(1));
        assertThat(curve.delay(2, 0)).isEqualTo(Duration.ofMinutes(2));
        assertThat(curve.delay(3, 0)).isEqualTo(Duration.ofMinutes(4));
        assertThat(curve.delay(5, 0)).isEqualTo(Duration.ofMinutes(16));
        assertThat(curve.delay(6, 0)).isEqualTo(Duration.ofMinutes(30));
        assertThat(curve.delay(7, 0)).isEqualTo(Duration.ofMinutes(30));
    }

    @Test
    void randomFactorStretchesTheDelay() {
        assertThat(curve.delay(1, 1)).isEqualTo(Duration.ofSeconds(72));
        assertThat(curve.delay(1, 0.5)).isEqualTo(Duration.ofSeconds(66));
        assertThat(curve.delay(10, 1)).isEqualTo(Duration.ofMinutes(36));
    }

    @Test
    void largeFailureCountsDoNotOverflow() {
        Duration ceiling = Duration.ofMinutes(36);
        for (int failures : new int[] {31, 32, 62, 63, 64, 65, 1000, Integer.MAX_VALUE}) {
            assertThat(curve.delay(failures, 0)).as("failures %d", failures).isEqualTo(Duration.ofMinutes(30));
            assertThat(curve.delay(failures, 1)).as("failures %d", failures).isEqualTo(ceiling);
        }
        BackoffCurve huge = new BackoffCurve(Duration.ofNanos(1), Duration.ofNanos(Long.MAX_VALUE), 3.0);
        assertThat(huge.delay(63, 0)).isEqualTo(Duration.ofNanos(1L << 62));
        assertThat(huge.delay(64, 0)).isEqualTo(Duration.ofNanos(Long.MAX_VALUE));
        assertThat(huge.delay(Integer.MAX_VALUE, 1)).isPositive()
                .isLessThanOrEqualTo(Duration.ofNanos(Long.MAX_VALUE).multipliedBy(4));
    }

    @Test
    void neverAboveMaxTimesOnePlusRandomFactor() {
        BackoffCurve odd = new BackoffCurve(Duration.ofMillis(7), Duration.ofMillis(999), 0.37);
        Duration ceiling = Duration.ofNanos((long) Math.floor(Duration.ofMillis(999).toNanos() * 1.37));
        for (int failures = 1; failures < 80; failures++) {
            for (int percent = 0; percent <= 100; percent++) {
                assertThat(odd.delay(failures, percent / 100.0)).isLessThanOrEqualTo(ceiling)
                        .isGreaterThanOrEqualTo(Duration.ofMillis(7));
            }
        }
    }

    @Test
    void rejectsNonsense() {
        assertThatThrownBy(() -> new BackoffCurve(Duration.ZERO, Duration.ofSeconds(1), 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BackoffCurve(Duration.ofSeconds(2), Duration.ofSeconds(1), 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BackoffCurve(Duration.ofSeconds(1), Duration.ofSeconds(1), -0.1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BackoffCurve(Duration.ofSeconds(1), Duration.ofSeconds(1), Double.NaN))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BackoffCurve(Duration.ofSeconds(1), Duration.ofDays(365L * 1000), 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> curve.delay(0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> curve.delay(1, 1.5)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void supervisorStrategyResetsOnlyAfterMaxAndStashesLittle() {
        BackoffSupervisorStrategy strategy = curve.supervisorStrategy();
        assertThat(strategy.getResetBackoffAfter()).isEqualTo(Duration.ofMinutes(30));
    }
}
