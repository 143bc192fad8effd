package dev.tern.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.tern.protocol.MailAddress;
import dev.tern.protocol.ReversePath;

class QueueEntryTest {

    private static final Instant ARRIVAL = Instant.parse("2026-03-01T12:00:00Z");
    private static final MailAddress BOB = new MailAddress("bob", "example.org");
    private static final MailAddress CAROL = new MailAddress("carol", "example.org");
    private static final MailAddress DAN = new MailAddress("dan", "example.org");

    private static QueueEntry entry() {
        return QueueEntry.create("1ABC-1", "example.org", "1ABC",
                new ReversePath.Sender(new MailAddress("alice", "example.com")), ARRIVAL, 30, 100,
                List.of(BOB, CAROL, DAN));
    }

    @Test
    void aNewEntryIsAllPendingAndDue() {
        QueueEntry e = entry();

        assertThat(e.recipients()).extracting(RecipientState::status).containsOnly(RecipientStatus.PENDING);
        assertThat(e.pendingAddresses()).containsExactly(BOB, CAROL, DAN);
        assertThat(e.isComplete()).isFalse();
        assertThat(e.isDue(ARRIVAL, null)).isTrue();
        assertThat(e.attempts()).isZero();
        assertThat(e.nextAttempt()).isEmpty();
        assertThat(e.lastError()).isEmpty();
        assertThat(e.lastAttempt()).isEmpty();
        assertThat(e.failures()).isEmpty();
    }

    @Test
    void transitionsReturnNewEntriesAndLeaveTheOldOneAlone() {
        QueueEntry e = entry();
        Instant t1 = ARRIVAL.plusSeconds(5);
        Instant retry = t1.plus(Duration.ofMinutes(5));

        QueueEntry next = e.delivered(BOB, "mx.example.org", t1)
                .deferred(CAROL, "4.2.2", "smtp; 452 4.2.2 mailbox full", "mx.example.org", t1, retry)
                .failed(DAN, "5.1.1", "smtp; 550 5.1.1 no such user", "mx.example.org", t1);

        assertThat(e.recipients()).extracting(RecipientState::status).containsOnly(RecipientStatus.PENDING);
        assertThat(next.recipient(BOB)).isEqualTo(new RecipientState(BOB, RecipientStatus.DELIVERED, 1, t1, null,
                "2.0.0", null, "mx.example.org"));
        assertThat(next.recipient(CAROL)).isEqualTo(new RecipientState(CAROL, RecipientStatus.DEFERRED, 1, t1, retry,
                "4.2.2", "smtp; 452 4.2.2 mailbox full", "mx.example.org"));
        assertThat(next.recipient(DAN)).isEqualTo(new RecipientState(DAN, RecipientStatus.FAILED, 1, t1, null,
                "5.1.1", "smtp; 550 5.1.1 no such user", "mx.example.org"));
        assertThat(next.pendingAddresses()).containsExactly(CAROL);
        assertThat(next.failures()).extracting(RecipientState::address).containsExactly(DAN);
        assertThat(next.isComplete()).isFalse();
        assertThat(next.nextAttempt()).hasValue(retry);
        assertThat(next.attempts()).isEqualTo(1);
        assertThat(next.id()).isEqualTo(e.id());
        assertThat(next.bodyOffset()).isEqualTo(30);
    }

    @Test
    void deferralCountsAttemptsAndCompletesWhenAllAreFinal() {
        Instant t1 = ARRIVAL.plusSeconds(1);
        Instant t2 = ARRIVAL.plusSeconds(600);
        QueueEntry e = entry()
                .deferPending("4.4.1", "X-Tern; connect to mx: Connection refused", null, t1, t1.plusSeconds(300))
                .delivered(BOB, "mx", t2)
                .deferred(CAROL, "4.3.0", "smtp; 451 4.3.0 later", "mx", t2, t2.plusSeconds(900));

        assertThat(e.recipient(CAROL).attempts()).isEqualTo(2);
        assertThat(e.attempts()).isEqualTo(2);
        assertThat(e.lastAttempt()).hasValue(t2);
        assertThat(e.lastError()).hasValue("smtp; 451 4.3.0 later");
        // DAN is still due at t1 + 300, CAROL at t2 + 900: the earliest counts
        assertThat(e.nextAttempt()).hasValue(t1.plusSeconds(300));

        QueueEntry done = e.failPending("4.4.7", "X-Tern; gave up", null, t2.plusSeconds(1));
        assertThat(done.isComplete()).isTrue();
        assertThat(done.pending()).isEmpty();
        assertThat(done.failures()).extracting(RecipientState::address).containsExactly(CAROL, DAN);
        assertThat(done.recipient(BOB).status()).isEqualTo(RecipientStatus.DELIVERED);
        assertThat(done.isDue(t2.plusSeconds(100_000), t2.plusSeconds(100_000))).isFalse();
    }

    @Test
    void aFinalRecipientCannotChangeAndStrangersAreRejected() {
        QueueEntry e = entry().delivered(BOB, "mx", ARRIVAL);

        assertThatThrownBy(() -> e.failed(BOB, "5.0.0", "x", null, ARRIVAL)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> e.delivered(new MailAddress("eve", "example.org"), "mx", ARRIVAL))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> e.recipient(new MailAddress("eve", "example.org")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void isDueWhenTheNextAttemptHasComeOrAFlushFollowsTheLastAttempt() {
        Instant t1 = ARRIVAL.plusSeconds(10);
        Instant retry = t1.plusSeconds(300);
        QueueEntry e = entry().deferPending("4.4.1", "refused", null, t1, retry);

        assertThat(e.isDue(t1.plusSeconds(299), null)).isFalse();
        assertThat(e.isDue(retry, null)).isTrue();
        assertThat(e.isDue(retry.plusSeconds(1), null)).isTrue();
        // a flush requested after the last attempt makes it due at once; one from before does not
        assertThat(e.isDue(t1.plusSeconds(20), t1.plusSeconds(15))).isTrue();
        assertThat(e.isDue(t1.plusSeconds(20), t1.minusSeconds(1))).isFalse();
        assertThat(e.isDue(t1.plusSeconds(20), t1)).isFalse();
    }

    @Test
    void recipientsMustBeDistinctAndIdsFileSafe() {
        assertThatThrownBy(() -> QueueEntry.create("A-1", "example.org", "A", ReversePath.NULL, ARRIVAL, 0, 1,
                List.of(BOB, BOB))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> QueueEntry.create("../x", "example.org", "A", ReversePath.NULL, ARRIVAL, 0, 1,
                List.of(BOB))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> QueueEntry.create("A-1", "example.org", "A", ReversePath.NULL, ARRIVAL, 0, 1,
                List.of())).isInstanceOf(IllegalArgumentException.class);
    }
}
