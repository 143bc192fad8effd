package dev.tern.protocol;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A delivery status notification (RFC 3464) to the sender of a message that could not be
 * delivered (Action: failed) or not yet (Action: delayed): a multipart/report (RFC 6522) of
 * a human-readable explanation, the machine-readable message/delivery-status, and the original
 * message's header block as text/rfc822-headers (never its body).
 *
 * <p>Everything that came from outside (reply text, addresses, host names) is made one line
 * of printable ASCII before it goes into a header or field, so nothing can inject lines. The
 * output has CRLF line endings and no line longer than 998 octets; the returned header bytes
 * are copied as they are (line endings normalized), so the DSN is 7-bit unless they are not.
 *
 * @param reportingMta    this host's name: Reporting-MTA, and the From: MAILER-DAEMON@host
 * @param messageId       the DSN's own Message-ID, with or without angle brackets
 * @param date            the DSN's Date:, whose zone the other dates are shown in
 * @param returnTo        the original envelope sender: the DSN goes to it (never sent for a null sender)
 * @param queueId         the queue id of the original message (X-Tern-Queue-ID), or {@code null}
 * @param arrival         when the original message arrived (Arrival-Date)
 * @param recipients      one report per recipient, at least one
 * @param originalHeaders the original message's header block, e.g. from {@link OriginalHeaders}
 * @param envelopeId      the ENVID the sender gave (RFC 3461 §4.4), reported as Original-Envelope-Id, or {@code null}
 */
public record DeliveryStatusNotification(String reportingMta, String messageId, ZonedDateTime date,
                                         MailAddress returnTo, String queueId, Instant arrival,
                                         List<RecipientReport> recipients, byte[] originalHeaders,
                                         String envelopeId) {

    /** Without an envelope id. */
    public DeliveryStatusNotification(String reportingMta, String messageId, ZonedDateTime date,
                                      MailAddress returnTo, String queueId, Instant arrival,
                                      List<RecipientReport> recipients, byte[] originalHeaders) {
        this(reportingMta, messageId, date, returnTo, queueId, arrival, recipients, originalHeaders, null);
    }

    public static final String FAILED_SUBJECT = "Undelivered Mail Returned to Sender";
    public static final String DELAYED_SUBJECT = "Delayed Mail (still being retried)";
    /** Postfix's subject for a report of only delivered and relayed recipients (RFC 3461 NOTIFY=SUCCESS). */
    public static final String SUCCESS_SUBJECT = "Successful Mail Delivery Report";

    private static final String CRLF = "\r\n";
    private static final Pattern STATUS = Pattern.compile("[245]\\.\\d{1,3}\\.\\d{1,3}");
    // RFC 5322 §2.1.1: lines of at most 998 octets; field values are capped well below that
    private static final int MAX_LINE = 998;
    private static final int MAX_VALUE = 900;
    private static final int TEXT_WIDTH = 76;

    /** RFC 3464 §2.3.3 action values this MTA reports. */
    public enum Action {
        FAILED("failed"), DELAYED("delayed"), DELIVERED("delivered"),
        /** handed to a next hop that does not offer DSN (RFC 3461 §5.2.2) */
        RELAYED("relayed");

        private final String keyword;

        Action(String keyword) {
            this.keyword = keyword;
        }

        public String keyword() {
            return keyword;
        }
    }

    /**
     * One per-recipient group of the delivery-status part.
     *
     * @param originalRecipient the ORCPT address (RFC 3461), or {@code null}
     * @param status            RFC 3463 {@code x.y.z}
     * @param remoteMta         the host that gave the diagnostic, or {@code null}; Postfix's
     *                          {@code name[address]} form is accepted: the Remote-MTA field gets the name,
     *                          the explanation shows both
     * @param diagnostic        {@code "smtp; 550 5.1.1 User unknown"} (diagnostic-type; text), or {@code null}
     * @param lastAttempt       or {@code null}
     * @param willRetryUntil    for delayed recipients, the end of the queue lifetime, or {@code null}
     */
    public record RecipientReport(MailAddress address, String originalRecipient, Action action, String status,
                                  String remoteMta, String diagnostic, Instant lastAttempt, Instant willRetryUntil) {

        public RecipientReport {
            Objects.requireNonNull(address, "address");
            Objects.requireNonNull(action, "action");
            if (status == null || !STATUS.matcher(status).matches()) {
                throw new IllegalArgumentException("not an RFC 3463 status: " + status);
            }
        }

        public static RecipientReport failed(MailAddress address, String status, String remoteMta,
                                             String diagnostic, Instant lastAttempt) {
            return new RecipientReport(address, null, Action.FAILED, status, remoteMta, diagnostic, lastAttempt, null);
        }

        /** Delivered into its mailbox here (Action: delivered), or relayed to a next hop without DSN. */
        public static RecipientReport succeeded(MailAddress address, Action action, String remoteMta,
                                                String diagnostic, Instant when) {
            if (action != Action.DELIVERED && action != Action.RELAYED) {
                throw new IllegalArgumentException("not a success: " + action);
            }
            return new RecipientReport(address, null, action, "2.0.0", remoteMta, diagnostic, when, null);
        }

        /** This report with the recipient's ORCPT address (RFC 3464 §2.3.1), if any. */
        public RecipientReport withOriginalRecipient(String original) {
            return new RecipientReport(address, original, action, status, remoteMta, diagnostic, lastAttempt,
                    willRetryUntil);
        }

        /**
         * This report with the ORCPT the sender gave (RFC 3464 §2.3.1), if any: the field is written as
         * {@code rfc822}, so only an address of that type.
         */
        public RecipientReport withOriginalRecipient(OriginalRecipient orcpt) {
            return orcpt != null && orcpt.addressType().equals("rfc822") ? withOriginalRecipient(orcpt.address()) : this;
        }

        public static RecipientReport delayed(MailAddress address, String status, String remoteMta,
                                              String diagnostic, Instant lastAttempt, Instant willRetryUntil) {
            return new RecipientReport(address, null, Action.DELAYED, status, remoteMta, diagnostic, lastAttempt,
                    willRetryUntil);
        }
    }

    public DeliveryStatusNotification {
        Objects.requireNonNull(reportingMta, "reportingMta");
        Objects.requireNonNull(messageId, "messageId");
        Objects.requireNonNull(date, "date");
        Objects.requireNonNull(returnTo, "returnTo");
        Objects.requireNonNull(arrival, "arrival");
        recipients = List.copyOf(recipients);
        if (recipients.isEmpty()) {
            throw new IllegalArgumentException("a DSN reports on at least one recipient");
        }
        originalHeaders = originalHeaders.clone();
    }

    @Override
    public byte[] originalHeaders() {
        return originalHeaders.clone();
    }

    /** Whether any recipient failed for good (else every one is delayed: a warning). */
    public boolean reportsFailure() {
        return recipients.stream().anyMatch(r -> r.action() == Action.FAILED);
    }

    public String subject() {
        if (reportsFailure()) {
            return FAILED_SUBJECT;
        }
        return recipients.stream().anyMatch(r -> r.action() == Action.DELAYED) ? DELAYED_SUBJECT : SUCCESS_SUBJECT;
    }

    /**
     * The DSN around the whole original message (RET=FULL, RFC 3461 §4.3), as a message/rfc822 part: the octets
     * before the message and after it. The caller streams the message in between, so it is never held here.
     *
     * @param original what the caller found by reading the message once: whether it has 8-bit octets, and
     *                 whether a candidate boundary occurs in it
     */
    public Framing aroundMessage(MessageScan original) {
        String host = token(reportingMta);
        byte[] notification = ascii(explanation(host));
        byte[] status = ascii(deliveryStatus(host));
        String boundary = boundary(notification, status);
        for (int n = 1; original.contains(ascii(boundary)); n++) {
            boundary = boundary(notification, status) + "-m" + n;
        }
        boolean eightBit = original.eightBit();
        ByteArrayOutputStream head = new ByteArrayOutputStream(notification.length + status.length + 2048);
        writeParts(head, boundary, eightBit, notification, status);
        write(head, "Content-Description: " + (subject().equals(SUCCESS_SUBJECT) ? "Message" : "Undelivered Message") + CRLF
                + "Content-Type: message/rfc822" + CRLF
                + (eightBit ? "Content-Transfer-Encoding: 8bit" + CRLF : "")
                + CRLF);
        return new Framing(head.toByteArray(), ascii(CRLF + "--" + boundary + "--" + CRLF));
    }

    /** What comes before and after the returned message. */
    public record Framing(byte[] head, byte[] tail) {
    }

    /** What {@link #aroundMessage} needs to know of the message it frames. */
    public interface MessageScan {
        boolean eightBit();

        boolean contains(byte[] text);
    }

    /** The complete message, ready to be queued for delivery to {@link #returnTo()}. */
    public byte[] toBytes() {
        String host = token(reportingMta);
        byte[] notification = ascii(explanation(host));
        byte[] status = ascii(deliveryStatus(host));
        byte[] headers = normalizedHeaders(originalHeaders);
        boolean eightBit = hasEightBit(headers);

        String boundary = boundary(notification, status, headers);
        ByteArrayOutputStream out = new ByteArrayOutputStream(notification.length + status.length
                + headers.length + 2048);
        writeParts(out, boundary, eightBit, notification, status);
        write(out, "Content-Description: " + (subject().equals(SUCCESS_SUBJECT) ? "" : "Undelivered ") + "Message Headers" + CRLF
                + "Content-Type: text/rfc822-headers" + CRLF
                + (eightBit ? "Content-Transfer-Encoding: 8bit" + CRLF : "")
                + CRLF);
        out.writeBytes(headers);
        // the CRLF before a delimiter belongs to the delimiter (RFC 2046 §5.1.1): each part's
        // content keeps its own final CRLF
        write(out, CRLF + "--" + boundary + "--" + CRLF);
        return out.toByteArray();
    }

    /** The message's header, the explanation and the delivery-status part, up to the third part's header. */
    private void writeParts(ByteArrayOutputStream out, String boundary, boolean eightBit, byte[] notification,
                            byte[] status) {
        String host = token(reportingMta);
        write(out, "From: MAILER-DAEMON@" + host + " (Mail Delivery System)" + CRLF
                + "To: " + value(returnTo.toString()) + CRLF
                + "Subject: " + subject() + CRLF
                + "Date: " + ReceivedHeader.RFC5322_DATE.format(date) + CRLF
                + "Message-ID: " + messageIdValue() + CRLF
                + "Auto-Submitted: auto-replied" + CRLF // RFC 3834 §5: no auto-replies to this
                + "MIME-Version: 1.0" + CRLF
                + "Content-Type: multipart/report; report-type=delivery-status;" + CRLF
                + "\tboundary=\"" + boundary + "\"" + CRLF
                + (eightBit ? "Content-Transfer-Encoding: 8bit" + CRLF : "")
                + CRLF
                + "This is a MIME-encapsulated message." + CRLF
                + CRLF
                + "--" + boundary + CRLF
                + "Content-Description: Notification" + CRLF
                + "Content-Type: text/plain; charset=us-ascii" + CRLF
                + CRLF);
        out.writeBytes(notification);
        write(out, CRLF + "--" + boundary + CRLF
                + "Content-Description: Delivery report" + CRLF
                + "Content-Type: message/delivery-status" + CRLF
                + CRLF);
        out.writeBytes(status);
        write(out, CRLF + "--" + boundary + CRLF);
    }

    // --- the human-readable part, after Postfix's bounce template

    private String explanation(String host) {
        List<RecipientReport> failed = new ArrayList<>();
        List<RecipientReport> delayed = new ArrayList<>();
        List<RecipientReport> succeeded = new ArrayList<>();
        for (RecipientReport r : recipients) {
            (r.action() == Action.FAILED ? failed : r.action() == Action.DELAYED ? delayed : succeeded).add(r);
        }
        StringBuilder text = new StringBuilder(1024)
                .append("This is the mail system at host ").append(host).append('.').append(CRLF).append(CRLF);
        if (!failed.isEmpty()) {
            text.append(wrap("I'm sorry to have to inform you that your message could not be delivered to one "
                    + "or more recipients. The headers of your message are attached below.", ""));
        } else if (delayed.isEmpty()) {
            text.append(wrap("Your message was successfully delivered to the destination(s) listed below. If the "
                    + "message was delivered to a mailbox you will receive no further notifications. Otherwise you "
                    + "may still receive notifications of mail delivery errors from other systems.", ""));
        } else {
            text.append("####################################################################").append(CRLF)
                    .append("# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #").append(CRLF)
                    .append("####################################################################").append(CRLF)
                    .append(CRLF)
                    .append(wrap("Your message could not be delivered for " + age() + ". The mail system will "
                            + "keep trying; you will be notified if it gives up.", ""));
        }
        text.append(CRLF)
                .append(wrap("For further assistance, please send mail to postmaster. If you do so, please "
                        + "include this problem report.", ""))
                .append(CRLF)
                .append("                   The mail system").append(CRLF);
        if (!failed.isEmpty() && !delayed.isEmpty()) {
            text.append(CRLF).append("Delivery to these recipients failed:").append(CRLF);
        }
        for (RecipientReport r : failed) {
            text.append(CRLF).append(wrap(reason(r), "    "));
        }
        if (!failed.isEmpty() && !delayed.isEmpty()) {
            text.append(CRLF).append("Delivery to these recipients is still being retried:").append(CRLF);
        }
        for (RecipientReport r : delayed) {
            text.append(CRLF).append(wrap(reason(r), "    "));
        }
        if (!succeeded.isEmpty() && !(failed.isEmpty() && delayed.isEmpty())) {
            text.append(CRLF).append("Delivery to these recipients succeeded:").append(CRLF);
        }
        for (RecipientReport r : succeeded) {
            text.append(CRLF).append(wrap(reason(r), "    "));
        }
        return text.toString();
    }

    private String age() {
        Duration age = Duration.between(arrival, date.toInstant());
        if (age.toDays() >= 2) {
            return age.toDays() + " days";
        }
        if (age.toHours() >= 1) {
            return age.toHours() + (age.toHours() == 1 ? " hour" : " hours");
        }
        long minutes = Math.max(0, age.toMinutes());
        return minutes + (minutes == 1 ? " minute" : " minutes");
    }

    /** {@code <bob@example>: host mx.example[192.0.2.1] said: 550 5.1.1 User unknown}. */
    private String reason(RecipientReport r) {
        StringBuilder line = new StringBuilder("<").append(value(r.address().toString())).append(">: ");
        String diagnostic = r.diagnostic() == null ? null : value(r.diagnostic());
        int semicolon = diagnostic == null ? -1 : diagnostic.indexOf(';');
        String type = semicolon < 0 ? "" : diagnostic.substring(0, semicolon).trim();
        String detail = semicolon < 0 ? diagnostic : diagnostic.substring(semicolon + 1).trim();
        if (detail == null || detail.isEmpty()) {
            line.append(switch (r.action()) {
                case FAILED -> "delivery failed";
                case DELAYED -> "delivery deferred";
                case DELIVERED -> "delivered to mailbox";
                case RELAYED -> "relayed to a mail system that does not report delivery";
            })
                    .append(" (status ").append(r.status()).append(')');
        } else if (type.equalsIgnoreCase("smtp") && r.remoteMta() != null) {
            line.append("host ").append(token(r.remoteMta())).append(" said: ").append(detail);
        } else {
            line.append(detail);
        }
        if (r.willRetryUntil() != null) {
            line.append(" (will retry until ").append(format(r.willRetryUntil())).append(')');
        }
        return line.toString();
    }

    /** Word-wraps at {@link #TEXT_WIDTH}, continuation lines indented; words longer than a line are split. */
    private static String wrap(String text, String indent) {
        StringBuilder out = new StringBuilder(text.length() + 64);
        StringBuilder line = new StringBuilder(TEXT_WIDTH);
        int start = 0; // the line's prefix: nothing on the first line, the indent after
        for (String word : text.split(" ")) {
            while (!word.isEmpty()) {
                boolean empty = line.length() == start;
                int room = TEXT_WIDTH - line.length() - (empty ? 0 : 1);
                if (word.length() <= room) {
                    line.append(empty ? "" : " ").append(word);
                    break;
                }
                if (empty) { // longer than a whole line: split the word
                    line.append(word, 0, room);
                    word = word.substring(room);
                }
                out.append(line).append(CRLF);
                line.setLength(0);
                line.append(indent);
                start = indent.length();
            }
        }
        if (line.length() > start || out.length() == 0) {
            out.append(line).append(CRLF);
        }
        return out.toString();
    }

    // --- the message/delivery-status part (RFC 3464 §2.2, §2.3)

    private String deliveryStatus(String host) {
        StringBuilder fields = new StringBuilder(256 * (recipients.size() + 1));
        if (envelopeId != null) { // RFC 3464 §2.2.1: the sender's ENVID, as given
            fields.append("Original-Envelope-Id: ").append(value(envelopeId)).append(CRLF);
        }
        fields.append("Reporting-MTA: dns; ").append(host).append(CRLF);
        if (queueId != null) {
            fields.append("X-Tern-Queue-ID: ").append(token(queueId)).append(CRLF);
        }
        fields.append("Arrival-Date: ").append(format(arrival)).append(CRLF);
        for (RecipientReport r : recipients) {
            fields.append(CRLF)
                    .append("Final-Recipient: rfc822; ").append(value(r.address().toString())).append(CRLF);
            if (r.originalRecipient() != null) {
                fields.append("Original-Recipient: rfc822; ").append(value(r.originalRecipient())).append(CRLF);
            }
            fields.append("Action: ").append(r.action().keyword()).append(CRLF)
                    .append("Status: ").append(r.status()).append(CRLF);
            if (r.remoteMta() != null) {
                fields.append("Remote-MTA: dns; ").append(hostName(r.remoteMta())).append(CRLF);
            }
            if (r.diagnostic() != null) {
                String diagnostic = value(r.diagnostic());
                fields.append("Diagnostic-Code: ")
                        .append(diagnostic.indexOf(';') > 0 ? diagnostic : "X-Tern; " + diagnostic).append(CRLF);
            }
            if (r.lastAttempt() != null) {
                fields.append("Last-Attempt-Date: ").append(format(r.lastAttempt())).append(CRLF);
            }
            if (r.willRetryUntil() != null && r.action() == Action.DELAYED) {
                fields.append("Will-Retry-Until: ").append(format(r.willRetryUntil())).append(CRLF);
            }
        }
        return fields.toString();
    }

    private String format(Instant instant) {
        ZoneId zone = date.getZone();
        return ReceivedHeader.RFC5322_DATE.format(instant.atZone(zone));
    }

    private String messageIdValue() {
        String id = token(messageId);
        if (id.startsWith("<") && id.endsWith(">")) {
            id = id.substring(1, id.length() - 1);
        }
        return "<" + id.replace("<", "").replace(">", "") + ">";
    }

    /** {@code mx.example[192.0.2.1]} names the host {@code mx.example}; {@code [192.0.2.1]} itself stays. */
    private static String hostName(String remoteMta) {
        String host = token(remoteMta);
        int bracket = host.indexOf('[');
        return bracket > 0 ? host.substring(0, bracket) : host;
    }

    // --- the text/rfc822-headers part

    /** Line endings to CRLF, over-long lines folded, a final CRLF: as received for well-formed input. */
    static byte[] normalizedHeaders(byte[] headers) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(headers.length + 16);
        int lineLength = 0;
        for (int i = 0; i < headers.length; i++) {
            byte b = headers[i];
            if (b == '\r' || b == '\n') {
                if (b == '\r' && i + 1 < headers.length && headers[i + 1] == '\n') {
                    i++;
                }
                out.write('\r');
                out.write('\n');
                lineLength = 0;
                continue;
            }
            if (lineLength == MAX_LINE) {
                out.write('\r');
                out.write('\n');
                out.write(' ');
                lineLength = 1;
            }
            out.write(b);
            lineLength++;
        }
        if (lineLength > 0) {
            out.write('\r');
            out.write('\n');
        }
        return out.toByteArray();
    }

    private static boolean hasEightBit(byte[] bytes) {
        for (byte b : bytes) {
            if (b < 0) {
                return true;
            }
        }
        return false;
    }

    // --- the multipart boundary

    /**
     * Derived from the host and the contents (so the output is reproducible), and checked
     * against them: the original headers are the sender's text and could contain any string.
     */
    private String boundary(byte[]... parts) {
        long seed = 31L * messageId.hashCode() + date.toInstant().toEpochMilli();
        for (byte[] part : parts) {
            seed = 31 * seed + Arrays.hashCode(part);
        }
        String base = "=_tern-dsn-" + Long.toHexString(seed);
        String candidate = base;
        for (int n = 1; containedIn(candidate, parts); n++) {
            candidate = base + "-" + n;
        }
        return candidate;
    }

    private static boolean containedIn(String boundary, byte[]... parts) {
        byte[] needle = ascii(boundary);
        for (byte[] part : parts) {
            if (indexOf(part, needle) >= 0) {
                return true;
            }
        }
        return false;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    // --- sanitizing what came from outside

    /** One line of printable ASCII: controls (CR, LF, TAB...) become single spaces, non-ASCII {@code ?}. */
    static String value(String text) {
        return HeaderText.oneLine(text, MAX_VALUE);
    }

    /** A single token (host name, id): as {@link #value} without spaces, at most 255 characters. */
    private static String token(String text) {
        String clean = value(text).replace(' ', '_');
        return clean.length() > 255 ? clean.substring(0, 255) : clean;
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static void write(ByteArrayOutputStream out, String text) {
        out.writeBytes(ascii(text));
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof DeliveryStatusNotification)) {
            return false;
        }
        DeliveryStatusNotification other = (DeliveryStatusNotification) o;
        return reportingMta.equals(other.reportingMta) && messageId.equals(other.messageId)
                && date.equals(other.date) && returnTo.equals(other.returnTo)
                && Objects.equals(queueId, other.queueId) && arrival.equals(other.arrival)
                && recipients.equals(other.recipients) && Arrays.equals(originalHeaders, other.originalHeaders)
                && Objects.equals(envelopeId, other.envelopeId);
    }

    @Override
    public int hashCode() {
        return Objects.hash(reportingMta, messageId, date, returnTo, queueId, arrival, recipients, envelopeId)
                + 31 * Arrays.hashCode(originalHeaders);
    }

    @Override
    public String toString() {
        return "DeliveryStatusNotification[reportingMta=" + reportingMta + ", messageId=" + messageId
                + ", date=" + date + ", returnTo=" + returnTo + ", queueId=" + queueId + ", arrival=" + arrival
                + ", recipients=" + recipients + ", originalHeaders=" + originalHeaders.length + " octets"
                + ", envelopeId=" + envelopeId + "]";
    }
}
