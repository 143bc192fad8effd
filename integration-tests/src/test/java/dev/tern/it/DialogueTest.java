package dev.tern.it;

import static dev.tern.it.TernProcess.address;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The RFC 5321 dialogue over a raw socket: reply codes, order rules, pipelining, dot-stuffing. */
class DialogueTest {

    static TernProcess tern;
    /** A user for tests that only look at reply codes. */
    static String alice;

    @BeforeAll
    static void startTern() {
        tern = TernProcess.launch();
        alice = tern.newUser("alice");
    }

    @AfterAll
    static void stopTern() {
        if (tern != null) {
            tern.close();
        }
    }

    @Test
    void greetingAndEhloAdvertiseTheExtensions() {
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern)) {
            assertThat(smtp.greeting().lastLine()).isEqualTo("220 tern.test ESMTP Tern");
            SmtpTranscript.Reply ehlo = smtp.ehlo("client.test");
            assertThat(ehlo.lines().get(0)).startsWith("tern.test");
            assertThat(ehlo.lines()).contains("PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES", "STARTTLS")
                    .anyMatch(line -> line.matches("SIZE \\d+"))
                    .as("AUTH is offered only inside TLS").noneMatch(line -> line.startsWith("AUTH"));
            smtp.quit();
            smtp.expectClosed();
        }
    }

    @Test
    void heloGetsASingleLine250() {
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern)) {
            smtp.greeting();
            smtp.send("HELO client.test");
            assertThat(smtp.expect("250").lines()).hasSize(1);
            smtp.quit();
        }
    }

    @Test
    void aWholeTransactionGetsTheContractualCodesAndIsStored() {
        String user = tern.newUser("dialogue");
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
            smtp.send("MAIL FROM:<sender@client.test>");
            smtp.expect("250 2.1.0");
            smtp.send("RCPT TO:<" + address(user) + ">");
            smtp.expect("250 2.1.5");
            smtp.send("DATA");
            smtp.expect("354");
            smtp.sendRaw("Subject: raw\r\n\r\nhello\r\n.\r\n");
            String id = smtp.queuedId(smtp.expect("250 2.0.0 Ok: queued as "));
            smtp.quit();

            Maildirs.Stored stored = Maildirs.parse(Maildirs.awaitOnlyNewFile(tern.mailRoot(), user));
            assertThat(stored.returnPath()).isEqualTo("<sender@client.test>");
            assertThat(stored.receivedId()).isEqualTo(id);
            assertThat(stored.receivedUnfolded()).startsWith("Received: from client.test")
                    .contains("by tern.test (Tern) with ESMTP id " + id).contains("for <" + address(user) + ">");
            assertThat(stored.messageLatin1()).isEqualTo("Subject: raw\r\n\r\nhello\r\n");
        }
    }

    @Test
    void nullSenderIsAcceptedAndStoredAsEmptyReturnPath() {
        String user = tern.newUser("bounce");
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
            smtp.deliver("", List.of(address(user)), "Subject: bounce\r\n\r\nundeliverable\r\n");
            smtp.quit();
        }
        assertThat(Maildirs.parse(Maildirs.awaitOnlyNewFile(tern.mailRoot(), user)).returnPath()).isEqualTo("<>");
    }

    @Test
    void dotStuffedLinesAreUnstuffedAndADotInsideQuotedPrintableDoesNotEndTheMessage() {
        String user = tern.newUser("dots");
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
            smtp.send("MAIL FROM:<dots@client.test>");
            smtp.expect("250");
            smtp.send("RCPT TO:<" + address(user) + ">");
            smtp.expect("250");
            smtp.send("DATA");
            smtp.expect("354");
            // on the wire, as a client must send it: every line starting with "." gets one more
            smtp.sendRaw("Subject: dots\r\n"
                    + "Content-Type: text/plain\r\n"
                    + "Content-Transfer-Encoding: quoted-printable\r\n"
                    + "\r\n"
                    + "..x\r\n"
                    + "...\r\n"
                    + "a soft line break then a dot=\r\n"
                    + "..\r\n"
                    + "text. .\r\n"
                    + "..\r\n"
                    + "end\r\n"
                    + ".\r\n");
            smtp.expect("250 2.0.0");
            smtp.quit();
        }
        assertThat(Maildirs.parse(Maildirs.awaitOnlyNewFile(tern.mailRoot(), user)).messageLatin1())
                .isEqualTo("Subject: dots\r\n"
                        + "Content-Type: text/plain\r\n"
                        + "Content-Transfer-Encoding: quoted-printable\r\n"
                        + "\r\n"
                        + ".x\r\n"
                        + "..\r\n"
                        + "a soft line break then a dot=\r\n"
                        + ".\r\n"
                        + "text. .\r\n"
                        + ".\r\n"
                        + "end\r\n");
    }

    @Test
    void pipelinedCommandsInOneWriteAreAnsweredInOrder() {
        String bob = tern.newUser("pipebob");
        String carol = tern.newUser("pipecarol");
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern)) {
            smtp.greeting();
            smtp.pipeline("EHLO client.test", "MAIL FROM:<pipe@client.test>", "RCPT TO:<" + address(bob) + ">",
                    "RCPT TO:<nobody-here@example.test>", "RCPT TO:<" + address(carol) + ">", "DATA");
            assertThat(smtp.expect("250").lines()).contains("PIPELINING");
            smtp.expect("250 2.1.0", "250 2.1.5", "550 5.1.1", "250 2.1.5", "354");
            // the content and the next commands in one write too
            smtp.sendRaw("Subject: pipelined\r\n\r\nbody\r\n.\r\nRSET\r\nNOOP\r\nQUIT\r\n");
            smtp.expect("250 2.0.0 Ok: queued as ", "250", "250", "221");
            smtp.expectClosed();
        }
        for (String user : List.of(bob, carol)) {
            assertThat(Maildirs.parse(Maildirs.awaitOnlyNewFile(tern.mailRoot(), user)).messageLatin1())
                    .isEqualTo("Subject: pipelined\r\n\r\nbody\r\n");
        }
    }

    @Test
    void twoTransactionsOnOneConnectionGiveTwoMessages() {
        String user = tern.newUser("twice");
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
            String first = smtp.deliver("a@client.test", List.of(address(user)), "Subject: 1\r\n\r\none\r\n");
            String second = smtp.deliver("a@client.test", List.of(address(user)), "Subject: 2\r\n\r\ntwo\r\n");
            smtp.quit();
            assertThat(first).isNotEqualTo(second);
        }
        List<Path> files = Maildirs.newFiles(tern.mailRoot(), user);
        assertThat(files).hasSize(2);
        assertThat(files.stream().map(f -> Maildirs.parse(f).messageLatin1()))
                .containsExactlyInAnyOrder("Subject: 1\r\n\r\none\r\n", "Subject: 2\r\n\r\ntwo\r\n");
    }

    @Test
    void unknownLocalUserGets550_5_1_1() {
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
            smtp.send("MAIL FROM:<a@client.test>");
            smtp.expect("250 2.1.0");
            smtp.send("RCPT TO:<no-such-user@example.test>");
            smtp.expect("550 5.1.1");
            smtp.send("DATA");
            smtp.expect("554"); // no valid recipients
            smtp.quit();
        }
    }

    @Test
    void remoteDomainIsRelayDeniedOnTheInboundListener() {
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
            smtp.send("MAIL FROM:<a@client.test>");
            smtp.expect("250 2.1.0");
            smtp.send("RCPT TO:<someone@remote.example>");
            smtp.expect("550 5.7.1");
            smtp.quit();
        }
    }

    @Test
    void remoteDomainIsAcceptedForRelayOnTheOutboundListener() {
        try (SmtpTranscript smtp = SmtpTranscript.connectOutbound(tern).hello()) {
            smtp.send("MAIL FROM:<a@client.test>");
            smtp.expect("250 2.1.0");
            smtp.send("RCPT TO:<someone@remote.example>");
            smtp.expect("250 2.1.5");
            smtp.send("RCPT TO:<" + address(alice) + ">");
            smtp.expect("250 2.1.5"); // local users are still delivered from the outbound listener
            smtp.send("RSET");
            smtp.expect("250");
            smtp.quit();
        }
    }

    @Test
    void commandsOutOfOrderGet503() {
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern)) {
            smtp.greeting();
            smtp.send("MAIL FROM:<a@client.test>");
            smtp.expect("503"); // HELO/EHLO first
            smtp.ehlo("client.test");
            smtp.send("RCPT TO:<" + address(alice) + ">");
            smtp.expect("503"); // need MAIL
            smtp.send("DATA");
            smtp.expect("503"); // need MAIL
            smtp.send("MAIL FROM:<a@client.test>");
            smtp.expect("250");
            smtp.send("MAIL FROM:<a@client.test>");
            smtp.expect("503"); // nested MAIL
            smtp.send("RSET");
            smtp.expect("250");
            smtp.quit();
        }
    }

    @Test
    void unknownCommandGets500AndTheSessionGoesOn() {
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
            smtp.send("FROB the widget");
            smtp.expect("500");
            smtp.send("NOOP");
            smtp.expect("250");
            smtp.quit();
        }
    }

    @Test
    void expnIsNotImplementedVrfyDoesNotTellHelpNoopRsetQuit() {
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
            smtp.send("EXPN staff");
            smtp.expect("502");
            smtp.send("VRFY " + alice);
            smtp.expect("252");
            smtp.send("VRFY no-such-user");
            smtp.expect("252"); // the same answer: VRFY must not reveal who exists
            smtp.send("HELP");
            smtp.expect("214");
            smtp.send("NOOP");
            smtp.expect("250");
            smtp.send("MAIL FROM:<a@client.test>");
            smtp.expect("250");
            smtp.send("RSET");
            smtp.expect("250");
            smtp.send("RCPT TO:<" + address(alice) + ">");
            smtp.expect("503"); // RSET ended the transaction
            smtp.send("QUIT");
            smtp.expect("221");
            smtp.expectClosed();
        }
    }

    @Test
    void commandsAreCaseInsensitive() {
        String user = tern.newUser("case");
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern)) {
            smtp.greeting();
            smtp.send("ehlo client.test");
            smtp.expect("250");
            smtp.send("mail from:<a@client.test>");
            smtp.expect("250 2.1.0");
            smtp.send("rcpt to:<" + user + "@EXAMPLE.TEST>");
            smtp.expect("250 2.1.5");
            smtp.send("data");
            smtp.expect("354");
            smtp.sendData("Subject: case\r\n\r\nx\r\n");
            smtp.expect("250 2.0.0");
            smtp.send("quit");
            smtp.expect("221");
        }
        Maildirs.awaitOnlyNewFile(tern.mailRoot(), user);
    }

    @Test
    void dataWithoutValidRecipientsIsRefusedAndNothingIsStored() {
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
            smtp.pipeline("MAIL FROM:<a@client.test>", "RCPT TO:<ghost@example.test>", "DATA");
            smtp.expect("250", "550 5.1.1", "554");
            smtp.send("NOOP");
            smtp.expect("250"); // still in command mode: the 554 did not start a data phase
            smtp.quit();
        }
    }

    @Test
    void badAddressSyntaxGets501AndUnknownParametersGet555() {
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
            smtp.send("MAIL FROM:no-angle-brackets@client.test");
            smtp.expect("501");
            smtp.send("MAIL FROM:<a@client.test> FROBNICATE=yes");
            smtp.expect("555");
            smtp.send("MAIL FROM:<a@client.test>");
            smtp.expect("250 2.1.0");
            smtp.send("RCPT TO:<a@@example.test>");
            smtp.expect("501");
            smtp.send("RCPT TO:<" + address(alice) + "> XFROB=1"); // NOTIFY=NEVER is DSN's: DsnTest
            smtp.expect("555");
            smtp.send("RCPT TO:<" + address(alice) + ">");
            smtp.expect("250 2.1.5");
            smtp.send("RSET");
            smtp.expect("250");
            smtp.quit();
        }
    }

    @Test
    void mailParametersSizeAndBodyAreAccepted() {
        String user = tern.newUser("params");
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
            smtp.send("MAIL FROM:<a@client.test> SIZE=100 BODY=8BITMIME");
            smtp.expect("250 2.1.0");
            smtp.send("RCPT TO:<" + address(user) + ">");
            smtp.expect("250");
            smtp.send("DATA");
            smtp.expect("354");
            smtp.sendData("Subject: p\r\n\r\n\u00e9t\u00e9\r\n");
            smtp.expect("250 2.0.0");
            smtp.quit();
        }
        assertThat(Maildirs.parse(Maildirs.awaitOnlyNewFile(tern.mailRoot(), user)).messageLatin1())
                .isEqualTo("Subject: p\r\n\r\n\u00e9t\u00e9\r\n");
    }

    @Test
    void postmasterWithoutDomainReachesThePostmasterUser() {
        tern.addUser("postmaster");
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
            smtp.send("MAIL FROM:<a@client.test>");
            smtp.expect("250");
            smtp.send("RCPT TO:<Postmaster>"); // RFC 5321 §4.5.1: case-insensitive, no domain needed
            smtp.expect("250 2.1.5");
            smtp.send("DATA");
            smtp.expect("354");
            smtp.sendData("Subject: abuse report\r\n\r\nhello postmaster\r\n");
            smtp.expect("250 2.0.0");
            smtp.quit();
        }
        assertThat(Maildirs.parse(Maildirs.awaitOnlyNewFile(tern.mailRoot(), "postmaster")).messageLatin1())
                .isEqualTo("Subject: abuse report\r\n\r\nhello postmaster\r\n");
    }

    @Test
    void aCommandEndingInABareLineFeedIsNotExecuted() {
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
            smtp.send("MAIL FROM:<a@client.test>");
            smtp.expect("250");
            // "RSET<LF>" is not a line: RFC 5321 §2.3.8 lines end in CRLF only
            smtp.sendRaw("RSET\nNOOP\r\n");
            smtp.expect("500 5.5.2");
            smtp.send("MAIL FROM:<a@client.test>");
            smtp.expect("503"); // the transaction is still open: RSET did not run
            smtp.send("RSET");
            smtp.expect("250");
            smtp.quit();
        }
    }
}
