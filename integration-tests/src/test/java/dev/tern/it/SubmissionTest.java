package dev.tern.it;

import static dev.tern.it.Relaying.awaitOnlyTransaction;
import static dev.tern.it.TernProcess.address;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.tern.testing.ScriptedSmtpServer;

/**
 * The mail submission listener ({@code --submission}, RFC 6409) with real clients: swaks and
 * msmtp authenticate inside STARTTLS and their mail is relayed to a fake MX or delivered
 * locally; MAIL before AUTH gets {@code 530 5.7.0}; a sender that is not the user's gets
 * {@code 553 5.7.1} under the default {@code tern.submission-sender = own}. The inbound
 * listener of the same Tern is checked to behave as before.
 */
class SubmissionTest {

    static final String PASSWORD = "submission-secret";
    static final String AUTH_REQUIRED = "530 5.7.0 Authentication required";
    static final String NOT_OWNED = "553 5.7.1 Sender address rejected: not owned by user ";

    static FakeInternet net;
    static TernProcess tern;
    static int submissionPort;
    static String alice;
    static String bob;

    @BeforeAll
    static void start() {
        net = FakeInternet.start();
        submissionPort = TestDirs.freePort();
        tern = TernProcess.launch(net.ternOptions("500ms", "2s", "1m", "--submission", "127.0.0.1:" + submissionPort));
        alice = tern.addUser("alice", PASSWORD);
        bob = tern.addUser("bob", "bobs-password");
    }

    @AfterAll
    static void stop() {
        FakeInternet.close(tern, net);
    }

    /** Greeting, EHLO, STARTTLS, EHLO again, AUTH PLAIN as alice: 235. */
    private static SmtpTranscript authenticatedSession(int port) {
        SmtpTranscript smtp = SmtpTranscript.connect("127.0.0.1", port).hello();
        smtp.startTls();
        smtp.ehlo("client.test");
        smtp.send("AUTH PLAIN " + TlsClient.plain(alice, PASSWORD));
        smtp.expect("235 2.7.0");
        return smtp;
    }

    private static List<String> swaksAuth() {
        return List.of("--tls", "--auth", "PLAIN", "--auth-user", alice, "--auth-password", PASSWORD);
    }

    @Test
    void swaksAuthenticatesInsideStartTlsAndItsMailReachesTheRemoteMx() {
        ScriptedSmtpServer server = net.mxServer("remote.test");

        Exec.Result swaks = Clients.swaks("127.0.0.1", submissionPort, "alice@example.test", "friend@remote.test",
                "submitted by swaks", "Hello through the submission port", swaksAuth().toArray(String[]::new));

        assertThat(swaks.exitCode()).as(swaks.describe()).isZero();
        assertThat(swaks.stdout()).as(swaks.describe())
                .contains("<-  220 2.0.0 Ready to start TLS")
                .contains("<~  235 2.7.0 Authentication successful")
                .contains("<~  250 2.0.0 Ok: queued as ");
        ScriptedSmtpServer.Transaction t = awaitOnlyTransaction(server, tern);
        assertThat(t.mailFrom()).isEqualTo("alice@example.test");
        assertThat(t.recipients()).containsExactly("friend@remote.test");
        Relaying.Relayed relayed = Relaying.relayed(t.data());
        assertThat(relayed.received()).as("Tern's trace header")
                .contains("(authenticated as alice)").contains("with ESMTPSA id ").contains("for <friend@remote.test>");
        assertThat(relayed.messageLatin1()).contains("Subject: submitted by swaks\r\n")
                .contains("\r\n\r\nHello through the submission port\r\n");
        Relaying.awaitNotQueued(tern, "remote.test");
    }

    @Test
    void msmtpWithAuthLoginDeliversToALocalMailbox() {
        Assumptions.assumeTrue(Exec.onPath("msmtp"), "msmtp is not installed (apt-get install msmtp)");
        String carol = tern.newUser("carol");
        String message = "From: Alice <alice@example.test>\r\nTo: <" + address(carol) + ">\r\n"
                + "Subject: submitted by msmtp\r\n\r\nHello Carol\r\n";
        Exec.Result msmtp = Exec.run(Clients.EXTERNAL_TIMEOUT, message.getBytes(StandardCharsets.US_ASCII), List.of(
                "msmtp", "--file=/dev/null", "--host=127.0.0.1", "--port=" + submissionPort, "--domain=client.test",
                "--tls=on", "--tls-starttls=on", "--tls-certcheck=off", "--auth=login", "--user=" + alice,
                "--passwordeval=echo " + PASSWORD, "--from=alice@example.test", "--timeout=30", address(carol)));

        assertThat(msmtp.exitCode()).as(msmtp.describe()).isZero();
        Maildirs.Stored stored = Maildirs.parse(Maildirs.awaitOnlyNewFile(tern.mailRoot(), carol));
        assertThat(stored.returnPath()).isEqualTo("<alice@example.test>");
        assertThat(stored.receivedUnfolded()).contains("(authenticated as alice)").contains("with ESMTPSA id ");
        assertThat(stored.messageLatin1()).contains("Subject: submitted by msmtp\r\n").endsWith("\r\n\r\nHello Carol\r\n");
    }

    @Test
    void mailBeforeAuthGets530InClearAndInsideTls() {
        try (SmtpTranscript smtp = SmtpTranscript.connect("127.0.0.1", submissionPort)) {
            smtp.greeting();
            List<String> clear = smtp.ehlo("client.test").lines();
            assertThat(clear).contains("STARTTLS").noneMatch(line -> line.startsWith("AUTH"));
            smtp.send("MAIL FROM:<alice@example.test>");
            assertThat(smtp.expect("530").lastLine()).isEqualTo(AUTH_REQUIRED);
            smtp.send("RCPT TO:<" + address(bob) + ">");
            smtp.expect("503 5.5.1");
            // as on the inbound listener: no AUTH in clear
            smtp.send("AUTH PLAIN " + TlsClient.plain(alice, PASSWORD));
            smtp.expect("538 5.7.11");
            smtp.send("MAIL FROM:<alice@example.test>");
            smtp.expect(AUTH_REQUIRED);

            smtp.startTls();
            assertThat(smtp.ehlo("client.test").lines()).contains("AUTH PLAIN LOGIN");
            smtp.send("MAIL FROM:<alice@example.test>");
            assertThat(smtp.expect("530").lastLine()).isEqualTo(AUTH_REQUIRED);
            smtp.send("MAIL FROM:<>");
            smtp.expect(AUTH_REQUIRED);
            smtp.send("AUTH PLAIN " + TlsClient.plain(alice, PASSWORD));
            smtp.expect("235 2.7.0");
            smtp.send("MAIL FROM:<alice@example.test>");
            smtp.expect("250 2.1.0");
            smtp.quit();
        }
    }

    @Test
    void swaksWithoutAuthIsRefusedWith530AndNothingIsQueued() {
        ScriptedSmtpServer server = net.mxServer("unauth.test");

        Exec.Result swaks = Clients.swaks("127.0.0.1", submissionPort, "alice@example.test", "friend@unauth.test",
                "no auth", "x", "--tls");

        assertThat(swaks.exitCode()).as(swaks.describe()).isNotZero();
        assertThat(swaks.stdout()).as(swaks.describe()).contains("<~* " + AUTH_REQUIRED)
                .doesNotContain("queued as");
        assertThat(Relaying.queueList(tern)).doesNotContain("unauth.test");
        assertThat(server.connections()).isZero();
    }

    @Test
    void aSenderThatIsNotTheUsersGets553AndTheUsersOwnIsTaken() {
        String dave = tern.newUser("dave");
        try (SmtpTranscript smtp = authenticatedSession(submissionPort)) {
            smtp.send("MAIL FROM:<" + address(bob) + ">");
            assertThat(smtp.expect("553").lastLine()).isEqualTo(NOT_OWNED + alice);
            smtp.send("MAIL FROM:<alice@elsewhere.test>");
            assertThat(smtp.expect("553").lastLine()).isEqualTo(NOT_OWNED + alice);
            smtp.send("RCPT TO:<" + address(bob) + ">");
            smtp.expect("503 5.5.1"); // the refused MAIL opened no transaction
            // a sub-address is the user's own
            smtp.deliver("alice+lists@example.test", List.of(address(dave)), "Subject: sub-address\r\n\r\nx\r\n");
            smtp.quit();
        }
        Maildirs.Stored stored = Maildirs.parse(Maildirs.awaitOnlyNewFile(tern.mailRoot(), dave));
        assertThat(stored.returnPath()).isEqualTo("<alice+lists@example.test>");
    }

    @Test
    void swaksWithAnotherUsersSenderGets553() {
        Exec.Result swaks = Clients.swaks("127.0.0.1", submissionPort, address(bob), "friend@remote.test",
                "as bob", "x", swaksAuth().toArray(String[]::new));

        assertThat(swaks.exitCode()).as(swaks.describe()).isNotZero();
        assertThat(swaks.stdout()).as(swaks.describe()).contains("<~  235 2.7.0")
                .contains("<~* " + NOT_OWNED + alice).doesNotContain("queued as");
    }

    @Test
    void theInboundListenerOfTheSameTernIsUnchanged() {
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
            smtp.send("MAIL FROM:<" + address(bob) + ">"); // no AUTH, anyone's address: as before
            smtp.expect("250 2.1.0");
            smtp.send("RCPT TO:<friend@remote.test>");
            smtp.expect("550 5.7.1");
            smtp.quit();
        }
    }

    @Test
    void ownLocalInTheConfigFileGuardsOnlyTheLocalDomains() {
        int port = TestDirs.freePort();
        java.nio.file.Path conf = net.config("own-local.conf", "tern.submission-sender = own-local\n");
        try (TernProcess own = TernProcess.launch(new TernProcess.Options().config(conf)
                .extra("--submission", "127.0.0.1:" + port))) {
            own.addUser("alice", PASSWORD);
            try (SmtpTranscript smtp = authenticatedSession(port)) {
                smtp.send("MAIL FROM:<bob@" + TernProcess.DOMAIN + ">");
                assertThat(smtp.expect("553").lastLine()).isEqualTo(NOT_OWNED + "alice");
                smtp.send("MAIL FROM:<alice@elsewhere.test>");
                smtp.expect("250 2.1.0");
                smtp.send("RCPT TO:<friend@remote.test>");
                smtp.expect("250 2.1.5");
                smtp.quit();
            }
        }
    }
}
