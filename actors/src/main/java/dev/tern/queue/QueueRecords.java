package dev.tern.queue;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import dev.tern.protocol.BodyType;
import dev.tern.protocol.MailAddress;
import dev.tern.protocol.MessageEncoding;
import dev.tern.protocol.ReversePath;

/**
 * The {@code .env} text format: a version line, then one {@code key value} per line, each recipient's fields
 * following its {@code rcpt} line, and an {@code end} line (so a truncated file is recognised, whatever the file
 * system did). Absent fields are null. Values escape {@code \} as {@code \\} and control characters and lone
 * surrogates as {@code \}{@code uXXXX}, so a line break in a diagnostic cannot end the line; other characters are
 * UTF-8.
 *
 * <pre>
 * tern-queue 1
 * id 1ABCP2Q3-1
 * domain example.org
 * message-id 1ABCP2Q3
 * sender &lt;alice@example.com&gt;
 * arrival 2026-03-01T12:00:00Z
 * body-offset 31
 * body-size 1204
 * body 8BITMIME
 * smtputf8 yes
 * rcpt &lt;bob@example.org&gt;
 * status DEFERRED
 * attempts 1
 * last-attempt 2026-03-01T12:00:05Z
 * next-attempt 2026-03-01T12:05:05Z
 * dsn-status 4.4.1
 * diagnostic X-Tern; connect to mx.example.org: Connection refused
 * end
 * </pre>
 *
 * <p>Optional keys added later, absent from older records (which load with their defaults): the DSN
 * requests of RFC 3461, {@code ret} and {@code envid} for the message, and per recipient {@code notify}
 * ({@code NEVER} or the conditions), {@code orcpt} (the parameter form, {@code rfc822;bob+2Bx@example.org}),
 * {@code relayed} ({@code yes}: delivered to a next hop without DSN) and {@code delay-warned} (when the
 * delay warning went out); {@code tls-requirement REQUIRETLS} when the message's MAIL asked for REQUIRETLS
 * (RFC 8689), absent otherwise.
 */
public final class QueueRecords {

    static final String VERSION_LINE = "tern-queue 1";
    private static final String END = "end";
    private static final Set<String> RECIPIENT_KEYS = Set.of(
            "status", "attempts", "last-attempt", "next-attempt", "dsn-status", "diagnostic", "remote-mta",
            "notify", "orcpt", "relayed", "delay-warned");

    private QueueRecords() {
    }

    static String write(QueueEntry entry) {
        StringBuilder text = new StringBuilder(256).append(VERSION_LINE).append('\n');
        field(text, "id", entry.id());
        field(text, "domain", entry.domain());
        field(text, "message-id", entry.messageId());
        field(text, "sender", entry.sender().bracketed());
        field(text, "arrival", entry.arrival().toString());
        field(text, "body-offset", Long.toString(entry.bodyOffset()));
        field(text, "body-size", Long.toString(entry.bodySize()));
        // optional (issue 15): absent means BODY=7BIT without SMTPUTF8, as in every record written before
        field(text, "body", entry.encoding().body() == BodyType.SEVEN_BIT ? null : entry.encoding().body().keyword());
        field(text, "smtputf8", entry.encoding().smtpUtf8() ? "yes" : null);
        DsnRecords.writeMessage(text, entry.dsn());
        field(text, TlsRecords.KEY, TlsRecords.write(entry.tls()));
        for (RecipientState r : entry.recipients()) {
            field(text, "rcpt", "<" + r.address() + ">");
            field(text, "status", r.status().name());
            field(text, "attempts", Integer.toString(r.attempts()));
            field(text, "last-attempt", r.lastAttempt() == null ? null : r.lastAttempt().toString());
            field(text, "next-attempt", r.nextAttempt() == null ? null : r.nextAttempt().toString());
            field(text, "dsn-status", r.dsnStatus());
            field(text, "diagnostic", r.diagnostic());
            field(text, "remote-mta", r.remoteMta());
            DsnRecords.writeRecipient(text, r);
        }
        return text.append(END).append('\n').toString();
    }

    static void field(StringBuilder text, String key, String value) {
        if (value != null) {
            text.append(key).append(' ').append(escape(value)).append('\n');
        }
    }

    static QueueEntry parse(String text) throws QueueRecordException {
        String[] lines = text.split("\n", -1);
        // a complete record ends with "end\n": the split leaves an empty last element
        if (lines.length < 3 || !lines[0].equals(VERSION_LINE)) {
            throw new QueueRecordException("not a tern-queue 1 record");
        }
        if (!lines[lines.length - 2].equals(END) || !lines[lines.length - 1].isEmpty()) {
            throw new QueueRecordException("record truncated (no end line)");
        }
        Fields header = new Fields();
        List<Fields> recipients = new ArrayList<>();
        for (int i = 1; i < lines.length - 2; i++) {
            String line = lines[i];
            int space = line.indexOf(' ');
            if (space <= 0) {
                throw new QueueRecordException("line " + (i + 1) + " is not 'key value'");
            }
            String key = line.substring(0, space);
            String value = unescape(line.substring(space + 1));
            if (key.equals("rcpt")) {
                recipients.add(new Fields());
                recipients.get(recipients.size() - 1).put(key, value);
            } else if (RECIPIENT_KEYS.contains(key)) {
                if (recipients.isEmpty()) {
                    throw new QueueRecordException(key + " before any rcpt");
                }
                recipients.get(recipients.size() - 1).put(key, value);
            } else {
                header.put(key, value);
            }
        }
        try {
            List<RecipientState> states = new ArrayList<>(recipients.size());
            for (Fields r : recipients) {
                states.add(new RecipientState(
                        address(r.required("rcpt")),
                        RecipientStatus.valueOf(r.required("status")),
                        Integer.parseInt(r.required("attempts")),
                        instant(r.optional("last-attempt")),
                        instant(r.optional("next-attempt")),
                        r.optional("dsn-status"),
                        r.optional("diagnostic"),
                        r.optional("remote-mta"),
                        DsnRecords.recipient(r.optional("notify"), r.optional("orcpt")),
                        "yes".equals(r.optional("relayed")),
                        instant(r.optional("delay-warned"))));
                r.checkAllUsed();
            }
            QueueEntry entry = new QueueEntry(
                    header.required("id"),
                    header.required("domain"),
                    header.required("message-id"),
                    reversePath(header.required("sender")),
                    Instant.parse(header.required("arrival")),
                    Long.parseLong(header.required("body-offset")),
                    Long.parseLong(header.required("body-size")),
                    states,
                    encoding(header.optional("body"), header.optional("smtputf8")),
                    DsnRecords.message(header.optional("ret"), header.optional("envid")),
                    TlsRecords.read(header.optional(TlsRecords.KEY)));
            header.checkAllUsed();
            return entry;
        } catch (IllegalArgumentException | DateTimeParseException e) { // NumberFormatException is one too
            throw new QueueRecordException("invalid record: " + e.getMessage(), e);
        }
    }

    private static MessageEncoding encoding(String body, String smtpUtf8) {
        BodyType type = body == null ? BodyType.SEVEN_BIT : BodyType.parse(body)
                .orElseThrow(() -> new IllegalArgumentException("unknown body type " + body));
        if (smtpUtf8 != null && !smtpUtf8.equals("yes")) {
            throw new IllegalArgumentException("smtputf8 " + smtpUtf8);
        }
        return new MessageEncoding(type, smtpUtf8 != null);
    }

    private static Instant instant(String text) {
        return text == null ? null : Instant.parse(text);
    }

    /** {@code <>} or {@code <address>}, as {@link ReversePath#bracketed()} wrote it. */
    public static ReversePath reversePath(String text) throws QueueRecordException {
        return text.equals("<>") ? ReversePath.NULL : new ReversePath.Sender(address(text));
    }

    /** An {@code <address>} Tern wrote, read leniently (it was accepted once). */
    public static MailAddress address(String bracketed) throws QueueRecordException {
        if (bracketed.length() < 3 || !bracketed.startsWith("<") || !bracketed.endsWith(">")) {
            throw new QueueRecordException("not an <address>: " + bracketed);
        }
        String mailbox = bracketed.substring(1, bracketed.length() - 1);
        Optional<MailAddress> parsed = MailAddress.parse(mailbox);
        if (parsed.isPresent()) {
            return parsed.get();
        }
        // Written by us, so it was accepted once: keep an address the current parser is stricter about rather
        // than quarantine an acknowledged message over it.
        int at = mailbox.lastIndexOf('@');
        if (at <= 0 || at == mailbox.length() - 1) {
            throw new QueueRecordException("not an address: " + bracketed);
        }
        return new MailAddress(mailbox.substring(0, at), mailbox.substring(at + 1));
    }

    /** Escapes a value so that it fits on one line and survives UTF-8 encoding unchanged. */
    public static String escape(String value) {
        StringBuilder out = null;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            String replacement = null;
            if (c == '\\') {
                replacement = "\\\\";
            } else if (Character.isISOControl(c) || loneSurrogate(value, i)) {
                replacement = String.format("\\u%04x", (int) c);
            } else if (Character.isHighSurrogate(c)) {
                // a valid pair: copy both halves
                if (out != null) {
                    out.append(c).append(value.charAt(i + 1));
                }
                i++;
                continue;
            }
            if (replacement != null && out == null) {
                out = new StringBuilder(value.length() + 16).append(value, 0, i);
            }
            if (out != null) {
                if (replacement != null) {
                    out.append(replacement);
                } else {
                    out.append(c);
                }
            }
        }
        return out == null ? value : out.toString();
    }

    private static boolean loneSurrogate(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1));
        }
        return Character.isLowSurrogate(c); // a low one reached here had no high one before it
    }

    /** The inverse of {@link #escape}. */
    public static String unescape(String value) throws QueueRecordException {
        if (value.indexOf('\\') < 0) {
            return value;
        }
        StringBuilder out = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c != '\\') {
                out.append(c);
            } else if (i + 1 < value.length() && value.charAt(i + 1) == '\\') {
                out.append('\\');
                i++;
            } else if (i + 5 < value.length() && value.charAt(i + 1) == 'u') {
                int code = 0;
                for (int k = i + 2; k < i + 6; k++) {
                    int digit = "0123456789abcdef".indexOf(Character.toLowerCase(value.charAt(k)));
                    if (digit < 0) {
                        throw new QueueRecordException("bad escape in " + value);
                    }
                    code = code * 16 + digit;
                }
                out.append((char) code);
                i += 5;
            } else {
                throw new QueueRecordException("bad escape in " + value);
            }
        }
        return out.toString();
    }

    /** The fields of one section; each must appear at most once and every one must be understood. */
    private static final class Fields {
        private final Map<String, String> values = new HashMap<>();
        private final Set<String> used = new HashSet<>();

        void put(String key, String value) throws QueueRecordException {
            if (values.putIfAbsent(key, value) != null) {
                throw new QueueRecordException("field " + key + " twice");
            }
        }

        String required(String key) {
            String value = optional(key);
            if (value == null) {
                throw new IllegalArgumentException("missing field " + key);
            }
            return value;
        }

        String optional(String key) {
            used.add(key);
            return values.get(key);
        }

        void checkAllUsed() {
            for (String key : values.keySet()) {
                if (!used.contains(key)) {
                    throw new IllegalArgumentException("unknown field " + key);
                }
            }
        }
    }
}
