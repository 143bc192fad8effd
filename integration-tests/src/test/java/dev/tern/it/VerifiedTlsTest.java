package dev.tern.it;

import static dev.tern.it.Relaying.awaitOnlyTransaction;
import static dev.tern.it.Relaying.message;
import static dev.tern.it.Relaying.send;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.tern.testing.ScriptedSmtpServer;
import dev.tern.testing.TestCa;

/**
 * {@code --outbound-tls verify} with {@code --tls-trust}: a certificate from the trusted test CA
 * for the MX name delivers; a wrong name or a self-signed certificate defers with the reason
 * in the log and in {@code queue list}, and the MX never sees a MAIL command.
 */
class VerifiedTlsTest extends VerifyingTernTestCase {

    @Test
    void aCertificateFromATrustedCaForTheMxNameDelivers() throws Exception {
        String host = net.nextAddress();
        net.mx("good.test", 10, "mx.good.test", host);
        ScriptedSmtpServer server = net.run(net.smtp(host).startTls(ca.issue("mx.good.test").serverContext()));

        send(tern, "alice@example.test", List.of("bob@good.test"), message("verified", "over verified TLS"));

        ScriptedSmtpServer.Transaction t = awaitOnlyTransaction(server, tern);
        assertThat(t.tls()).isTrue();
        assertThat(t.recipients()).containsExactly("bob@good.test");
        Relaying.awaitLogLine(tern, DEFERRAL, "to=<bob@good.test>", "status=sent");
    }

    @Test
    void aCertificateForAnotherNameDefersWithTheReason() throws Exception {
        String host = net.nextAddress();
        net.mx("wrongname.test", 10, "mx.wrongname.test", host);
        ScriptedSmtpServer server = net.run(net.smtp(host).startTls(ca.issue("www.wrongname.test").serverContext()));

        send(tern, "alice@example.test", List.of("bob@wrongname.test"), message("wrong name", "not to an impostor"));

        Relaying.awaitLogLine(tern, DEFERRAL, "to=<bob@wrongname.test>", "status=deferred", "verify policy",
                "certificate-host-mismatch");
        assertThat(Relaying.queueList(tern)).containsPattern(
                "last error: .*verify policy: certificate of mx.wrongname.test is for www.wrongname.test");
        assertNothingSent(server);
    }

    @Test
    void aSelfSignedCertificateDefersWithTheReason() throws Exception {
        String host = net.nextAddress();
        net.mx("selfsigned.test", 10, "mx.selfsigned.test", host);
        ScriptedSmtpServer server = net.run(net.smtp(host)
                .startTls(TestCa.selfSigned("mx.selfsigned.test").serverContext()));

        send(tern, "alice@example.test", List.of("bob@selfsigned.test"), message("self-signed", "not trusted"));

        Relaying.awaitLogLine(tern, DEFERRAL, "to=<bob@selfsigned.test>", "status=deferred", "verify policy",
                "certificate-not-trusted");
        assertThat(Relaying.queueList(tern)).containsPattern(
                "last error: .*certificate of mx.selfsigned.test is not trusted");
        assertNothingSent(server);
    }

    @Test
    void aServerWithoutStartTlsDefers() {
        String host = net.nextAddress();
        net.mx("clear.test", 10, "mx.clear.test", host);
        ScriptedSmtpServer server = net.run(net.smtp(host));

        send(tern, "alice@example.test", List.of("bob@clear.test"), message("in clear", "never"));

        Relaying.awaitLogLine(tern, DEFERRAL, "to=<bob@clear.test>", "status=deferred", "STARTTLS");
        assertNothingSent(server);
    }

    private static void assertNothingSent(ScriptedSmtpServer server) {
        assertThat(server.connections()).as("the MX was tried").isGreaterThanOrEqualTo(1);
        assertThat(server.transactions()).isEmpty();
        assertThat(server.commandLines()).noneMatch(line -> line.startsWith("MAIL"));
        assertThat(server.commands()).as("not a word inside the unverified TLS session")
                .noneMatch(ScriptedSmtpServer.Command::tls);
    }
}
