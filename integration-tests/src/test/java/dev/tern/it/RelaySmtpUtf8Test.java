package dev.tern.it;

import static dev.tern.it.TernProcess.address;
import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.IDN;
import java.util.List;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.tern.testing.ScriptedSmtpServer;

/**
 * SMTPUTF8 and 8BITMIME on the way out: passed on to a next hop that offers them; a message that
 * needs one the next hop lacks bounces (5.6.7, 5.6.3) without being offered, and one that does not
 * need it goes as usual. U-label domains are looked up by their A-label.
 */
class RelaySmtpUtf8Test {

    static FakeInternet net;
    static TernProcess tern;

    @BeforeAll
    static void start() {
        net = FakeInternet.start();
        tern = TernProcess.launch(net.ternOptions("300ms", "1s", "10s"));
    }

    @AfterAll
    static void stop() {
        FakeInternet.close(tern, net);
    }

    /** One transaction through --outbound with UTF-8 command lines; returns the queue id. */
    private static String send(String mailFrom, List<String> to, byte[] content) {
        try (SmtpTranscript smtp = SmtpTranscript.connectOutbound(tern).hello()) {
            smtp.sendRaw(("MAIL FROM:" + mailFrom + "\r\n").getBytes(UTF_8));
            smtp.expect("250 2.1.0");
            for (String recipient : to) {
                smtp.sendRaw(("RCPT TO:<" + recipient + ">\r\n").getBytes(UTF_8));
                smtp.expect("250 2.1.5");
            }
            smtp.send("DATA");
            smtp.expect("354");
            smtp.sendData(content);
            String id = smtp.queuedId(smtp.expect("250 2.0.0"));
            smtp.quit();
            return id;
        }
    }

    /** A scripted MX for {@code domain} (an A-label) on a fresh loopback address. */
    private static ScriptedSmtpServer mx(String domain, UnaryOperator<ScriptedSmtpServer.Builder> options) {
        String host = net.nextAddress();
        net.mx(domain, 10, "mx." + domain, host);
        return net.run(options.apply(net.smtp(host)));
    }

    private static String utf8(String latin1) {
        return new String(latin1.getBytes(ISO_8859_1), UTF_8);
    }

    @Test
    void aNextHopWithSmtpUtf8GetsTheUtf8EnvelopeAndTheBytes() {
        String domain = "b\u00fccher-relay.test";
        ScriptedSmtpServer server = mx(IDN.toASCII(domain), smtp -> smtp.extensions("SMTPUTF8"));
        byte[] content = ("From: <j\u00f6ran@example.test>\r\nSubject: caf\u00e9\r\n\r\n\u65e5\u672c\r\n").getBytes(UTF_8);

        send("<j\u00f6ran@example.test> SMTPUTF8 BODY=8BITMIME", List.of("jos\u00e9@" + domain), content);

        ScriptedSmtpServer.Transaction t = Relaying.awaitOnlyTransaction(server, tern);
        assertThat(utf8(t.mailFrom())).isEqualTo("j\u00f6ran@example.test");
        assertThat(t.mailParameters()).isEqualTo("BODY=8BITMIME SMTPUTF8");
        assertThat(t.recipients()).extracting(RelaySmtpUtf8Test::utf8).containsExactly("jos\u00e9@" + domain);
        Relaying.Relayed relayed = Relaying.relayed(t.data());
        assertThat(relayed.message()).as("the message byte for byte").isEqualTo(content);
        assertThat(utf8(relayed.received())).contains(" with UTF8SMTP id ").contains("for <jos\u00e9@" + domain + ">");
    }

    @Test
    void aNextHopWithoutSmtpUtf8BouncesAUtf8RecipientWith567() {
        String alice = tern.newUser("alice");
        ScriptedSmtpServer server = mx("plain567.test", smtp -> smtp);

        send("<" + address(alice) + "> SMTPUTF8", List.of("jos\u00e9@plain567.test"),
                "Subject: x\r\n\r\nx\r\n".getBytes(UTF_8));

        String dsn = Relaying.awaitDsn(tern, alice, Relaying.DELIVERY_TIMEOUT);
        Relaying.assertFailureDsn(dsn, address(alice), List.of("jos?@plain567.test"));
        assertThat(dsn).contains("\r\nStatus: 5.6.7\r\n").contains("SMTPUTF8 is required, but mx.plain567.test");
        assertThat(server.commandLines()).as("the message was never offered").noneMatch(l -> l.startsWith("MAIL"));
        Relaying.awaitNotQueued(tern, "plain567.test");
    }

    @Test
    void aNextHopWithoutSmtpUtf8BouncesAUtf8HeaderAndTakesAnAsciiMessageFlaggedSmtpUtf8() {
        String alice = tern.newUser("alice");
        ScriptedSmtpServer server = mx("plainhdr.test", smtp -> smtp);
        byte[] asciiHeaders = "Subject: plain\r\n\r\nd\u00e9j\u00e0 vu in the body only\r\n".getBytes(UTF_8);

        send("<" + address(alice) + "> SMTPUTF8 BODY=8BITMIME", List.of("bob@plainhdr.test"), asciiHeaders);

        ScriptedSmtpServer.Transaction t = Relaying.awaitOnlyTransaction(server, tern);
        assertThat(t.mailParameters()).as("no SMTPUTF8 to a server without it").isEqualTo("BODY=8BITMIME");
        assertThat(Relaying.relayed(t.data()).message()).isEqualTo(asciiHeaders);
        assertThat(Relaying.relayed(t.data()).received()).as("the trace still says how it arrived").contains(" with UTF8SMTP id ");

        send("<" + address(alice) + "> SMTPUTF8", List.of("carol@plainhdr.test"),
                "Subject: caf\u00e9\r\n\r\nx\r\n".getBytes(UTF_8));

        String dsn = Relaying.awaitDsn(tern, alice, Relaying.DELIVERY_TIMEOUT);
        Relaying.assertFailureDsn(dsn, address(alice), List.of("carol@plainhdr.test"));
        assertThat(dsn).contains("\r\nStatus: 5.6.7\r\n");
    }

    @Test
    void anEightBitBodyToANextHopWithout8BitMimeBouncesWith563() {
        String alice = tern.newUser("alice");
        ScriptedSmtpServer server = mx("seven.test", smtp -> smtp.eightBitMime(false));

        send("<" + address(alice) + "> BODY=8BITMIME", List.of("bob@seven.test"),
                "Subject: x\r\n\r\nd\u00e9j\u00e0 vu\r\n".getBytes(UTF_8));
        String dsn = Relaying.awaitDsn(tern, alice, Relaying.DELIVERY_TIMEOUT);
        Relaying.assertFailureDsn(dsn, address(alice), List.of("bob@seven.test"));
        assertThat(dsn).contains("\r\nStatus: 5.6.3\r\n").contains("8BITMIME is required, but mx.seven.test");
        assertThat(server.commandLines()).noneMatch(l -> l.startsWith("MAIL"));

        byte[] sevenBit = "Subject: y\r\n\r\nplain ASCII after all\r\n".getBytes(UTF_8);
        send("<" + address(alice) + "> BODY=8BITMIME", List.of("carol@seven.test"), sevenBit);
        ScriptedSmtpServer.Transaction t = Relaying.awaitOnlyTransaction(server, tern);
        assertThat(t.mailParameters()).as("declared 8BITMIME, 7-bit in fact: sent as it is").isEmpty();
        assertThat(Relaying.relayed(t.data()).message()).isEqualTo(sevenBit);
    }
}
