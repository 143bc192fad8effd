package dev.tern.protocol;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One SMTP reply: a three-digit code, an optional RFC 3463 enhanced status code, and one
 * or more text lines. Replies are values; the common ones live in {@link Replies}.
 *
 * @param enhancedCode e.g. {@code "2.0.0"}, or {@code null} where RFC 2034 §4 exempts the
 *                     reply (the greeting and the answers to HELO/EHLO)
 */
public record SmtpReply(int code, String enhancedCode, List<String> lines) {

    public SmtpReply {
        if (code < 200 || code > 599) {
            throw new IllegalArgumentException("reply code out of range: " + code);
        }
        lines = List.copyOf(lines);
        if (lines.isEmpty()) {
            throw new IllegalArgumentException("a reply needs at least one line");
        }
    }

    public static SmtpReply of(int code, String enhancedCode, String text) {
        return new SmtpReply(code, enhancedCode, List.of(text));
    }

    public boolean isPositive() {
        return code < 400;
    }

    public boolean isTransientFailure() {
        return code >= 400 && code < 500;
    }

    public boolean isPermanentFailure() {
        return code >= 500;
    }

    /** The first word of the first line: in a greeting or an EHLO/HELO reply, the name the server gives itself. */
    public String firstWord() {
        String text = lines.get(0).strip();
        int space = text.indexOf(' ');
        return space < 0 ? text : text.substring(0, space);
    }

    /** The reply as it goes on the wire: RFC 5321 §4.2.1 multi-line form, CRLF after every line. */
    public String render() {
        StringBuilder out = new StringBuilder(64 * lines.size());
        for (int i = 0; i < lines.size(); i++) {
            out.append(code).append(i == lines.size() - 1 ? ' ' : '-');
            if (enhancedCode != null) {
                out.append(enhancedCode).append(' ');
            }
            out.append(lines.get(i)).append("\r\n");
        }
        return out.toString();
    }

    public byte[] toBytes() {
        return render().getBytes(StandardCharsets.US_ASCII);
    }

    /** The first line as a log would show it, e.g. {@code 550 5.1.1 User unknown}. */
    @Override
    public String toString() {
        return code + (enhancedCode == null ? "" : " " + enhancedCode) + " " + lines.get(0);
    }
}
