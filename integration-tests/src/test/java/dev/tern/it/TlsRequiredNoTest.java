package dev.tern.it;

import static dev.tern.it.Relaying.awaitOnlyTransaction;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import javax.net.ssl.SSLContext;

import org.junit.jupiter.api.Test;

import dev.tern.testing.ScriptedSmtpServer;
import dev.tern.testing.TestCa;

/**
 * {@code TLS-Required: No} (RFC 8689 §5) under {@code --outbound-tls verify}: a message that carries it is delivered
 * where the policy defers every other message (a self-signed certificate, no STARTTLS), with the header as it came;
 * a message that also asked for REQUIRETLS on MAIL is not (§4.1: the parameter wins).
 */
class TlsRequiredNoTest extends VerifyingTernTestCase {

    private static String waiving(String subject) {
        return "From: <alice@client.test>\r\nSubject: " + subject + "\r\nTLS-Required: No\r\nMessage-ID: <" + subject
                + "@client.test>\r\n\r\nwhatever the policy\r\n";
    }

    @Test
    void aSelfSignedMxGetsTheWaivingMessageOverTlsAndNotTheOthers() throws Exception {
        SSLContext selfSigned = TestCa.selfSigned("mx.waived.test").serverContext();
        ScriptedSmtpServer server = mx("waived.test", builder -> builder.startTls(selfSigned));

        Relaying.send(tern, "alice@client.test", List.of("bob@waived.test"), waiving("waived-selfsigned"));

        ScriptedSmtpServer.Transaction t = awaitOnlyTransaction(server, tern);
        assertThat(t.tls()).as("STARTTLS still tried").isTrue();
        assertThat(t.dataAsString()).contains("\r\nTLS-Required: No\r\n"); // passed on as is
        Relaying.awaitLogLine(tern, DEFERRAL, "to=<bob@waived.test>", "status=sent");

        Relaying.send(tern, "alice@client.test", List.of("carol@waived.test"),
                Relaying.message("policy-holds", "not this one"));
        Relaying.awaitLogLine(tern, DEFERRAL, "to=<carol@waived.test>", "status=deferred", "verify policy");
        assertThat(server.transactions()).hasSize(1);
    }

    @Test
    void anMxWithoutStartTlsGetsTheWaivingMessageInClear() {
        ScriptedSmtpServer server = mx("waivedclear.test", builder -> builder);

        Relaying.send(tern, "alice@client.test", List.of("bob@waivedclear.test"), waiving("waived-clear"));

        ScriptedSmtpServer.Transaction t = awaitOnlyTransaction(server, tern);
        assertThat(t.tls()).isFalse();
        assertThat(t.recipients()).containsExactly("bob@waivedclear.test");
    }

    @Test
    void requireTlsOnMailOverridesTheHeader() throws Exception {
        SSLContext selfSigned = TestCa.selfSigned("mx.both.test").serverContext();
        ScriptedSmtpServer server = mx("both.test", builder -> builder.startTls(selfSigned).extension("REQUIRETLS"));

        try (SmtpTranscript smtp = SmtpTranscript.connectOutbound(tern)) {
            smtp.greeting();
            smtp.ehlo("client.test");
            smtp.startTls();
            smtp.ehlo("client.test");
            smtp.send("MAIL FROM:<alice@client.test> REQUIRETLS");
            smtp.expect("250 2.1.0");
            smtp.send("RCPT TO:<bob@both.test>");
            smtp.expect("250 2.1.5");
            smtp.send("DATA");
            smtp.expect("354");
            smtp.sendData(waiving("both"));
            smtp.expect("250 2.0.0");
            smtp.quit();
        }

        Relaying.awaitLogLine(tern, DEFERRAL, "to=<bob@both.test>", "status=deferred", "verify policy");
        assertThat(server.commandLines()).noneMatch(line -> line.startsWith("MAIL"));
    }

    /** A domain whose one MX host, at a fresh loopback address, is this scripted server. */
    private static ScriptedSmtpServer mx(String domain,
                                         java.util.function.UnaryOperator<ScriptedSmtpServer.Builder> script) {
        String host = net.nextAddress();
        net.mx(domain, 10, "mx." + domain, host);
        return net.run(script.apply(net.smtp(host)));
    }
}
