package dev.tern.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReceivedHeaderTest {

    private static final ZonedDateTime WHEN = ZonedDateTime.of(2026, 11, 23, 16, 30, 43, 0, ZoneOffset.UTC);
    private static final MailAddress ALICE = new MailAddress("alice", "tern.test");
    private static final MailAddress BOB = new MailAddress("bob", "tern.test");

    @Test
    void oneRecipientIsNamed() {
        String header = ReceivedHeader.received("client.example", "192.0.2.7", "mx.tern.test", "ESMTP",
                "4XyZ12", List.of(ALICE), WHEN);
        assertThat(header).isEqualTo(
                "Received: from client.example ([192.0.2.7])\r\n"
                        + "\tby mx.tern.test (Tern) with ESMTP id 4XyZ12\r\n"
                        + "\tfor <alice@tern.test>; Mon, 23 Nov 2026 16:30:43 +0000\r\n");
    }

    @Test
    void severalRecipientsAreNotDisclosed() {
        String header = ReceivedHeader.received("client.example", "192.0.2.7", "mx.tern.test", "SMTP",
                "4XyZ12", List.of(ALICE, BOB), WHEN);
        assertThat(header).isEqualTo(
                "Received: from client.example ([192.0.2.7])\r\n"
                        + "\tby mx.tern.test (Tern) with SMTP id 4XyZ12; Mon, 23 Nov 2026 16:30:43 +0000\r\n");
        assertThat(header).doesNotContain("for ", "alice", "bob");
    }

    @Test
    void dateIsInRfc5322FormWithANumericZone() {
        assertThat(ReceivedHeader.RFC5322_DATE.format(WHEN)).isEqualTo("Mon, 23 Nov 2026 16:30:43 +0000");
        assertThat(ReceivedHeader.RFC5322_DATE.format(ZonedDateTime.of(2026, 1, 5, 6, 7, 8, 0, ZoneId.of("UTC"))))
                .isEqualTo("Mon, 5 Jan 2026 06:07:08 +0000");
        assertThat(ReceivedHeader.RFC5322_DATE.format(
                ZonedDateTime.of(2026, 7, 4, 23, 59, 59, 0, ZoneOffset.ofHoursMinutes(-5, -30))))
                .isEqualTo("Sat, 4 Jul 2026 23:59:59 -0530");
    }

    @Test
    void clientNameIsSanitized() {
        String header = ReceivedHeader.received("evil (comment)\\x\u0001\u00e9 name", "192.0.2.7", "mx.tern.test",
                "ESMTP", "id1", List.of(ALICE), WHEN);
        assertThat(header).startsWith("Received: from evil??comment??x???name ([192.0.2.7])\r\n");
    }

    @Test
    void sanitizeReplacesEveryForbiddenCharacter() {
        assertThat(ReceivedHeader.sanitize("a(b)c\\d e\tf\r\ng\u007fh")).isEqualTo("a?b?c?d?e?f??g?h");
        assertThat(ReceivedHeader.sanitize("[192.0.2.1]")).isEqualTo("[192.0.2.1]");
    }

    @Test
    void sanitizedClientNameIsCappedAt255Characters() {
        assertThat(ReceivedHeader.sanitize("x".repeat(1000))).hasSize(255);
    }

    @Test
    void returnPathOfASender() {
        assertThat(ReceivedHeader.returnPath(new ReversePath.Sender(new MailAddress("Alice", "Tern.Test"))))
                .isEqualTo("Return-Path: <Alice@tern.test>\r\n");
    }

    @Test
    void returnPathOfTheNullSender() {
        assertThat(ReceivedHeader.returnPath(ReversePath.NULL)).isEqualTo("Return-Path: <>\r\n");
    }
}
