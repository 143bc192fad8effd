package dev.tern.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

/** Turns one command line (without its CRLF) into an {@link SmtpCommand}. Never throws. */
public final class CommandParser {

    /** RFC 5321 §4.5.3.1.4: a command line is at most 512 octets including the CRLF. */
    public static final int MAX_COMMAND_LINE = 510;
    /**
     * RFC 5321 §4.5.3.1.4 lets extensions lengthen the lines they add parameters to; RFC 3461 §4 does so for
     * DSN: MAIL by 100 octets (RET, ENVID up to 100), RCPT by 500 (NOTIFY, ORCPT up to 500).
     */
    public static final int MAX_MAIL_LINE = MAX_COMMAND_LINE + 100;
    public static final int MAX_RCPT_LINE = MAX_COMMAND_LINE + 500;

    private static final Set<String> NOT_IMPLEMENTED = Set.of(
            "EXPN", "TURN", "ETRN", "ATRN", "SEND", "SOML", "SAML", "VERB");
    private static final Set<String> HTTP_VERBS = Set.of(
            "GET", "POST", "PUT", "HEAD", "DELETE", "OPTIONS", "CONNECT", "PATCH", "TRACE");

    private CommandParser() {
    }

    /**
     * A command line as it came, in octets: RFC 6531 §3.3 makes command lines UTF-8 (addresses,
     * with SMTPUTF8), so they are decoded strictly; octets that are not UTF-8 get a 500, never a
     * guess. The length limit counts octets.
     */
    public static SmtpCommand parse(ByteBuffer octets) {
        byte[] verb = new byte[Math.min(5, octets.remaining())];
        octets.duplicate().get(verb);
        if (octets.remaining() > lengthLimit(new String(verb, StandardCharsets.ISO_8859_1))) {
            return new SmtpCommand.Invalid(Replies.LINE_TOO_LONG);
        }
        try {
            return parse(StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(octets).toString());
        } catch (CharacterCodingException notUtf8) {
            return new SmtpCommand.Invalid(Replies.COMMAND_NOT_UTF8);
        }
    }

    /** The longest a command line beginning so may be, in octets without the CRLF. */
    public static int lengthLimit(String line) {
        if (line.regionMatches(true, 0, "MAIL ", 0, 5)) {
            return MAX_MAIL_LINE;
        }
        return line.regionMatches(true, 0, "RCPT ", 0, 5) ? MAX_RCPT_LINE : MAX_COMMAND_LINE;
    }

    public static SmtpCommand parse(String line) {
        if (line.length() > lengthLimit(line)) {
            return new SmtpCommand.Invalid(Replies.LINE_TOO_LONG);
        }
        if (line.indexOf('\r') >= 0 || line.indexOf('\n') >= 0) {
            return new SmtpCommand.Invalid(Replies.BARE_NEWLINE_IN_COMMAND);
        }
        int space = line.indexOf(' ');
        String verb = (space < 0 ? line : line.substring(0, space)).toUpperCase(Locale.ROOT);
        String argument = space < 0 ? "" : trimBlanks(line.substring(space + 1));
        return switch (verb) {
            case "EHLO" -> argument.isEmpty()
                    ? new SmtpCommand.Invalid(Replies.syntax("EHLO hostname"))
                    : new SmtpCommand.Ehlo(firstWord(argument));
            case "HELO" -> argument.isEmpty()
                    ? new SmtpCommand.Invalid(Replies.syntax("HELO hostname"))
                    : new SmtpCommand.Helo(firstWord(argument));
            case "MAIL" -> parseMail(argument);
            case "RCPT" -> parseRcpt(argument);
            case "DATA" -> noArgument(argument, "DATA", new SmtpCommand.Data());
            case "RSET" -> noArgument(argument, "RSET", new SmtpCommand.Rset());
            case "QUIT" -> noArgument(argument, "QUIT", new SmtpCommand.Quit());
            case "NOOP" -> new SmtpCommand.Noop(); // RFC 5321 §4.1.1.9: a parameter is allowed and ignored
            case "VRFY" -> argument.isEmpty()
                    ? new SmtpCommand.Invalid(Replies.syntax("VRFY address"))
                    : new SmtpCommand.Vrfy(argument);
            case "HELP" -> new SmtpCommand.Help(argument);
            case "STARTTLS" -> noArgument(argument, "STARTTLS", new SmtpCommand.StartTls());
            case "AUTH" -> parseAuth(argument);
            case "BDAT" -> parseBdat(argument);
            default -> {
                if (NOT_IMPLEMENTED.contains(verb)) {
                    yield new SmtpCommand.NotImplemented(verb);
                }
                if (HTTP_VERBS.contains(verb)) {
                    yield new SmtpCommand.HttpRequest(verb);
                }
                yield new SmtpCommand.Unknown(verb);
            }
        };
    }

    private static SmtpCommand parseAuth(String argument) {
        String[] words = argument.split(" +");
        if (argument.isEmpty() || words.length > 2) {
            return new SmtpCommand.Invalid(Replies.syntax("AUTH mechanism [initial-response]"));
        }
        return new SmtpCommand.Auth(words[0].toUpperCase(Locale.ROOT), words.length == 2 ? words[1] : null);
    }

    /** RFC 3030 §2: {@code "BDAT" SP chunk-size [SP end-marker]}, {@code chunk-size = 1*DIGIT}, {@code end-marker = "LAST"}. */
    private static SmtpCommand parseBdat(String argument) {
        String[] words = argument.split("[ \t]+");
        boolean last = words.length == 2 && words[1].equalsIgnoreCase("LAST");
        if (argument.isEmpty() || words.length > 2 || (words.length == 2 && !last)
                || !words[0].matches("[0-9]{1,18}")) {
            return new SmtpCommand.MalformedBdat(Replies.BDAT_SYNTAX);
        }
        return new SmtpCommand.Bdat(Long.parseLong(words[0]), last);
    }

    private static SmtpCommand noArgument(String argument, String verb, SmtpCommand command) {
        return argument.isEmpty() ? command : new SmtpCommand.Invalid(Replies.syntax(verb));
    }

    /** Up to the first SP or HTAB: the blanks {@link #trimBlanks} takes off the ends (found by fuzzing). */
    private static String firstWord(String argument) {
        for (int i = 0; i < argument.length(); i++) {
            if (isBlank(argument.charAt(i))) {
                return argument.substring(0, i);
            }
        }
        return argument;
    }

    private static SmtpCommand parseMail(String argument) {
        return withPath(argument, "FROM:", "MAIL FROM:<address>",
                "MAIL FROM:<address> [SIZE=n] [BODY=7BIT|8BITMIME|BINARYMIME] [SMTPUTF8] [RET=FULL|HDRS] [ENVID=xtext] [REQUIRETLS]", (path, parameters) -> {
                    if (path.isEmpty()) {
                        return new SmtpCommand.Mail(ReversePath.NULL, parameters);
                    }
                    String problem = MailAddress.problemWith(path);
                    if (problem != null) {
                        return new SmtpCommand.Invalid(Replies.badSender(problem));
                    }
                    return new SmtpCommand.Mail(new ReversePath.Sender(MailAddress.parse(path).orElseThrow()),
                            parameters);
                });
    }

    private static SmtpCommand parseRcpt(String argument) {
        return withPath(argument, "TO:", "RCPT TO:<address>", "RCPT TO:<address>", (path, parameters) -> {
            if (path.equalsIgnoreCase("postmaster")) {
                return new SmtpCommand.Rcpt(new Recipient.BarePostmaster(), parameters);
            }
            String problem = path.isEmpty() ? "empty address" : MailAddress.problemWith(path);
            if (problem != null) {
                return new SmtpCommand.Invalid(Replies.badRecipient(problem));
            }
            return new SmtpCommand.Rcpt(new Recipient.MailboxPath(MailAddress.parse(path).orElseThrow()), parameters);
        });
    }

    /**
     * MAIL and RCPT alike (RFC 5321 §4.1.1.2, §4.1.1.3): the keyword, a path in angle brackets
     * (its source route dropped, §4.1.2) and ESMTP parameters, handed on when all three parse.
     */
    private static SmtpCommand withPath(String argument, String keyword, String usage, String parametersUsage,
                                        BiFunction<String, Map<String, String>, SmtpCommand> command) {
        String rest = stripKeyword(argument, keyword);
        PathAndParameters parsed = rest == null ? null : PathAndParameters.split(rest);
        if (parsed == null) {
            return new SmtpCommand.Invalid(Replies.syntax(usage));
        }
        Map<String, String> parameters = parseParameters(parsed.parameters());
        if (parameters == null) {
            return new SmtpCommand.Invalid(Replies.syntax(parametersUsage));
        }
        return command.apply(stripSourceRoute(parsed.path()), parameters);
    }

    /** "FROM:" case-insensitively, then optional spaces (a common client habit). */
    private static String stripKeyword(String argument, String keyword) {
        if (!argument.regionMatches(true, 0, keyword, 0, keyword.length())) {
            return null;
        }
        return trimBlanks(argument.substring(keyword.length()));
    }

    /**
     * Without leading and trailing SP and HTAB. RFC 5321 separates arguments with SP; tabs are a common client
     * habit. Not {@link String#strip}: Java also counts the controls U+001C-U+001F (and Unicode spaces) as white
     * space, so a control was dropped at the end of an argument but kept inside it, and the EHLO domain parsed from
     * "EHLO x" + U+001C + " y" read differently when sent back (found by fuzzing, CommandParserFuzzTest).
     */
    private static String trimBlanks(String text) {
        int start = 0;
        int end = text.length();
        while (start < end && isBlank(text.charAt(start))) {
            start++;
        }
        while (end > start && isBlank(text.charAt(end - 1))) {
            end--;
        }
        return text.substring(start, end);
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t';
    }

    // RFC 5321 §4.1.1.3: a source route "@a,@b:" must be accepted and ignored
    private static String stripSourceRoute(String path) {
        if (path.startsWith("@")) {
            int colon = path.indexOf(':');
            return colon < 0 ? path : path.substring(colon + 1);
        }
        return path;
    }

    /** ESMTP parameters {@code KEY[=VALUE]} separated by spaces; null when one is malformed. */
    private static Map<String, String> parseParameters(String text) {
        Map<String, String> parameters = new LinkedHashMap<>();
        String words = trimBlanks(text);
        if (words.isEmpty()) {
            return parameters;
        }
        for (String word : words.split(" +")) {
            int eq = word.indexOf('=');
            String key = (eq < 0 ? word : word.substring(0, eq)).toUpperCase(Locale.ROOT);
            if (key.isEmpty() || !key.matches("[A-Z0-9][A-Z0-9-]*")) {
                return null;
            }
            String value = eq < 0 ? null : word.substring(eq + 1);
            if (value != null && !isEsmtpValue(value)) {
                return null;
            }
            if (parameters.containsKey(key)) {
                return null; // RFC 3461 §4: a parameter given twice is a syntax error (501)
            }
            parameters.put(key, value);
        }
        return parameters;
    }

    /**
     * RFC 5321 §4.1.2: {@code esmtp-value = 1*(%d33-60 / %d62-126)}, printable ASCII without
     * '=' (fuzzing: a value ending in tabs did not read back the same once it came last).
     */
    private static boolean isEsmtpValue(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 33 || c > 126 || c == '=') {
                return false;
            }
        }
        return true;
    }

    /** The bracketed path and whatever follows it. Quotes may hide a '>' inside the local part. */
    private record PathAndParameters(String path, String parameters) {
        static PathAndParameters split(String text) {
            if (!text.startsWith("<")) {
                return null;
            }
            boolean quoted = false;
            for (int i = 1; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c == '\\' && quoted) {
                    i++;
                } else if (c == '"') {
                    quoted = !quoted;
                } else if (c == '>' && !quoted) {
                    String after = text.substring(i + 1);
                    if (!after.isEmpty() && !after.startsWith(" ")) {
                        return null;
                    }
                    return new PathAndParameters(text.substring(1, i), after);
                }
            }
            return null;
        }
    }
}
