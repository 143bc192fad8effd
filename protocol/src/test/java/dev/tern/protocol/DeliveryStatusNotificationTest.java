package dev.tern.protocol;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tern.protocol.DeliveryStatusNotification.RecipientReport;
import jakarta.mail.BodyPart;
import jakarta.mail.Session;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.InternetHeaders;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class DeliveryStatusNotificationTest {

    private static final ZonedDateTime DATE = ZonedDateTime.of(2026, 11, 23, 16, 30, 43, 0, ZoneOffset.UTC);
    private static final Instant ARRIVAL = Instant.parse("2026-11-23T12:00:05Z");
    private static final Instant LAST = Instant.parse("2026-11-23T16:30:40Z");
    private static final MailAddress ALICE = new MailAddress("alice", "tern.test");
    private static final MailAddress BOB = new MailAddress("bob", "example.test");
    private static final MailAddress CAROL = new MailAddress("carol", "example.test");
    private static final String HEADERS = "Received: from client.tern.test ([127.0.0.1])\r\n"
            + "\tby mx.tern.test (Tern) with ESMTP id 4XyZ12; Mon, 23 Nov 2026 12:00:05 +0000\r\n"
            + "From: Alice <alice@tern.test>\r\n"
            + "To: bob@example.test, carol@example.test\r\n"
            + "Subject: lunch?\r\n"
            + "Message-ID: <lunch-1@tern.test>\r\n";

    private static DeliveryStatusNotification dsn(List<RecipientReport> recipients, String headers) {
        return new DeliveryStatusNotification("mx.tern.test", "<dsn-4XyZ12@mx.tern.test>", DATE, ALICE, "4XyZ12",
                ARRIVAL, recipients, headers.getBytes(ISO_8859_1));
    }

    private static final RecipientReport BOB_FAILED = RecipientReport.failed(BOB, "5.1.1",
            "mx.example.test[127.0.0.2]", "smtp; 550 5.1.1 <bob@example.test>: Recipient address rejected", LAST);
    private static final RecipientReport CAROL_FAILED = new RecipientReport(CAROL, "carol@old.example.test",
            DeliveryStatusNotification.Action.FAILED, "4.4.1", null,
            "X-Tern; connect to mx.example.test[127.0.0.2]:25: Connection refused", LAST, null);

    private static String text(byte[] bytes) {
        return new String(bytes, ISO_8859_1);
    }

    private static String boundaryOf(String message) {
        Matcher m = Pattern.compile("\tboundary=\"([^\"]+)\"\r\n").matcher(message);
        assertThat(m.find()).isTrue();
        return m.group(1);
    }

    @Test
    void headerBlockOfAFailureReport() {
        String message = text(dsn(List.of(BOB_FAILED), HEADERS).toBytes());
        String boundary = boundaryOf(message);

        assertThat(message).startsWith("From: MAILER-DAEMON@mx.tern.test (Mail Delivery System)\r\n"
                + "To: alice@tern.test\r\n"
                + "Subject: Undelivered Mail Returned to Sender\r\n"
                + "Date: Mon, 23 Nov 2026 16:30:43 +0000\r\n"
                + "Message-ID: <dsn-4XyZ12@mx.tern.test>\r\n"
                + "Auto-Submitted: auto-replied\r\n"
                + "MIME-Version: 1.0\r\n"
                + "Content-Type: multipart/report; report-type=delivery-status;\r\n"
                + "\tboundary=\"" + boundary + "\"\r\n"
                + "\r\n"
                + "This is a MIME-encapsulated message.\r\n"
                + "\r\n"
                + "--" + boundary + "\r\n"
                + "Content-Description: Notification\r\n"
                + "Content-Type: text/plain; charset=us-ascii\r\n"
                + "\r\n"
                + "This is the mail system at host mx.tern.test.\r\n");
        assertThat(message).endsWith("\r\n" + HEADERS + "\r\n--" + boundary + "--\r\n");
    }

    @Test
    void deliveryStatusFieldsExactly() {
        String message = text(dsn(List.of(BOB_FAILED, CAROL_FAILED), HEADERS).toBytes());
        String boundary = boundaryOf(message);

        assertThat(message).contains("--" + boundary + "\r\n"
                + "Content-Description: Delivery report\r\n"
                + "Content-Type: message/delivery-status\r\n"
                + "\r\n"
                + "Reporting-MTA: dns; mx.tern.test\r\n"
                + "X-Tern-Queue-ID: 4XyZ12\r\n"
                + "Arrival-Date: Mon, 23 Nov 2026 12:00:05 +0000\r\n"
                + "\r\n"
                + "Final-Recipient: rfc822; bob@example.test\r\n"
                + "Action: failed\r\n"
                + "Status: 5.1.1\r\n"
                + "Remote-MTA: dns; mx.example.test\r\n"
                + "Diagnostic-Code: smtp; 550 5.1.1 <bob@example.test>: Recipient address rejected\r\n"
                + "Last-Attempt-Date: Mon, 23 Nov 2026 16:30:40 +0000\r\n"
                + "\r\n"
                + "Final-Recipient: rfc822; carol@example.test\r\n"
                + "Original-Recipient: rfc822; carol@old.example.test\r\n"
                + "Action: failed\r\n"
                + "Status: 4.4.1\r\n"
                + "Diagnostic-Code: X-Tern; connect to mx.example.test[127.0.0.2]:25: Connection refused\r\n"
                + "Last-Attempt-Date: Mon, 23 Nov 2026 16:30:40 +0000\r\n"
                + "\r\n"
                + "--" + boundary + "\r\n"
                + "Content-Description: Undelivered Message Headers\r\n"
                + "Content-Type: text/rfc822-headers\r\n"
                + "\r\n");
    }

    @Test
    void explanationNamesEachRecipientAndReason() {
        String message = text(dsn(List.of(BOB_FAILED, CAROL_FAILED), HEADERS).toBytes());

        assertThat(message).contains("I'm sorry to have to inform you that your message could not be delivered")
                .contains("<bob@example.test>: host mx.example.test[127.0.0.2] said: 550 5.1.1\r\n"
                        + "    <bob@example.test>: Recipient address rejected\r\n")
                .contains("<carol@example.test>: connect to mx.example.test[127.0.0.2]:25: Connection\r\n"
                        + "    refused\r\n")
                .doesNotContain("THIS IS A WARNING");
    }

    @Test
    void angusMailParsesItAsAThreePartReport() throws Exception {
        byte[] bytes = dsn(List.of(BOB_FAILED, CAROL_FAILED), HEADERS).toBytes();
        MimeMessage parsed = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(bytes));

        ContentType type = new ContentType(parsed.getContentType());
        assertThat(type.getBaseType()).isEqualTo("multipart/report");
        assertThat(type.getParameter("report-type")).isEqualTo("delivery-status");
        assertThat(parsed.getSubject()).isEqualTo("Undelivered Mail Returned to Sender");
        assertThat(parsed.getHeader("Auto-Submitted", null)).isEqualTo("auto-replied");
        assertThat(((InternetAddress) parsed.getFrom()[0]).getAddress()).isEqualTo("MAILER-DAEMON@mx.tern.test");
        assertThat(parsed.getAllRecipients()).extracting(Object::toString).containsExactly("alice@tern.test");
        assertThat(parsed.getSentDate().toInstant()).isEqualTo(DATE.toInstant());
        assertThat(parsed.getMessageID()).isEqualTo("<dsn-4XyZ12@mx.tern.test>");

        MimeMultipart report = new MimeMultipart(parsed.getDataHandler().getDataSource());
        assertThat(report.getCount()).isEqualTo(3);
        assertThat(report.isComplete()).isTrue();
        assertThat(report.getPreamble()).contains("MIME-encapsulated");

        BodyPart explanation = report.getBodyPart(0);
        assertThat(explanation.isMimeType("text/plain")).isTrue();
        assertThat((String) explanation.getContent()).startsWith("This is the mail system at host mx.tern.test.");

        BodyPart status = report.getBodyPart(1);
        assertThat(status.isMimeType("message/delivery-status")).isTrue();
        try (InputStream fields = status.getInputStream()) {
            InternetHeaders perMessage = new InternetHeaders(fields);
            assertThat(perMessage.getHeader("Reporting-MTA", null)).isEqualTo("dns; mx.tern.test");
            assertThat(perMessage.getHeader("Arrival-Date", null)).isEqualTo("Mon, 23 Nov 2026 12:00:05 +0000");
            InternetHeaders bob = new InternetHeaders(fields);
            assertThat(bob.getHeader("Final-Recipient", null)).isEqualTo("rfc822; bob@example.test");
            assertThat(bob.getHeader("Action", null)).isEqualTo("failed");
            assertThat(bob.getHeader("Status", null)).isEqualTo("5.1.1");
            assertThat(bob.getHeader("Remote-MTA", null)).isEqualTo("dns; mx.example.test");
            assertThat(bob.getHeader("Diagnostic-Code", null))
                    .isEqualTo("smtp; 550 5.1.1 <bob@example.test>: Recipient address rejected");
            InternetHeaders carol = new InternetHeaders(fields);
            assertThat(carol.getHeader("Final-Recipient", null)).isEqualTo("rfc822; carol@example.test");
            assertThat(carol.getHeader("Original-Recipient", null)).isEqualTo("rfc822; carol@old.example.test");
            assertThat(carol.getHeader("Status", null)).isEqualTo("4.4.1");
            assertThat(carol.getHeader("Remote-MTA", null)).isNull();
        }

        BodyPart headers = report.getBodyPart(2);
        assertThat(headers.isMimeType("text/rfc822-headers")).isTrue();
        try (InputStream in = headers.getInputStream()) {
            assertThat(in.readAllBytes()).isEqualTo(HEADERS.getBytes(US_ASCII));
        }
    }

    @Test
    void onlyCrlfLineEndingsAsciiAndShortLines() {
        String longReply = "smtp; 550 5.7.1 " + "blocked ".repeat(300);
        byte[] bytes = dsn(List.of(RecipientReport.failed(BOB, "5.7.1", "mx.example.test", longReply, LAST)),
                HEADERS).toBytes();

        for (int i = 0; i < bytes.length; i++) {
            assertThat(bytes[i]).as("octet %d", i).isBetween((byte) 1, (byte) 127);
            if (bytes[i] == '\n') {
                assertThat(bytes[i - 1]).as("LF at %d", i).isEqualTo((byte) '\r');
            }
            if (bytes[i] == '\r') {
                assertThat(bytes[i + 1]).as("CR at %d", i).isEqualTo((byte) '\n');
            }
        }
        for (String line : text(bytes).split("\r\n")) {
            assertThat(line.length()).isLessThanOrEqualTo(998);
        }
        assertThat(text(bytes)).contains("Diagnostic-Code: smtp; 550 5.7.1 blocked blocked")
                .containsPattern("Diagnostic-Code: smtp; 550 5.7.1 [a-z ]{800,}\\.\\.\\.\r\n");
    }

    @Test
    void diagnosticsCannotInjectHeadersOrFields() {
        RecipientReport hostile = RecipientReport.failed(new MailAddress("bob", "example.test"), "5.0.0",
                "mx\r\nX-Evil: 1", "smtp; 550 nope\r\nAction: delivered\r\n\r\nSubject: hi \u00e9\u0000", LAST);
        String message = text(dsn(List.of(hostile), HEADERS).toBytes());

        assertThat(message).contains("Diagnostic-Code: smtp; 550 nope Action: delivered Subject: hi ?\r\n")
                .contains("Remote-MTA: dns; mx_X-Evil:_1\r\n")
                .doesNotContain("\r\nAction: delivered", "\r\nX-Evil", "\r\nSubject: hi");
    }

    @Test
    void delayedWarning() {
        Instant until = ARRIVAL.plus(Duration.ofDays(5));
        RecipientReport delayed = RecipientReport.delayed(BOB, "4.4.1", null,
                "X-Tern; connect to mx.example.test[127.0.0.2]:25: Connection refused", LAST, until);
        String message = text(dsn(List.of(delayed), HEADERS).toBytes());

        assertThat(message).contains("Subject: Delayed Mail (still being retried)\r\n")
                .contains("# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #\r\n")
                .contains("Your message could not be delivered for 4 hours.")
                .contains("Action: delayed\r\nStatus: 4.4.1\r\n")
                .contains("Will-Retry-Until: Sat, 28 Nov 2026 12:00:05 +0000\r\n")
                .doesNotContain("I'm sorry");
        assertThat(dsn(List.of(delayed), HEADERS).reportsFailure()).isFalse();
    }

    @Test
    void failedAndDelayedTogetherIsAFailureReport() {
        RecipientReport delayed = RecipientReport.delayed(CAROL, "4.2.2", "mx.example.test",
                "smtp; 452 4.2.2 Mailbox full", LAST, null);
        String message = text(dsn(List.of(BOB_FAILED, delayed), HEADERS).toBytes());

        assertThat(message).contains("Subject: Undelivered Mail Returned to Sender\r\n")
                .contains("Delivery to these recipients failed:")
                .contains("Delivery to these recipients is still being retried:\r\n\r\n"
                        + "<carol@example.test>: host mx.example.test said: 452 4.2.2 Mailbox full\r\n");
    }

    @Test
    void boundaryNeverOccursInTheContent() {
        String first = text(dsn(List.of(BOB_FAILED), HEADERS).toBytes());
        String boundary = boundaryOf(first);
        // a sender who guessed the boundary and put it in a header
        String trap = HEADERS + "X-Trap: --" + boundary + "\r\n";

        String message = text(dsn(List.of(BOB_FAILED), trap).toBytes());
        String chosen = boundaryOf(message);

        // the boundary depends on the content; make sure the trap is there either way
        assertThat(message).contains("X-Trap: --" + boundary + "\r\n");
        String withoutDelimiters = message.replace("\tboundary=\"" + chosen + "\"", "")
                .replace("\r\n--" + chosen + "--\r\n", "").replace("\r\n--" + chosen + "\r\n", "");
        assertThat(withoutDelimiters).doesNotContain(chosen);
    }

    @Test
    void originalHeadersAreNormalizedOnlyWhenMalformed() {
        assertThat(DeliveryStatusNotification.normalizedHeaders("A: 1\r\nB: 2\r\n".getBytes(US_ASCII)))
                .isEqualTo("A: 1\r\nB: 2\r\n".getBytes(US_ASCII));
        assertThat(DeliveryStatusNotification.normalizedHeaders("A: 1\nB: 2\rC: 3".getBytes(US_ASCII)))
                .isEqualTo("A: 1\r\nB: 2\r\nC: 3\r\n".getBytes(US_ASCII));
        byte[] folded = DeliveryStatusNotification.normalizedHeaders(("X: " + "y".repeat(2000)).getBytes(US_ASCII));
        for (String line : text(folded).split("\r\n")) {
            assertThat(line.length()).isLessThanOrEqualTo(998);
        }
        assertThat(DeliveryStatusNotification.normalizedHeaders(new byte[0])).isEmpty();
    }

    @Test
    void eightBitOriginalHeadersAreDeclared() {
        String message = text(dsn(List.of(BOB_FAILED), "Subject: caf\u00e9\r\n").toBytes());

        assertThat(message).contains("\tboundary=").contains("Content-Transfer-Encoding: 8bit\r\n")
                .contains("Content-Type: text/rfc822-headers\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
                        + "Subject: caf\u00e9\r\n");
        assertThat(text(dsn(List.of(BOB_FAILED), HEADERS).toBytes())).doesNotContain("Content-Transfer-Encoding");
    }

    @Test
    void messageIdIsBracketedOnce() {
        DeliveryStatusNotification bare = new DeliveryStatusNotification("mx.tern.test", "abc@mx.tern.test", DATE,
                ALICE, null, ARRIVAL, List.of(BOB_FAILED), new byte[0]);
        String message = text(bare.toBytes());
        assertThat(message).contains("Message-ID: <abc@mx.tern.test>\r\n").doesNotContain("X-Tern-Queue-ID");
    }

    @Test
    void rejectsBadInput() {
        assertThatThrownBy(() -> RecipientReport.failed(BOB, "5.1", null, null, null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> dsn(List.of(), HEADERS)).isInstanceOf(IllegalArgumentException.class);
    }
}
