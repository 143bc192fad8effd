package dev.tern.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CommandParserTest {

    private static MailAddress address(String local, String domain) {
        return new MailAddress(local, domain);
    }

    /** Asserts that the line is refused with exactly this code and enhanced code, and returns the reply. */
    private static SmtpReply invalid(String line, int code, String enhancedCode) {
        SmtpCommand command = CommandParser.parse(line);
        assertThat(command).isInstanceOf(SmtpCommand.Invalid.class);
        SmtpReply reply = ((SmtpCommand.Invalid) command).reply();
        assertThat(reply.code()).as("code of %s", reply).isEqualTo(code);
        assertThat(reply.enhancedCode()).as("enhanced code of %s", reply).isEqualTo(enhancedCode);
        return reply;
    }

    private static SmtpCommand.Mail mail(String line) {
        SmtpCommand command = CommandParser.parse(line);
        assertThat(command).isInstanceOf(SmtpCommand.Mail.class);
        return (SmtpCommand.Mail) command;
    }

    private static SmtpCommand.Rcpt rcpt(String line) {
        SmtpCommand command = CommandParser.parse(line);
        assertThat(command).isInstanceOf(SmtpCommand.Rcpt.class);
        return (SmtpCommand.Rcpt) command;
    }

    @Nested
    class Greeting {

        @Test
        void ehloWithDomain() {
            assertThat(CommandParser.parse("EHLO client.example")).isEqualTo(new SmtpCommand.Ehlo("client.example"));
        }

        @Test
        void heloWithDomain() {
            assertThat(CommandParser.parse("HELO client.example")).isEqualTo(new SmtpCommand.Helo("client.example"));
        }

        @Test
        void ehloKeepsOnlyTheFirstWordAndIgnoresExtraSpaces() {
            assertThat(CommandParser.parse("EHLO   client.example  trailing words"))
                    .isEqualTo(new SmtpCommand.Ehlo("client.example"));
        }

        @Test
        void ehloAcceptsAnAddressLiteral() {
            assertThat(CommandParser.parse("EHLO [192.0.2.1]")).isEqualTo(new SmtpCommand.Ehlo("[192.0.2.1]"));
        }

        @ParameterizedTest
        @ValueSource(strings = {"EHLO", "EHLO ", "EHLO    ", "HELO", "HELO "})
        void greetingWithoutArgumentIsASyntaxError(String line) {
            SmtpReply reply = invalid(line, 501, "5.5.4");
            assertThat(reply.lines().get(0)).endsWith("hostname");
        }

        @ParameterizedTest
        @ValueSource(strings = {"ehlo client.example", "Ehlo client.example", "eHlO client.example"})
        void verbsAreCaseInsensitive(String line) {
            assertThat(CommandParser.parse(line)).isEqualTo(new SmtpCommand.Ehlo("client.example"));
        }
    }

    @Nested
    class MailFrom {

        @Test
        void plainSender() {
            SmtpCommand.Mail mail = mail("MAIL FROM:<alice@example.com>");
            assertThat(mail.from()).isEqualTo(new ReversePath.Sender(address("alice", "example.com")));
            assertThat(mail.parameters()).isEmpty();
        }

        @Test
        void nullSender() {
            SmtpCommand.Mail mail = mail("MAIL FROM:<>");
            assertThat(mail.from()).isEqualTo(ReversePath.NULL);
            assertThat(mail.from().bracketed()).isEqualTo("<>");
        }

        @Test
        void sourceRouteIsIgnored() {
            SmtpCommand.Mail mail = mail("MAIL FROM:<@relay1.example,@relay2.example:user@origin.example>");
            assertThat(mail.from()).isEqualTo(new ReversePath.Sender(address("user", "origin.example")));
        }

        @Test
        void sizeAndBodyParametersWithUpperCasedKeys() {
            SmtpCommand.Mail mail = mail("MAIL FROM:<alice@example.com> size=1000 BODY=8BITMIME");
            assertThat(mail.parameters()).containsExactlyInAnyOrderEntriesOf(
                    Map.of("SIZE", "1000", "BODY", "8BITMIME"));
        }

        @Test
        void parameterValuesKeepTheirCase() {
            assertThat(mail("MAIL FROM:<a@example.com> BODY=8bitmime").parameters())
                    .containsEntry("BODY", "8bitmime");
        }

        @Test
        void parametersMayBeSeparatedBySeveralSpaces() {
            assertThat(mail("MAIL FROM:<a@example.com>  SIZE=1   BODY=7BIT").parameters())
                    .containsExactlyInAnyOrderEntriesOf(Map.of("SIZE", "1", "BODY", "7BIT"));
        }

        @Test
        void bareKeywordParameterHasNullValue() {
            SmtpCommand.Mail mail = mail("MAIL FROM:<alice@example.com> SMTPUTF8");
            assertThat(mail.parameters()).containsKey("SMTPUTF8");
            assertThat(mail.parameters().get("SMTPUTF8")).isNull();
        }

        @Test
        void parametersKeepTheOrderTheClientGave() {
            assertThat(mail("MAIL FROM:<a@example.com> ZZZ=1 AAA=2 MMM=3 BBB=4").parameters().keySet())
                    .containsExactly("ZZZ", "AAA", "MMM", "BBB");
        }

        @Test
        void spaceAfterColonIsTolerated() {
            assertThat(mail("MAIL FROM: <alice@example.com>").from())
                    .isEqualTo(new ReversePath.Sender(address("alice", "example.com")));
        }

        @Test
        void lowerCaseVerbAndKeyword() {
            assertThat(mail("mail from:<alice@example.com>").from())
                    .isEqualTo(new ReversePath.Sender(address("alice", "example.com")));
        }

        @Test
        void domainIsLowerCasedButLocalPartKeepsItsCase() {
            assertThat(mail("MAIL FROM:<Alice.Smith@EXAMPLE.Com>").from())
                    .isEqualTo(new ReversePath.Sender(address("Alice.Smith", "example.com")));
        }

        @Test
        void quotedLocalPartMayContainAngleBracketAndSpaces() {
            SmtpCommand.Mail mail = mail("MAIL FROM:<\"john > doe\"@example.com> SIZE=10");
            assertThat(mail.from()).isEqualTo(new ReversePath.Sender(address("\"john > doe\"", "example.com")));
            assertThat(mail.parameters()).containsExactly(Map.entry("SIZE", "10"));
        }

        @Test
        void quotedLocalPartMayContainAnEscapedQuote() {
            assertThat(mail("MAIL FROM:<\"a\\\"b>c\"@example.com>").from())
                    .isEqualTo(new ReversePath.Sender(address("\"a\\\"b>c\"", "example.com")));
        }

        @ParameterizedTest
        @ValueSource(strings = {
                "MAIL FROM:alice@example.com",
                "MAIL FROM:<alice@example.com",
                "MAIL FROM:<alice@example.com>garbage",
                "MAIL FROM:<alice@example.com>SIZE=10",
                "MAIL FROM:<\"unterminated@example.com>",
                "MAIL TO:<alice@example.com>",
                "MAIL FROM <alice@example.com>",
                "MAIL",
                "MAIL "})
        void malformedMailIsASyntaxError(String line) {
            SmtpReply reply = invalid(line, 501, "5.5.4");
            assertThat(reply.lines().get(0)).startsWith("Syntax: MAIL FROM:<address>");
        }

        @ParameterizedTest
        @ValueSource(strings = {
                "MAIL FROM:<a@example.com> =10",
                "MAIL FROM:<a@example.com> SI_ZE=10",
                "MAIL FROM:<a@example.com> -SIZE=10"})
        void malformedParameterIsASyntaxError(String line) {
            SmtpReply reply = invalid(line, 501, "5.5.4");
            assertThat(reply.lines().get(0)).contains("SIZE=n");
        }

        @ParameterizedTest
        @ValueSource(strings = {
                "MAIL FROM:<alice@-example.com>",
                "MAIL FROM:<alice@example-.com>",
                "MAIL FROM:<alice@exa_mple.com>",
                "MAIL FROM:<alice@example..com>",
                "MAIL FROM:<alice@example.com.>",
                "MAIL FROM:<alice@[300.1.1.1]>",
                "MAIL FROM:<alice@[1.2.3]>"})
        void invalidDomainIsABadSender(String line) {
            SmtpReply reply = invalid(line, 501, "5.1.7");
            assertThat(reply.lines().get(0)).isEqualTo("Bad sender address syntax: invalid domain");
        }

        @ParameterizedTest
        @ValueSource(strings = {"MAIL FROM:<alice>", "MAIL FROM:<@example.com>", "MAIL FROM:<alice@>"})
        void addressWithoutBothPartsIsABadSender(String line) {
            SmtpReply reply = invalid(line, 501, "5.1.7");
            assertThat(reply.lines().get(0)).isEqualTo("Bad sender address syntax: expected local-part@domain");
        }

        @ParameterizedTest
        @ValueSource(strings = {"MAIL FROM:<.alice@example.com>", "MAIL FROM:<al..ice@example.com>",
                "MAIL FROM:<al(ice@example.com>"})
        void invalidLocalPartIsABadSender(String line) {
            SmtpReply reply = invalid(line, 501, "5.1.7");
            assertThat(reply.lines().get(0)).isEqualTo("Bad sender address syntax: invalid local part");
        }

        @Test
        void localPartOfSixtyFourCharactersIsAccepted() {
            String local = "a".repeat(64);
            assertThat(mail("MAIL FROM:<" + local + "@example.com>").from())
                    .isEqualTo(new ReversePath.Sender(address(local, "example.com")));
        }

        @Test
        void localPartOfSixtyFiveCharactersIsABadSender() {
            SmtpReply reply = invalid("MAIL FROM:<" + "a".repeat(65) + "@example.com>", 501, "5.1.7");
            assertThat(reply.lines().get(0)).isEqualTo("Bad sender address syntax: local part longer than 64 characters");
        }
    }

    @Nested
    class RcptTo {

        @Test
        void plainRecipient() {
            SmtpCommand.Rcpt rcpt = rcpt("RCPT TO:<bob@example.org>");
            assertThat(rcpt.to()).isEqualTo(new Recipient.MailboxPath(address("bob", "example.org")));
            assertThat(rcpt.parameters()).isEmpty();
        }

        @ParameterizedTest
        @ValueSource(strings = {"RCPT TO:<postmaster>", "RCPT TO:<Postmaster>", "rcpt to:<POSTMASTER>",
                "RCPT TO: <postmaster>"})
        void barePostmaster(String line) {
            assertThat(rcpt(line).to()).isEqualTo(new Recipient.BarePostmaster());
        }

        @Test
        void postmasterWithDomainIsAnOrdinaryMailbox() {
            assertThat(rcpt("RCPT TO:<postmaster@example.org>").to())
                    .isEqualTo(new Recipient.MailboxPath(address("postmaster", "example.org")));
        }

        @Test
        void sourceRouteIsIgnored() {
            assertThat(rcpt("RCPT TO:<@hop.example:bob@example.org>").to())
                    .isEqualTo(new Recipient.MailboxPath(address("bob", "example.org")));
        }

        @Test
        void parametersAreParsed() {
            assertThat(rcpt("RCPT TO:<bob@example.org> NOTIFY=NEVER").parameters())
                    .containsExactly(Map.entry("NOTIFY", "NEVER"));
        }

        @Test
        void bareKeywordParameterHasNullValue() {
            SmtpCommand.Rcpt rcpt = rcpt("RCPT TO:<bob@example.org> XFLAG");
            assertThat(rcpt.parameters()).containsKey("XFLAG");
            assertThat(rcpt.parameters().get("XFLAG")).isNull();
        }

        @Test
        void emptyPathIsABadRecipient() {
            SmtpReply reply = invalid("RCPT TO:<>", 501, "5.1.3");
            assertThat(reply.lines().get(0)).isEqualTo("Bad recipient address syntax: empty address");
        }

        @Test
        void invalidDomainIsABadRecipient() {
            SmtpReply reply = invalid("RCPT TO:<bob@exa mple.org>", 501, "5.1.3");
            assertThat(reply.lines().get(0)).isEqualTo("Bad recipient address syntax: invalid domain");
        }

        @ParameterizedTest
        @ValueSource(strings = {"RCPT TO:bob@example.org", "RCPT <bob@example.org>", "RCPT TO:<bob@example.org>x",
                "RCPT", "RCPT TO:<bob@example.org> =x"})
        void malformedRcptIsASyntaxError(String line) {
            SmtpReply reply = invalid(line, 501, "5.5.4");
            assertThat(reply.lines().get(0)).isEqualTo("Syntax: RCPT TO:<address>");
        }
    }

    @Nested
    class ArgumentlessVerbs {

        @Test
        void data() {
            assertThat(CommandParser.parse("DATA")).isEqualTo(new SmtpCommand.Data());
        }

        @Test
        void rset() {
            assertThat(CommandParser.parse("RSET")).isEqualTo(new SmtpCommand.Rset());
        }

        @Test
        void quit() {
            assertThat(CommandParser.parse("quit")).isEqualTo(new SmtpCommand.Quit());
        }

        @Test
        void trailingSpaceIsNotAnArgument() {
            assertThat(CommandParser.parse("DATA ")).isEqualTo(new SmtpCommand.Data());
        }

        @ParameterizedTest
        @ValueSource(strings = {"DATA", "RSET", "QUIT"})
        void argumentIsASyntaxError(String verb) {
            SmtpReply reply = invalid(verb + " now", 501, "5.5.4");
            assertThat(reply.lines()).containsExactly("Syntax: " + verb);
        }

        @Test
        void noopWithoutArgument() {
            assertThat(CommandParser.parse("NOOP")).isEqualTo(new SmtpCommand.Noop());
        }

        @Test
        void noopArgumentIsIgnored() {
            assertThat(CommandParser.parse("NOOP anything at all")).isEqualTo(new SmtpCommand.Noop());
        }
    }

    @Nested
    class OtherVerbs {

        @Test
        void vrfyWithArgument() {
            assertThat(CommandParser.parse("VRFY bob")).isEqualTo(new SmtpCommand.Vrfy("bob"));
        }

        @Test
        void vrfyWithoutArgumentIsASyntaxError() {
            SmtpReply reply = invalid("VRFY", 501, "5.5.4");
            assertThat(reply.lines()).containsExactly("Syntax: VRFY address");
        }

        @Test
        void helpWithoutTopic() {
            assertThat(CommandParser.parse("HELP")).isEqualTo(new SmtpCommand.Help(""));
        }

        @Test
        void helpWithTopic() {
            assertThat(CommandParser.parse("HELP MAIL")).isEqualTo(new SmtpCommand.Help("MAIL"));
        }

        @ParameterizedTest
        @ValueSource(strings = {"EXPN", "TURN", "ETRN", "ATRN", "SEND", "SOML", "SAML", "VERB"})
        void knownButNotImplemented(String verb) {
            assertThat(CommandParser.parse(verb + " argument")).isEqualTo(new SmtpCommand.NotImplemented(verb));
        }

        @Test
        void notImplementedVerbIsReportedUpperCased() {
            assertThat(CommandParser.parse("etrn x")).isEqualTo(new SmtpCommand.NotImplemented("ETRN"));
        }

        @ParameterizedTest
        @ValueSource(strings = {"GET", "POST", "PUT", "HEAD", "DELETE", "OPTIONS", "CONNECT", "PATCH", "TRACE"})
        void httpRequestLine(String verb) {
            assertThat(CommandParser.parse(verb + " / HTTP/1.1")).isEqualTo(new SmtpCommand.HttpRequest(verb));
        }

        @Test
        void httpConnectToAMailServer() {
            assertThat(CommandParser.parse("CONNECT mx.example.com:25 HTTP/1.1"))
                    .isEqualTo(new SmtpCommand.HttpRequest("CONNECT"));
        }

        @Test
        void unknownVerb() {
            assertThat(CommandParser.parse("FROB x")).isEqualTo(new SmtpCommand.Unknown("FROB"));
        }

        @Test
        void unknownVerbIsReportedUpperCased() {
            assertThat(CommandParser.parse("frob")).isEqualTo(new SmtpCommand.Unknown("FROB"));
        }

        @Test
        void emptyLineIsAnUnknownCommand() {
            assertThat(CommandParser.parse("")).isEqualTo(new SmtpCommand.Unknown(""));
        }
    }

    @Nested
    class LineLevelChecks {

        @Test
        void lineOfExactly510CharactersIsParsed() {
            String line = "NOOP " + "x".repeat(CommandParser.MAX_COMMAND_LINE - 5);
            assertThat(line).hasSize(510);
            assertThat(CommandParser.parse(line)).isEqualTo(new SmtpCommand.Noop());
        }

        @Test
        void lineOver510CharactersIsRefused() {
            String line = "NOOP " + "x".repeat(CommandParser.MAX_COMMAND_LINE - 4);
            assertThat(line).hasSize(511);
            assertThat(invalid(line, 500, "5.5.2")).isEqualTo(Replies.LINE_TOO_LONG);
        }

        @Test
        void rcptLineHasRoomForAFullLengthOrcpt() { // RFC 3461 §4: ORCPT up to 500 more octets
            String orcpt = "rfc822;" + "o".repeat(493);
            String line = "RCPT TO:<c@d.example> NOTIFY=SUCCESS,FAILURE,DELAY ORCPT=" + orcpt;
            assertThat(line.length()).isGreaterThan(CommandParser.MAX_COMMAND_LINE).isLessThanOrEqualTo(CommandParser.MAX_RCPT_LINE);
            assertThat(CommandParser.parse(line)).isInstanceOf(SmtpCommand.Rcpt.class);
            assertThat(((SmtpCommand.Rcpt) CommandParser.parse(line)).parameters()).containsEntry("ORCPT", orcpt);
            String over = "rcpt TO:<c@d.example> X=" + "x".repeat(CommandParser.MAX_RCPT_LINE - 24 + 1);
            assertThat(over).hasSize(CommandParser.MAX_RCPT_LINE + 1);
            assertThat(invalid(over, 500, "5.5.2")).isEqualTo(Replies.LINE_TOO_LONG);
        }

        @Test
        void mailLineHasRoomForAFullLengthEnvid() { // RFC 3461 §4: RET and ENVID, 100 more octets
            String line = "MAIL FROM:<" + "a".repeat(64) + "@" + "b".repeat(250) + ".example> SIZE=1000 BODY=8BITMIME "
                    + "SMTPUTF8 RET=HDRS ENVID=" + "e".repeat(100) + " XTRA=" + "y".repeat(40);
            assertThat(line.length()).isGreaterThan(CommandParser.MAX_COMMAND_LINE).isLessThanOrEqualTo(CommandParser.MAX_MAIL_LINE);
            assertThat(CommandParser.parse(line)).isNotEqualTo(new SmtpCommand.Invalid(Replies.LINE_TOO_LONG));
            String over = "MAIL FROM:<a@b.example> X=" + "x".repeat(CommandParser.MAX_MAIL_LINE - 26 + 1);
            assertThat(over).hasSize(CommandParser.MAX_MAIL_LINE + 1);
            assertThat(invalid(over, 500, "5.5.2")).isEqualTo(Replies.LINE_TOO_LONG);
            assertThat(invalid("NOOP " + "x".repeat(CommandParser.MAX_MAIL_LINE), 500, "5.5.2"))
                    .isEqualTo(Replies.LINE_TOO_LONG); // other commands keep RFC 5321's 512
        }

        @ParameterizedTest
        @ValueSource(strings = {"MAIL FROM:<a@b.example>\rRCPT TO:<c@d.example>", "NOOP\n", "\rNOOP",
                "RCPT TO:<a@b.example>\nDATA"})
        void bareCarriageReturnOrLineFeedIsRefused(String line) {
            assertThat(invalid(line, 500, "5.5.2")).isEqualTo(Replies.BARE_NEWLINE_IN_COMMAND);
        }
    }
}
