package dev.tern.it;

import static dev.tern.it.Relaying.awaitOnlyTransaction;
import static dev.tern.it.Relaying.message;
import static dev.tern.it.Relaying.send;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.tern.testing.PolicyServer;
import dev.tern.testing.ScriptedSmtpServer;
import dev.tern.testing.TestCa;

/**
 * MTA-STS (RFC 8461) end to end: Tern finds {@code _mta-sts.DOMAIN} in the fake DNS, fetches the
 * policy over HTTPS from a policy host on 127.0.14.10:443 (named through the same DNS, its
 * certificate from the test CA that {@code --tls-trust} names), and applies it to the MX hosts:
 * enforce delivers only over verified TLS to a listed MX, testing delivers regardless.
 */
class MtaStsTest {

    private static final Duration DEFERRAL = Duration.ofSeconds(20);
    private static final String POLICY_HOST = "127.0.14.10";

    static FakeInternet net;
    static TernProcess tern;
    static TestCa ca;
    static PolicyServer policies;

    @BeforeAll
    static void start() throws Exception {
        net = FakeInternet.start();
        ca = TestCa.create();
        policies = net.policyHost(POLICY_HOST, ca, "mta-sts.enforced.test", "mta-sts.impostor.test",
                "mta-sts.trial.test", "mta-sts.unlisted.test", "mta-sts.changing.test");
        tern = TernProcess.launch(net.ternOptionsTrusting(ca, "500ms", "2s", "1m"));
    }

    @AfterAll
    static void stop() {
        FakeInternet.close(tern, net); // the policy host with it
    }

    /** {@code domain} publishes {@code mode} with {@code mx} patterns, policy id 1, on the shared policy host. */
    private static void publish(String domain, String mode, String... mx) {
        policies.serve("mta-sts." + domain, policy(mode, mx));
        net.dns().txt("_mta-sts." + domain, "v=STSv1; id=1;");
        net.address("mta-sts." + domain, POLICY_HOST);
    }

    private static String policy(String mode, String... mx) {
        StringBuilder policy = new StringBuilder("version: STSv1\r\nmode: " + mode + "\r\n");
        for (String pattern : mx) {
            policy.append("mx: ").append(pattern).append("\r\n");
        }
        return policy.append("max_age: 86400\r\n").toString();
    }

    private static void changeId(String domain, String id) {
        net.dns().remove("_mta-sts." + domain, org.xbill.DNS.Type.TXT).txt("_mta-sts." + domain, "v=STSv1; id=" + id + ";");
    }

    @Test
    void enforceWithAValidCertificateDelivers() throws Exception {
        String host = net.nextAddress();
        net.mx("enforced.test", 10, "mx.enforced.test", host);
        publish("enforced.test", "enforce", "mx.enforced.test");
        ScriptedSmtpServer server = net.run(net.smtp(host).startTls(ca.issue("mx.enforced.test").serverContext()));

        send(tern, "alice@example.test", List.of("bob@enforced.test"), message("sts", "under an enforced policy"));

        ScriptedSmtpServer.Transaction t = awaitOnlyTransaction(server, tern);
        assertThat(t.tls()).isTrue();
        assertThat(t.recipients()).containsExactly("bob@enforced.test");
        Relaying.awaitLogLine(tern, DEFERRAL, "to=<bob@enforced.test>", "status=sent");
        assertThat(policies.requests()).contains("GET /.well-known/mta-sts.txt mta-sts.enforced.test");
    }

    @Test
    void enforceWithABadCertificateDefersAndSendsNothing() throws Exception {
        String host = net.nextAddress();
        net.mx("impostor.test", 10, "mx.impostor.test", host);
        publish("impostor.test", "enforce", "mx.impostor.test");
        ScriptedSmtpServer server = net.run(net.smtp(host)
                .startTls(TestCa.selfSigned("mx.impostor.test").serverContext()));

        send(tern, "alice@example.test", List.of("bob@impostor.test"), message("sts", "not to an impostor"));

        Relaying.awaitLogLine(tern, DEFERRAL, "to=<bob@impostor.test>", "status=deferred", "mta-sts enforce",
                "certificate-not-trusted");
        assertThat(Relaying.queueList(tern)).containsPattern(
                "last error: .*mta-sts enforce.*certificate of mx.impostor.test is not trusted");
        assertThat(server.connections()).as("the MX was tried").isGreaterThanOrEqualTo(1);
        assertThat(server.transactions()).isEmpty();
        assertThat(server.commandLines()).noneMatch(line -> line.startsWith("MAIL"));
        assertThat(server.commands()).noneMatch(ScriptedSmtpServer.Command::tls);
    }

    @Test
    void testingWithABadCertificateDelivers() throws Exception {
        String host = net.nextAddress();
        net.mx("trial.test", 10, "mx.trial.test", host);
        publish("trial.test", "testing", "mx.trial.test");
        ScriptedSmtpServer server = net.run(net.smtp(host)
                .startTls(TestCa.selfSigned("mx.trial.test").serverContext()));

        send(tern, "alice@example.test", List.of("bob@trial.test"), message("sts", "testing only"));

        ScriptedSmtpServer.Transaction t = awaitOnlyTransaction(server, tern);
        assertThat(t.tls()).isTrue();
        Relaying.awaitLogLine(tern, DEFERRAL, "to=<bob@trial.test>", "status=sent");
        assertThat(policies.requests()).as("the policy was fetched, and let the mail go")
                .contains("GET /.well-known/mta-sts.txt mta-sts.trial.test");
    }

    @Test
    void anMxThePolicyDoesNotListDefers() throws Exception {
        String host = net.nextAddress();
        net.mx("unlisted.test", 10, "mx.unlisted.test", host);
        publish("unlisted.test", "enforce", "mail.unlisted.test");
        ScriptedSmtpServer server = net.run(net.smtp(host).startTls(ca.issue("mx.unlisted.test").serverContext()));

        send(tern, "alice@example.test", List.of("bob@unlisted.test"), message("sts", "not to that MX"));

        Relaying.awaitLogLine(tern, DEFERRAL, "to=<bob@unlisted.test>", "status=deferred",
                "MTA-STS policy of unlisted.test (id 1): MX host mx.unlisted.test does not match mx patterns");
        assertThat(Relaying.queueList(tern)).contains("does not match mx patterns [mail.unlisted.test]");
        assertThat(server.connections()).isZero();
    }

    @Test
    void aNewIdIsFetchedAndACachedPolicyOutlivesItsHost() throws Exception {
        String host = net.nextAddress();
        net.mx("changing.test", 10, "mx.changing.test", host);
        publish("changing.test", "testing", "mx.changing.test");
        ScriptedSmtpServer server = net.run(net.smtp(host)
                .startTls(TestCa.selfSigned("mx.changing.test").serverContext()));

        send(tern, "alice@example.test", List.of("bob@changing.test"), message("sts", "while testing"));
        awaitOnlyTransaction(server, tern); // testing: delivered despite the self-signed certificate

        // The domain turns to enforce under a new id: Tern fetches again and holds the next message back.
        policies.serve("mta-sts.changing.test", policy("enforce", "mx.changing.test"));
        changeId("changing.test", "2");
        send(tern, "alice@example.test", List.of("carol@changing.test"), message("sts", "now enforced"));
        Relaying.awaitLogLine(tern, DEFERRAL, "to=<carol@changing.test>", "status=deferred", "mta-sts enforce",
                "certificate-not-trusted");
        long fetches = policies.requests().stream().filter(r -> r.endsWith(" mta-sts.changing.test")).count();
        assertThat(fetches).isEqualTo(2);

        // The policy host goes away and the id changes again: the cached enforce policy still holds (RFC 8461 §5.1).
        net.dns().remove("mta-sts.changing.test");
        net.address("mta-sts.changing.test", "127.0.14.11"); // nobody listens there
        changeId("changing.test", "3");
        send(tern, "alice@example.test", List.of("dave@changing.test"), message("sts", "still enforced"));
        Relaying.awaitLogLine(tern, DEFERRAL, "to=<dave@changing.test>", "status=deferred", "mta-sts enforce");
        assertThat(server.transactions()).hasSize(1);
    }
}
