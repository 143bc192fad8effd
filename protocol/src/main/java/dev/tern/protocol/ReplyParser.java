package dev.tern.protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Assembles server replies from lines, the client's half of RFC 5321 §4.2.1: every line
 * starts with the same three-digit code; {@code "-"} after the code means more lines follow,
 * a space (or nothing) marks the last line.
 *
 * <p>An RFC 3463 enhanced status code {@code "x.y.z "} at the start of the text is taken out
 * of the text when its class digit matches the reply's first digit (RFC 2034 §4: a {@code 250}
 * carries {@code 2.y.z}); anything else is ordinary text. The first line's code is the reply's
 * code, and the same prefix is stripped from the following lines.
 *
 * <p>Stateful and not thread-safe: one parser per connection, fed lines in order.
 */
public final class ReplyParser {

    private final List<String> texts = new ArrayList<>();
    private int code;
    private String enhancedCode;

    /**
     * Takes one line (without CRLF).
     *
     * @return the completed reply when this was its last line, otherwise empty
     * @throws MalformedReplyException when the line is not reply syntax, or its code differs
     *                                 from the earlier lines of the same reply
     */
    public Optional<SmtpReply> accept(String line) {
        if (line.length() < 3 || !isDigit(line.charAt(0)) || !isDigit(line.charAt(1)) || !isDigit(line.charAt(2))) {
            throw new MalformedReplyException(line, "reply line does not start with a three-digit code");
        }
        int lineCode = Integer.parseInt(line.substring(0, 3));
        if (lineCode < 200 || lineCode > 599) {
            throw new MalformedReplyException(line, "reply code out of range 2xx-5xx");
        }
        boolean last;
        if (line.length() == 3 || line.charAt(3) == ' ') {
            last = true;
        } else if (line.charAt(3) == '-') {
            last = false;
        } else {
            throw new MalformedReplyException(line, "reply code not followed by space or hyphen");
        }
        if (!texts.isEmpty() && lineCode != code) {
            throw new MalformedReplyException(line, "reply code " + lineCode + " inside a multi-line " + code + " reply");
        }
        String text = line.length() > 4 ? line.substring(4) : "";
        if (texts.isEmpty()) {
            code = lineCode;
            enhancedCode = enhancedCodeOf(text, lineCode);
        }
        if (enhancedCode != null && text.startsWith(enhancedCode)
                && (text.length() == enhancedCode.length() || text.charAt(enhancedCode.length()) == ' ')) {
            text = text.substring(Math.min(text.length(), enhancedCode.length() + 1));
        }
        texts.add(text);
        if (!last) {
            return Optional.empty();
        }
        SmtpReply reply = new SmtpReply(code, enhancedCode, texts);
        reset();
        return Optional.of(reply);
    }

    /** Whether lines of an unfinished multi-line reply have been taken. */
    public boolean inProgress() {
        return !texts.isEmpty();
    }

    /** Forgets a partly received reply (e.g. cleartext left over at a STARTTLS switch). */
    public void reset() {
        texts.clear();
        code = 0;
        enhancedCode = null;
    }

    /**
     * Parses one complete reply.
     *
     * @throws MalformedReplyException when a line is malformed, or the lines are not exactly one reply
     */
    public static SmtpReply parse(List<String> lines) {
        ReplyParser parser = new ReplyParser();
        for (int i = 0; i < lines.size(); i++) {
            Optional<SmtpReply> reply = parser.accept(lines.get(i));
            if (reply.isPresent()) {
                if (i != lines.size() - 1) {
                    throw new MalformedReplyException(lines.get(i + 1), "line after the last line of a reply");
                }
                return reply.get();
            }
        }
        throw new MalformedReplyException(lines.isEmpty() ? "" : lines.get(lines.size() - 1),
                "reply ends without a last line");
    }

    /** {@code "x.y.z"} when {@code text} starts with one of the reply's class, followed by a space or the end. */
    static String enhancedCodeOf(String text, int code) {
        int end = text.indexOf(' ');
        String candidate = end < 0 ? text : text.substring(0, end);
        String[] parts = candidate.split("\\.", -1);
        // RFC 3463 §3.1: the class is 2, 4 or 5; there is no "3.y.z", so a 334/354 never carries one
        if (parts.length != 3 || code / 100 == 3 || !parts[0].equals(String.valueOf(code / 100))) {
            return null;
        }
        for (int i = 1; i < 3; i++) {
            if (parts[i].isEmpty() || parts[i].length() > 3 || !parts[i].chars().allMatch(ReplyParser::isDigit)) {
                return null;
            }
        }
        return candidate;
    }

    private static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }
}
