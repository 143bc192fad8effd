package dev.tern.it;

import static dev.tern.it.Relaying.awaitDsn;
import static dev.tern.it.Relaying.awaitOnlyTransaction;
import static dev.tern.it.TernProcess.address;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.tern.testing.ScriptedSmtpServer;

/**
 * DSN (RFC 3461) end to end: Python's smtplib sends RET, ENVID, NOTIFY and ORCPT (swaks 20201014 has no DSN
 * options), Tern delivers or relays, and the DSNs it writes land in the sender's Maildir.
 */
class DsnTest {

    static FakeInternet net;
    static TernProcess tern;

    /** smtplib.sendmail with mail_options and rcpt_options: host port from to body [mail-options] | [rcpt-options]. */
    static final String SENDER = String.join("\n",
            "import smtplib, sys",
            "host, port, sender, to, body = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]",
            "rest = sys.argv[6:]",
            "split = rest.index('|')",
            "mail_options, rcpt_options = rest[:split], rest[split + 1:]",
            "message = 'From: <' + sender + '>\\r\\nSubject: dsn test\\r\\nMessage-ID: <dsn-' + body + '@client.test>\\r\\n'"
                    + " + '\\r\\n' + body + '\\r\\n'",
            "with smtplib.SMTP(host, port, local_hostname='client.test', timeout=30) as smtp:",
            "    smtp.ehlo()",
            "    print('dsn offered:', smtp.has_extn('dsn'))",
            "    refused = smtp.sendmail(sender, [to], message, mail_options=mail_options, rcpt_options=rcpt_options)",
            "    print('refused:', refused)",
            "");

    @BeforeAll
    static void start() {
        net = FakeInternet.start();
        tern = TernProcess.launch(net.ternOptions("300ms", "1s", "30s"));
    }

    @AfterAll
    static void stop() {
        FakeInternet.close(tern, net);
    }

    private static Exec.Result python(int port, String from, String to, String body, List<String> mailOptions,
                                      List<String> rcptOptions) {
        Clients.assumePython();
        List<String> command = new ArrayList<>(List.of("python3", "-c", SENDER, "127.0.0.1", Integer.toString(port),
                from, to, body));
        command.addAll(mailOptions);
        command.add("|");
        command.addAll(rcptOptions);
        Exec.Result result = Exec.run(Clients.EXTERNAL_TIMEOUT, null, command);
        assertThat(result.exitCode()).as(result.describe() + tern.logTail()).isZero();
        assertThat(result.stdout()).contains("dsn offered: True").contains("refused: {}");
        return result;
    }

    /** A domain whose one MX host, at a fresh loopback address, is this scripted server. */
    private static ScriptedSmtpServer mx(String domain,
                                         java.util.function.UnaryOperator<ScriptedSmtpServer.Builder> script) {
        String host = net.nextAddress();
        net.mx(domain, 10, "mx." + domain, host);
        return net.run(script.apply(net.smtp(host)));
    }

    private static void assertNoDsn(String user) {
        TernProcess.sleep(500);
        assertThat(Maildirs.newFiles(tern.mailRoot(), user)).as("DSNs to " + user).isEmpty();
    }

    @Test
    void localDeliveryWithNotifySuccessGivesTheSenderASuccessDsn() {
        String alice = tern.newUser("alice");
        String bob = tern.newUser("bob");

        python(tern.inboundPort(), address(alice), address(bob), "local-success", List.of("ENVID=QQ314159"),
                List.of("NOTIFY=SUCCESS", "ORCPT=rfc822;" + bob + "+2Blists@" + TernProcess.HOSTNAME));

        assertThat(Maildirs.awaitNewFiles(tern.mailRoot(), bob, 1, Relaying.DELIVERY_TIMEOUT)).hasSize(1);
        String dsn = awaitDsn(tern, alice, Relaying.DELIVERY_TIMEOUT);
        assertThat(dsn).startsWith("Return-Path: <>\r\n")
                .contains("\r\nSubject: Successful Mail Delivery Report\r\n")
                .contains("\r\nOriginal-Envelope-Id: QQ314159\r\n")
                .contains("\r\nFinal-Recipient: rfc822; " + address(bob) + "\r\n")
                .contains("\r\nOriginal-Recipient: rfc822; " + bob + "+lists@" + TernProcess.HOSTNAME + "\r\n")
                .contains("\r\nAction: delivered\r\n")
                .contains("Message-ID: <dsn-local-success@client.test>");
    }

    @Test
    void localDeliveryWithoutNotifySuccessGivesNoDsn() {
        String alice = tern.newUser("alice");
        String bob = tern.newUser("bob");

        python(tern.inboundPort(), address(alice), address(bob), "local-quiet", List.of(), List.of("NOTIFY=FAILURE"));

        assertThat(Maildirs.awaitNewFiles(tern.mailRoot(), bob, 1, Relaying.DELIVERY_TIMEOUT)).hasSize(1);
        assertNoDsn(alice);
    }

    @Test
    void aNextHopOfferingDsnGetsTheParametersOnItsMailAndRcptLines() {
        String alice = tern.newUser("alice");
        ScriptedSmtpServer server = mx("dsn-aware.test", builder -> builder.extension("DSN"));

        python(tern.outboundPort(), address(alice), "bob@dsn-aware.test", "passed-on",
                List.of("RET=HDRS", "ENVID=env+2B1"), List.of("NOTIFY=SUCCESS,DELAY", "ORCPT=rfc822;bob@dsn-aware.test"));

        ScriptedSmtpServer.Transaction t = awaitOnlyTransaction(server, tern);
        assertThat(t.mailParameters()).contains("RET=HDRS").contains("ENVID=env+2B1");
        assertThat(server.commandLines())
                .contains("RCPT TO:<bob@dsn-aware.test> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;bob@dsn-aware.test");
        assertNoDsn(alice); // the next hop reports success, not Tern
    }

    @Test
    void aNextHopWithoutDsnMeansARelayedDsn() {
        String alice = tern.newUser("alice");
        ScriptedSmtpServer server = mx("dsn-unaware.test", builder -> builder);

        python(tern.outboundPort(), address(alice), "bob@dsn-unaware.test", "relayed", List.of(),
                List.of("NOTIFY=SUCCESS"));

        awaitOnlyTransaction(server, tern);
        assertThat(server.commandLines()).contains("RCPT TO:<bob@dsn-unaware.test>");
        String dsn = awaitDsn(tern, alice, Relaying.DELIVERY_TIMEOUT);
        assertThat(dsn).contains("\r\nFinal-Recipient: rfc822; bob@dsn-unaware.test\r\n")
                .contains("\r\nAction: relayed\r\n")
                .contains("\r\nRemote-MTA: dns; mx.dsn-unaware.test\r\n");
    }

    @Test
    void aPermanentFailureWithNotifyNeverBouncesNothing() {
        String alice = tern.newUser("alice");
        mx("never.test", builder -> builder.rcptReplies("550 5.1.1 <bob@never.test>: no such user"));

        python(tern.outboundPort(), address(alice), "bob@never.test", "never", List.of(), List.of("NOTIFY=NEVER"));

        Relaying.awaitLogLine(tern, Relaying.DELIVERY_TIMEOUT, "no bounce: NOTIFY excludes FAILURE");
        assertNoDsn(alice);
    }

    @Test
    void aFailureDsnCarriesEnvidAndOrcptAndWithRetFullTheMessage() {
        String alice = tern.newUser("alice");
        mx("fails.test", builder -> builder.rcptReplies("550 5.1.1 <bob@fails.test>: no such user"));

        python(tern.outboundPort(), address(alice), "bob@fails.test", "full-return", List.of("RET=FULL", "ENVID=E-42"),
                List.of("ORCPT=rfc822;Bob+2Bold@fails.test"));

        String dsn = awaitDsn(tern, alice, Relaying.DELIVERY_TIMEOUT);
        Relaying.assertFailureDsn(dsn, address(alice), List.of("bob@fails.test"));
        assertThat(dsn).contains("\r\nOriginal-Envelope-Id: E-42\r\n")
                .contains("\r\nOriginal-Recipient: rfc822; Bob+old@fails.test\r\n")
                .contains("Content-Type: message/rfc822\r\n")
                .contains("Message-ID: <dsn-full-return@client.test>\r\n\r\nfull-return\r\n");
    }

    @Test
    void badDsnParametersAreRefusedOnTheWire() {
        String bob = tern.newUser("bob");
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
            smtp.send("MAIL FROM:<a@client.test> RET=SOME");
            smtp.expect("501 5.5.4");
            smtp.send("MAIL FROM:<a@client.test> ENVID=a ENVID=b");
            smtp.expect("501 5.5.4");
            smtp.send("MAIL FROM:<a@client.test> RET=FULL ENVID=x");
            smtp.expect("250 2.1.0");
            smtp.send("RCPT TO:<" + address(bob) + "> NOTIFY=NEVER,SUCCESS");
            smtp.expect("501 5.5.4");
            smtp.send("RCPT TO:<" + address(bob) + "> ORCPT=nonsense");
            smtp.expect("501 5.5.4");
            smtp.send("RCPT TO:<" + address(bob) + "> NOTIFY=NEVER ORCPT=rfc822;" + address(bob));
            smtp.expect("250 2.1.5");
            smtp.quit();
        }
    }
}
