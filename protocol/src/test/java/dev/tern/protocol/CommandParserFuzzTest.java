package dev.tern.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes {@link CommandParser#parse} with arbitrary command lines (FUZZING.md). Replays
 * {@code CommandParserFuzzTestInputs/commandLine/} in every test run.
 */
class CommandParserFuzzTest {

    @FuzzTest(maxDuration = "10m")
    void commandLine(byte[] input) {
        String line = new String(input, StandardCharsets.UTF_8);

        SmtpCommand command = CommandParser.parse(line); // documented: never throws

        assertThat(command).isNotNull();
        if (line.length() > CommandParser.lengthLimit(line)) {
            assertThat(command).isEqualTo(new SmtpCommand.Invalid(Replies.LINE_TOO_LONG));
            return;
        }
        if (line.indexOf('\r') >= 0 || line.indexOf('\n') >= 0) {
            assertThat(command).isEqualTo(new SmtpCommand.Invalid(Replies.BARE_NEWLINE_IN_COMMAND));
            return;
        }
        // the verb is case-insensitive (RFC 5321 §2.4)
        int space = line.indexOf(' ');
        String verb = space < 0 ? line : line.substring(0, space);
        if (verb.chars().allMatch(c -> c < 128)) {
            String otherCase = flipCase(verb) + line.substring(verb.length());
            assertThat(CommandParser.parse(otherCase)).as("same command in other case: %s", otherCase)
                    .isEqualTo(command);
        }
        // what was understood, written out again, means the same
        String canonical = canonical(command);
        if (canonical != null && canonical.length() <= CommandParser.lengthLimit(canonical)) {
            assertThat(CommandParser.parse(canonical)).as("canonical form %s", canonical).isEqualTo(command);
        }
        if (command instanceof SmtpCommand.Mail mail && mail.from() instanceof ReversePath.Sender sender) {
            assertThat(MailAddress.problemWith(sender.address().toString())).as("accepted sender").isNull();
        }
        if (command instanceof SmtpCommand.Rcpt rcpt && rcpt.to() instanceof Recipient.MailboxPath path) {
            assertThat(MailAddress.problemWith(path.address().toString())).as("accepted recipient").isNull();
        }
    }

    private static String flipCase(String ascii) {
        StringBuilder out = new StringBuilder(ascii.length());
        for (char c : ascii.toCharArray()) {
            out.append(Character.isUpperCase(c) ? Character.toLowerCase(c) : Character.toUpperCase(c));
        }
        return out.toString();
    }

    /** The command as a client would send it, or null where the parser keeps no complete account. */
    private static String canonical(SmtpCommand command) {
        if (command instanceof SmtpCommand.Ehlo ehlo) {
            return "EHLO " + ehlo.domain();
        } else if (command instanceof SmtpCommand.Helo helo) {
            return "HELO " + helo.domain();
        } else if (command instanceof SmtpCommand.Mail mail) {
            return "MAIL FROM:" + mail.from().bracketed() + parameters(mail.parameters());
        } else if (command instanceof SmtpCommand.Rcpt rcpt) {
            return "RCPT TO:<" + (rcpt.to() instanceof Recipient.MailboxPath path ? path.address().toString()
                    : "Postmaster") + ">" + parameters(rcpt.parameters());
        } else if (command instanceof SmtpCommand.Data) {
            return "DATA";
        } else if (command instanceof SmtpCommand.Rset) {
            return "RSET";
        } else if (command instanceof SmtpCommand.Noop) {
            return "NOOP";
        } else if (command instanceof SmtpCommand.Quit) {
            return "QUIT";
        } else if (command instanceof SmtpCommand.StartTls) {
            return "STARTTLS";
        } else if (command instanceof SmtpCommand.Vrfy vrfy) {
            return "VRFY " + vrfy.argument();
        } else if (command instanceof SmtpCommand.Help help) {
            return help.topic().isEmpty() ? "HELP" : "HELP " + help.topic();
        } else if (command instanceof SmtpCommand.Auth auth) {
            return "AUTH " + auth.mechanism() + (auth.initialResponse() == null ? "" : " " + auth.initialResponse());
        } else if (command instanceof SmtpCommand.NotImplemented notImplemented) {
            return notImplemented.verb();
        } else if (command instanceof SmtpCommand.HttpRequest http) {
            return http.verb() + " /";
        } else if (command instanceof SmtpCommand.Unknown unknown) {
            return unknown.verb().toUpperCase(Locale.ROOT).equals(unknown.verb()) ? unknown.verb() : null;
        }
        return null; // Invalid: only the reply is kept
    }

    private static String parameters(Map<String, String> parameters) {
        StringBuilder out = new StringBuilder();
        parameters.forEach((key, value) -> out.append(' ').append(key).append(value == null ? "" : "=" + value));
        return out.toString();
    }
}
