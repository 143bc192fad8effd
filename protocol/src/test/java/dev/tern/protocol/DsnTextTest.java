package dev.tern.protocol;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.protocol.DeliveryStatusNotification.Action;
import dev.tern.protocol.DeliveryStatusNotification.RecipientReport;
import jakarta.mail.BodyPart;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetHeaders;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The RFC 3461/3464 parts of a DSN: Original-Envelope-Id, Original-Recipient, delivered/relayed, RET=FULL framing. */
class DsnTextTest {

    private static final ZonedDateTime DATE = ZonedDateTime.of(2026, 11, 23, 16, 30, 43, 0, ZoneOffset.UTC);
    private static final Instant ARRIVAL = Instant.parse("2026-11-23T12:00:05Z");
    private static final MailAddress ALICE = new MailAddress("alice", "tern.test");
    private static final MailAddress BOB = new MailAddress("bob", "example.test");
    private static final byte[] HEADERS = "Subject: lunch?\r\nMessage-ID: <l1@tern.test>\r\n".getBytes(US_ASCII);
    private static final byte[] MESSAGE = "Subject: lunch?\r\nMessage-ID: <l1@tern.test>\r\n\r\nat noon\r\n"
            .getBytes(US_ASCII);

    private static DeliveryStatusNotification dsn(String envid, RecipientReport... reports) {
        return new DeliveryStatusNotification("mx.tern.test", "d1@mx.tern.test", DATE, ALICE, "Q1", ARRIVAL,
                List.of(reports), HEADERS, envid);
    }

    private static String text(byte[] bytes) {
        return new String(bytes, ISO_8859_1);
    }

    @Test
    void originalEnvelopeIdComesFirstAmongThePerMessageFields() {
        String text = text(dsn("QQ314159", RecipientReport.failed(BOB, "5.1.1", null, null, null)).toBytes());
        assertThat(text).contains("Content-Type: message/delivery-status\r\n\r\n"
                + "Original-Envelope-Id: QQ314159\r\nReporting-MTA: dns; mx.tern.test\r\n");
    }

    @Test
    void withoutEnvidNoOriginalEnvelopeId() {
        assertThat(text(dsn(null, RecipientReport.failed(BOB, "5.1.1", null, null, null)).toBytes()))
                .doesNotContain("Original-Envelope-Id");
    }

    @Test
    void envidCannotInjectAField() {
        assertThat(text(dsn("a\r\nAction: delivered", RecipientReport.failed(BOB, "5.1.1", null, null, null))
                .toBytes())).contains("Original-Envelope-Id: a Action: delivered\r\n").doesNotContain("\nAction: delivered");
    }

    @Test
    void originalRecipientFromOrcpt() {
        String text = text(dsn(null, RecipientReport.failed(BOB, "5.1.1", null, null, null)
                .withOriginalRecipient("Bob+x@example.test")).toBytes());
        assertThat(text).contains("Final-Recipient: rfc822; bob@example.test\r\n"
                + "Original-Recipient: rfc822; Bob+x@example.test\r\nAction: failed\r\n");
    }

    @Test
    void deliveredAndRelayedAreASuccessReport() {
        DeliveryStatusNotification dsn = dsn(null,
                RecipientReport.succeeded(ALICE, Action.DELIVERED, null, null, ARRIVAL),
                RecipientReport.succeeded(BOB, Action.RELAYED, "mx.example.test", null, ARRIVAL));
        String text = text(dsn.toBytes());
        assertThat(dsn.reportsFailure()).isFalse();
        assertThat(text).contains("Subject: Successful Mail Delivery Report\r\n")
                .contains("Action: delivered\r\nStatus: 2.0.0\r\n")
                .contains("Action: relayed\r\nStatus: 2.0.0\r\nRemote-MTA: dns; mx.example.test\r\n")
                .contains("successfully delivered")
                .contains("<alice@tern.test>: delivered to mailbox")
                .contains("Content-Description: Message Headers\r\n")
                .doesNotContain("THIS IS A WARNING").doesNotContain("could not be delivered");
    }

    @Test
    void delayedIsAWarning() {
        String text = text(dsn(null, RecipientReport.delayed(BOB, "4.4.1", null, null, ARRIVAL,
                ARRIVAL.plusSeconds(3600))).toBytes());
        assertThat(text).contains("Subject: Delayed Mail (still being retried)").contains("Action: delayed\r\n")
                .contains("Will-Retry-Until: ").contains("Content-Description: Undelivered Message Headers");
    }

    @Test
    void retFullFramesTheWholeMessageAsMessageRfc822() throws Exception {
        DeliveryStatusNotification dsn = dsn("E1", RecipientReport.failed(BOB, "5.1.1", null, null, null));
        DeliveryStatusNotification.Framing framing = dsn.aroundMessage(scan(MESSAGE));
        ByteArrayOutputStream whole = new ByteArrayOutputStream();
        whole.writeBytes(framing.head());
        whole.writeBytes(MESSAGE);
        whole.writeBytes(framing.tail());

        MimeMessage parsed = new MimeMessage(Session.getInstance(new Properties()),
                new ByteArrayInputStream(whole.toByteArray()));
        MimeMultipart report = new MimeMultipart(parsed.getDataHandler().getDataSource());
        assertThat(report.getCount()).isEqualTo(3);
        assertThat(report.isComplete()).isTrue();
        try (InputStream fields = report.getBodyPart(1).getInputStream()) {
            assertThat(new InternetHeaders(fields).getHeader("Original-Envelope-Id", null)).isEqualTo("E1");
        }
        BodyPart returned = report.getBodyPart(2);
        assertThat(returned.isMimeType("message/rfc822")).isTrue();
        assertThat(returned.getHeader("Content-Description")[0]).isEqualTo("Undelivered Message");
        try (InputStream in = returned.getInputStream()) {
            assertThat(in.readAllBytes()).isEqualTo(MESSAGE);
        }
    }

    @Test
    void retFullAvoidsABoundaryTheMessageContains() {
        DeliveryStatusNotification dsn = dsn(null, RecipientReport.failed(BOB, "5.1.1", null, null, null));
        String first = text(dsn.aroundMessage(scan(MESSAGE)).tail());
        byte[] hostile = ("Subject: x\r\n\r\n" + first.trim() + "\r\n").getBytes(US_ASCII);
        String second = text(dsn.aroundMessage(scan(hostile)).tail());
        assertThat(second).isNotEqualTo(first);
        assertThat(text(hostile)).doesNotContain(second.trim().replace("--", ""));
    }

    @Test
    void retFullDeclaresAnEightBitMessage() {
        DeliveryStatusNotification dsn = dsn(null, RecipientReport.failed(BOB, "5.1.1", null, null, null));
        byte[] eightBit = "Subject: caf\u00e9\r\n\r\nx\r\n".getBytes(ISO_8859_1);
        assertThat(text(dsn.aroundMessage(scan(eightBit)).head()))
                .contains("Content-Type: message/rfc822\r\nContent-Transfer-Encoding: 8bit\r\n\r\n");
        assertThat(text(dsn.aroundMessage(scan(MESSAGE)).head())).doesNotContain("Content-Transfer-Encoding");
    }

    private static DeliveryStatusNotification.MessageScan scan(byte[] message) {
        return new DeliveryStatusNotification.MessageScan() {
            @Override
            public boolean eightBit() {
                for (byte b : message) {
                    if (b < 0) {
                        return true;
                    }
                }
                return false;
            }

            @Override
            public boolean contains(byte[] text) {
                return new String(message, ISO_8859_1).contains(new String(text, ISO_8859_1));
            }
        };
    }
}
