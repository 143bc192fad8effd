package dev.tern.it;

import static dev.tern.it.Relaying.awaitOnlyTransaction;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import javax.net.ssl.SSLContext;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.tern.testing.PolicyServer;
import dev.tern.testing.ScriptedSmtpServer;
import dev.tern.testing.TestCa;

/**
 * REQUIRETLS (RFC 8689) end to end: offered and taken only inside TLS; a REQUIRETLS message is relayed only to an MX
 * host that an MTA-STS policy lists (§4.2.1: the MX name authenticated; the policy fetched from a policy host on
 * 127.0.15.10:443), over TLS verified for its name (through {@code --tls-trust} and the default opportunistic TLS),
 * that offers REQUIRETLS, with REQUIRETLS on its MAIL; anywhere else it is not sent at all, and the sender gets a
 * bounce (5.7.10, or 5.7.30 for an MX that does not offer REQUIRETLS), itself sent with REQUIRETLS (§5).
 */
class RequireTlsTest {

    /** Python's smtplib, a real client: STARTTLS, then MAIL with REQUIRETLS. Args: host port from to body. */
    static final String PYTHON_SENDER = String.join("\n",
            "import smtplib, ssl, sys",
            "host, port, sender, to, subject = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]",
            "message = 'From: <' + sender + '>\\r\\nSubject: ' + subject + '\\r\\nMessage-ID: <' + subject"
                    + " + '@client.test>\\r\\n\\r\\nfor TLS only\\r\\n'",
            "with smtplib.SMTP(host, port, local_hostname='client.test', timeout=30) as smtp:",
            "    smtp.ehlo()",
            "    print('in clear:', smtp.has_extn('requiretls'))",
            "    smtp.starttls(context=ssl._create_unverified_context())",
            "    smtp.ehlo()",
            "    print('inside tls:', smtp.has_extn('requiretls'))",
            "    print('refused:', smtp.sendmail(sender, [to], message, mail_options=['REQUIRETLS']))",
            "");

    private static final String POLICY_HOST = "127.0.15.10";

    static FakeInternet net;
    static TernProcess tern;
    static TestCa ca;
    static PolicyServer policies;

    @BeforeAll
    static void start() throws Exception {
        net = FakeInternet.start();
        ca = TestCa.create();
        policies = net.policyHost(POLICY_HOST, ca, "mta-sts.secure.test", "mta-sts.norequiretls.test",
                "mta-sts.home.test", "mta-sts.trial.test");
        tern = TernProcess.launch(net.ternOptionsTrusting(ca, "300ms", "1s", "1m"));
    }

    @AfterAll
    static void stop() {
        FakeInternet.close(tern, net); // the policy host with it
    }

    /** {@code domain} publishes an MTA-STS policy in {@code mode} that lists its one MX host {@code mx.DOMAIN}. */
    private static void publishPolicy(String domain, String mode) {
        policies.serve("mta-sts." + domain, "version: STSv1\r\nmode: " + mode + "\r\nmx: mx." + domain
                + "\r\nmax_age: 86400\r\n");
        net.dns().txt("_mta-sts." + domain, "v=STSv1; id=1;");
        net.address("mta-sts." + domain, POLICY_HOST);
    }

    @Test
    void refusedInClearOfferedAndTakenOnlyInsideTls() {
        try (SmtpTranscript smtp = SmtpTranscript.connectOutbound(tern)) {
            smtp.greeting();
            assertThat(smtp.ehlo("client.test").lines()).contains("STARTTLS").doesNotContain("REQUIRETLS");
            smtp.send("MAIL FROM:<a@client.test> REQUIRETLS");
            assertThat(smtp.expect("530").lastLine())
                    .isEqualTo("530 5.7.10 REQUIRETLS needs an encrypted session: send STARTTLS first");

            smtp.startTls();
            assertThat(smtp.ehlo("client.test").lines()).contains("REQUIRETLS");
            smtp.send("MAIL FROM:<a@client.test> REQUIRETLS REQUIRETLS");
            smtp.expect("501 5.5.4");
            smtp.send("MAIL FROM:<a@client.test> REQUIRETLS=YES");
            smtp.expect("501 5.5.4");
            smtp.send("MAIL FROM:<a@client.test> REQUIRETLS");
            smtp.expect("250 2.1.0");
            smtp.quit();
        }
    }

    @Test
    void relayedOverVerifiedTlsToAnMxThatOffersItWithRequireTlsOnMail() throws Exception {
        SSLContext tls = ca.issue("mx.secure.test").serverContext();
        ScriptedSmtpServer server = mx("secure.test", builder -> builder.startTls(tls).extension("REQUIRETLS"));
        publishPolicy("secure.test", "enforce");

        Exec.Result sent = python(tern.outboundPort(), "alice@client.test", "bob@secure.test", "secure");

        assertThat(sent.stdout()).contains("in clear: False").contains("inside tls: True").contains("refused: {}");
        ScriptedSmtpServer.Transaction t = awaitOnlyTransaction(server, tern);
        assertThat(t.tls()).isTrue();
        assertThat(t.mailParameters()).contains("REQUIRETLS");
        assertThat(t.recipients()).containsExactly("bob@secure.test");
        assertThat(t.dataAsString()).contains("Subject: secure\r\n");
    }

    @Test
    void anMtaStsTestingPolicyThatListsTheMxAuthenticatesItToo() throws Exception {
        SSLContext tls = ca.issue("mx.trial.test").serverContext();
        ScriptedSmtpServer server = mx("trial.test", builder -> builder.startTls(tls).extension("REQUIRETLS"));
        publishPolicy("trial.test", "testing");

        python(tern.outboundPort(), "alice@client.test", "bob@trial.test", "trial");

        ScriptedSmtpServer.Transaction t = awaitOnlyTransaction(server, tern);
        assertThat(t.tls()).isTrue();
        assertThat(t.mailParameters()).contains("REQUIRETLS");
    }

    @Test
    void aVerifiedCertificateWithoutAPolicyGetsNothingAndTheSenderABounceWith5710() throws Exception {
        // §4.2.1: the MX name came from DNS alone, so a valid certificate for it proves nothing
        String alice = tern.newUser("alice");
        SSLContext tls = ca.issue("mx.nopolicy.test").serverContext();
        ScriptedSmtpServer server = mx("nopolicy.test", builder -> builder.startTls(tls).extension("REQUIRETLS"));

        python(tern.outboundPort(), TernProcess.address(alice), "bob@nopolicy.test", "nopolicy");

        String dsn = Relaying.awaitDsn(tern, alice, Relaying.DELIVERY_TIMEOUT);
        Relaying.assertFailureDsn(dsn, TernProcess.address(alice), List.of("bob@nopolicy.test"));
        assertThat(dsn).contains("\r\nStatus: 5.7.10\r\n").contains("\r\nDiagnostic-Code: smtp; 550 5.7.10 "
                + "REQUIRETLS: not sent, MX host mx.nopolicy.test not authenticated by DANE or MTA-STS (policy "
                + "opportunistic)\r\n");
        assertNothingSent(server);
    }

    @Test
    void theBounceToARemoteSenderIsRelayedWithRequireTls() throws Exception {
        // §5: the bounce carries the original's headers, so it takes the same care
        SSLContext homeTls = ca.issue("mx.home.test").serverContext();
        ScriptedSmtpServer home = mx("home.test", builder -> builder.startTls(homeTls).extension("REQUIRETLS"));
        publishPolicy("home.test", "enforce");
        ScriptedSmtpServer sink = mx("clearhop.test", builder -> builder.extension("REQUIRETLS"));

        python(tern.outboundPort(), "alice@home.test", "bob@clearhop.test", "clearhop");

        ScriptedSmtpServer.Transaction bounce = awaitOnlyTransaction(home, tern);
        assertThat(bounce.tls()).isTrue();
        assertThat(bounce.recipients()).containsExactly("alice@home.test");
        assertThat(bounce.mailParameters()).contains("REQUIRETLS");
        assertThat(bounce.mailFrom()).isEmpty();
        assertThat(bounce.dataAsString()).contains("Status: 5.7.10").contains("Subject: clearhop");
        assertNothingSent(sink);
    }

    @Test
    void aNextHopWithoutStartTlsGetsNothingAndTheSenderABounceWith5710() {
        String alice = tern.newUser("alice");
        ScriptedSmtpServer sink = mx("plaintext.test", builder -> builder.extension("REQUIRETLS"));

        python(tern.outboundPort(), TernProcess.address(alice), "bob@plaintext.test", "plaintext");

        String dsn = Relaying.awaitDsn(tern, alice, Relaying.DELIVERY_TIMEOUT);
        Relaying.assertFailureDsn(dsn, TernProcess.address(alice), List.of("bob@plaintext.test"));
        assertThat(dsn).contains("\r\nStatus: 5.7.10\r\n").contains("\r\nDiagnostic-Code: smtp; 550 5.7.10 "
                + "REQUIRETLS: not sent, no TLS session with mx.plaintext.test\r\n");
        assertNothingSent(sink);
    }

    @Test
    void aSelfSignedNextHopGetsNothingAndTheSenderABounceWith5710() throws Exception {
        String alice = tern.newUser("alice");
        SSLContext tls = TestCa.selfSigned("mx.selfsigned.test").serverContext();
        ScriptedSmtpServer server = mx("selfsigned.test", builder -> builder.startTls(tls).extension("REQUIRETLS"));

        python(tern.outboundPort(), TernProcess.address(alice), "bob@selfsigned.test", "selfsigned");

        String dsn = Relaying.awaitDsn(tern, alice, Relaying.DELIVERY_TIMEOUT);
        Relaying.assertFailureDsn(dsn, TernProcess.address(alice), List.of("bob@selfsigned.test"));
        assertThat(dsn).contains("\r\nStatus: 5.7.10\r\n")
                .containsPattern("Diagnostic-Code: smtp; 550 5\\.7\\.10 REQUIRETLS: not sent, the certificate of "
                        + "mx\\.selfsigned\\.test did not verify: .+\r\n");
        assertNothingSent(server);
    }

    @Test
    void aVerifiedNextHopWithoutRequireTlsGetsNothingAndTheSenderABounceWith5730() throws Exception {
        String alice = tern.newUser("alice");
        SSLContext tls = ca.issue("mx.norequiretls.test").serverContext();
        ScriptedSmtpServer server = mx("norequiretls.test", builder -> builder.startTls(tls));
        publishPolicy("norequiretls.test", "enforce");

        python(tern.outboundPort(), TernProcess.address(alice), "bob@norequiretls.test", "norequiretls");

        String dsn = Relaying.awaitDsn(tern, alice, Relaying.DELIVERY_TIMEOUT);
        assertThat(dsn).contains("\r\nStatus: 5.7.30\r\n").contains("\r\nDiagnostic-Code: smtp; 550 5.7.30 "
                + "REQUIRETLS: not sent, mx.norequiretls.test does not offer REQUIRETLS\r\n");
        assertNothingSent(server);
    }

    @Test
    void aMessageWithoutItStillGoesToTheSameNextHops() {
        ScriptedSmtpServer sink = mx("plain.test", builder -> builder);

        Relaying.send(tern, "alice@client.test", List.of("bob@plain.test"), Relaying.message("plain", "as ever"));

        ScriptedSmtpServer.Transaction t = awaitOnlyTransaction(sink, tern);
        assertThat(t.tls()).isFalse();
        assertThat(t.mailParameters()).doesNotContain("REQUIRETLS");
    }

    private static void assertNothingSent(ScriptedSmtpServer server) {
        assertThat(server.connections()).as("the MX was tried").isGreaterThanOrEqualTo(1);
        assertThat(server.transactions()).isEmpty();
        assertThat(server.commandLines()).noneMatch(line -> line.startsWith("MAIL"));
    }

    private static Exec.Result python(int port, String from, String to, String subject) {
        Clients.assumePython();
        Exec.Result result = Exec.run(Clients.EXTERNAL_TIMEOUT, null, List.of("python3", "-c", PYTHON_SENDER,
                "127.0.0.1", Integer.toString(port), from, to, subject));
        assertThat(result.exitCode()).as(result.describe() + tern.logTail()).isZero();
        assertThat(result.stdout()).contains("refused: {}");
        return result;
    }

    /** A domain whose one MX host, at a fresh loopback address, is this scripted server. */
    private static ScriptedSmtpServer mx(String domain,
                                         java.util.function.UnaryOperator<ScriptedSmtpServer.Builder> script) {
        String host = net.nextAddress();
        net.mx(domain, 10, "mx." + domain, host);
        return net.run(script.apply(net.smtp(host)));
    }
}
