package dev.tern.it;

import static dev.tern.it.Relaying.awaitOnlyTransaction;
import static dev.tern.it.Relaying.message;
import static dev.tern.it.Relaying.send;
import static dev.tern.it.TernProcess.address;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.tern.testing.ScriptedSmtpServer;

/**
 * Mail for remote domains finds its way: MX preference, fallback, implicit MX, IPv6, STARTTLS,
 * unroutable domains bounced, several domains and recipients in one message. One Tern relays
 * into a {@link FakeInternet}; every test has its own domains and MX addresses.
 */
class RelayRoutingTest {

    static FakeInternet net;
    static TernProcess tern;

    @BeforeAll
    static void start() {
        net = FakeInternet.start();
        tern = TernProcess.launch(net.ternOptions("500ms", "2s", "1m"));
    }

    @AfterAll
    static void stop() {
        FakeInternet.close(tern, net);
    }

    @Test
    void swaksThroughTheOutboundListenerReachesTheMxByteForByte() throws Exception {
        Clients.assumeSwaks();
        String mx = net.nextAddress();
        net.mx("remote.test", 10, "mx.remote.test", mx);
        ScriptedSmtpServer server = net.run(net.smtp(mx));
        String content = "From: Alice <alice@example.test>\r\n"
                + "To: <x@remote.test>\r\n"
                + "Subject: swaks relay\r\n"
                + "Message-ID: <swaks-relay@client.test>\r\n"
                + "\r\n"
                + "Line one\r\n"
                + ".a line that starts with a dot\r\n"
                + "..and one with two\r\n"
                + "\r\n"
                + "last line\r\n";
        Path data = Files.createTempFile("tern-it-swaks", ".eml");
        try {
            // swaks ends the data with "\r\n.\r\n" itself: the file holds all but the last CRLF
            Files.writeString(data, content.substring(0, content.length() - 2), StandardCharsets.US_ASCII);
            Exec.Result swaks = Exec.run(Clients.EXTERNAL_TIMEOUT, null, List.of("swaks", "--server",
                    "127.0.0.1:" + tern.outboundPort(), "--ehlo", "client.test", "--from", "alice@example.test",
                    "--to", "x@remote.test", "--data", data.toString(), "--timeout", "30"));
            assertThat(swaks.exitCode()).as(swaks.describe()).isZero();
            assertThat(swaks.stdout()).contains("<-  250 2.0.0 Ok: queued as ");
        } finally {
            Files.deleteIfExists(data);
        }

        ScriptedSmtpServer.Transaction t = awaitOnlyTransaction(server, tern);
        assertThat(t.mailFrom()).isEqualTo("alice@example.test");
        assertThat(t.recipients()).containsExactly("x@remote.test");
        assertThat(t.helo()).isEqualTo(TernProcess.HOSTNAME);
        Relaying.Relayed relayed = Relaying.relayed(t.data());
        assertThat(relayed.received()).as("Tern's trace header").contains("by " + TernProcess.HOSTNAME)
                .contains("for <x@remote.test>");
        assertThat(relayed.messageLatin1()).as("the message as swaks sent it, minus Return-Path, plus Received")
                .isEqualTo(content);
        Relaying.awaitLogLine(tern, Duration.ofSeconds(5), "to=<x@remote.test>",
                "relay=mx.remote.test[" + mx + "]:" + net.smtpPort(), "status=sent");
        Relaying.awaitNotQueued(tern, "remote.test");
    }

    @Test
    void theLowestPreferenceMxIsUsedWhenBothAreUp() {
        String primary = net.nextAddress();
        String backup = net.nextAddress();
        net.mx("pref.test", 20, "backup.pref.test", backup).mx("pref.test", 10, "primary.pref.test", primary);
        ScriptedSmtpServer backupServer = net.run(net.smtp(backup));
        ScriptedSmtpServer primaryServer = net.run(net.smtp(primary));

        send(tern, "alice@example.test", List.of("bob@pref.test"), message("preference", "to the primary"));

        ScriptedSmtpServer.Transaction t = awaitOnlyTransaction(primaryServer, tern);
        assertThat(t.recipients()).containsExactly("bob@pref.test");
        assertThat(backupServer.connections()).as("connections to the preference-20 MX").isZero();
    }

    @Test
    void aRefusedConnectionFallsBackToTheNextMx() {
        String dead = net.nextAddress(); // nothing listens there: connection refused
        String backup = net.nextAddress();
        net.mx("refused.test", 10, "mx1.refused.test", dead).mx("refused.test", 20, "mx2.refused.test", backup);
        ScriptedSmtpServer backupServer = net.run(net.smtp(backup));

        send(tern, "alice@example.test", List.of("bob@refused.test"), message("fallback refused", "next MX"));

        assertThat(awaitOnlyTransaction(backupServer, tern).recipients()).containsExactly("bob@refused.test");
        Relaying.awaitLogLine(tern, Duration.ofSeconds(5), "to=<bob@refused.test>",
                "relay=mx2.refused.test[" + backup + "]", "status=sent");
    }

    @Test
    void a421GreetingFallsBackToTheNextMx() {
        String busy = net.nextAddress();
        String backup = net.nextAddress();
        net.mx("busy.test", 10, "mx1.busy.test", busy).mx("busy.test", 20, "mx2.busy.test", backup);
        ScriptedSmtpServer busyServer = net.run(net.smtp(busy)
                .greetings(Collections.nCopies(20, "421 4.3.2 mx1 too busy, try later").toArray(String[]::new)));
        ScriptedSmtpServer backupServer = net.run(net.smtp(backup));

        send(tern, "alice@example.test", List.of("bob@busy.test"), message("fallback 421", "next MX"));

        assertThat(awaitOnlyTransaction(backupServer, tern).recipients()).containsExactly("bob@busy.test");
        assertThat(busyServer.connections()).as("the 421 host was tried first").isGreaterThanOrEqualTo(1);
        assertThat(busyServer.transactions()).isEmpty();
    }

    @Test
    void aDomainWithOnlyAnAddressRecordIsItsOwnImplicitMx() {
        String host = net.nextAddress();
        net.address("aonly.test", host);
        ScriptedSmtpServer server = net.run(net.smtp(host));

        send(tern, "alice@example.test", List.of("bob@aonly.test"), message("implicit mx", "RFC 5321 5.1"));

        assertThat(awaitOnlyTransaction(server, tern).recipients()).containsExactly("bob@aonly.test");
        Relaying.awaitLogLine(tern, Duration.ofSeconds(5), "to=<bob@aonly.test>", "relay=aonly.test[" + host + "]",
                "status=sent");
    }

    @Test
    void anAaaaOnlyDomainIsReachedOverIpv6() {
        Assumptions.assumeTrue(TestDirs.ipv6LoopbackUsable(), "no IPv6 loopback here");
        net.mx("v6.test", 10, "mx.v6.test", "::1");
        ScriptedSmtpServer server = net.run(net.smtp("::1"));

        send(tern, "alice@example.test", List.of("bob@v6.test"), message("ipv6 path", "over ::1"));

        assertThat(awaitOnlyTransaction(server, tern).recipients()).containsExactly("bob@v6.test");
        Relaying.awaitLogLine(tern, Duration.ofSeconds(5), "to=<bob@v6.test>", "relay=mx.v6.test[", "1]:"
                + net.smtpPort(), "status=sent");
    }

    @Test
    void startTlsIsUsedWhenOfferedAndPlaintextOtherwise() {
        String tlsHost = net.nextAddress();
        String plainHost = net.nextAddress();
        net.mx("tls.test", 10, "mx.tls.test", tlsHost).mx("plain.test", 10, "mx.plain.test", plainHost);
        ScriptedSmtpServer tlsServer = net.run(net.smtp(tlsHost).startTls(true));
        ScriptedSmtpServer plainServer = net.run(net.smtp(plainHost));

        send(tern, "alice@example.test", List.of("bob@tls.test", "carol@plain.test"), message("tls", "both ways"));

        ScriptedSmtpServer.Transaction secure = awaitOnlyTransaction(tlsServer, tern);
        assertThat(secure.tls()).as("the transaction at the STARTTLS server ran inside TLS").isTrue();
        assertThat(tlsServer.commandLines()).contains("STARTTLS");
        assertThat(tlsServer.commands().stream().filter(c -> c.line().startsWith("MAIL")).allMatch(
                ScriptedSmtpServer.Command::tls)).as("MAIL only after STARTTLS").isTrue();
        ScriptedSmtpServer.Transaction clear = awaitOnlyTransaction(plainServer, tern);
        assertThat(clear.tls()).isFalse();
        assertThat(plainServer.commandLines()).doesNotContain("STARTTLS");
    }

    @Test
    void requiredTlsDefersWhenTheServerDoesNotOfferStartTls() {
        String host = net.nextAddress();
        net.mx("notls.test", 10, "mx.notls.test", host);
        ScriptedSmtpServer server = net.run(net.smtp(host));
        try (TernProcess strict = TernProcess.launch(net.ternOptions("500ms", "2s", "1m",
                "--outbound-tls", "required"))) {
            send(strict, "alice@example.test", List.of("bob@notls.test"), message("required tls", "not in clear"));

            Relaying.awaitLogLine(strict, Duration.ofSeconds(15), "to=<bob@notls.test>", "status=deferred",
                    "STARTTLS");
            String listing = Relaying.queueList(strict);
            assertThat(listing).contains("from <alice@example.test>").contains("DEFERRED").contains("<bob@notls.test>")
                    .containsPattern("last error: .*STARTTLS");
            assertThat(server.connections()).as("the server was tried").isGreaterThanOrEqualTo(1);
            assertThat(server.transactions()).as("nothing sent in clear").isEmpty();
            assertThat(server.commandLines()).noneMatch(line -> line.startsWith("MAIL"));
        }
    }

    @Test
    void aNullMxDomainBouncesToTheLocalSender() {
        String alice = tern.newUser("alice");
        net.dns().nullMx("nullmx.test");

        send(tern, address(alice), List.of("bob@nullmx.test"), message("null mx", "RFC 7505"));

        String dsn = Relaying.awaitDsn(tern, alice, Relaying.DELIVERY_TIMEOUT);
        Relaying.assertFailureDsn(dsn, address(alice), List.of("bob@nullmx.test"));
        assertThat(dsn).contains("\r\nStatus: 5.1.10\r\n").contains("Subject: null mx");
        Relaying.awaitNotQueued(tern, "nullmx.test");
    }

    @Test
    void anUnknownDomainBouncesToTheLocalSender() {
        String alice = tern.newUser("alice");

        send(tern, address(alice), List.of("bob@nxdomain.test"), message("nxdomain", "no such domain"));

        String dsn = Relaying.awaitDsn(tern, alice, Relaying.DELIVERY_TIMEOUT);
        Relaying.assertFailureDsn(dsn, address(alice), List.of("bob@nxdomain.test"));
        assertThat(Relaying.field(dsn, "Status")).startsWith("5.");
        Relaying.awaitNotQueued(tern, "nxdomain.test");
    }

    @Test
    void recipientsAtTwoDomainsInOneMessageAreBothDelivered() {
        String one = net.nextAddress();
        String two = net.nextAddress();
        net.mx("one.test", 10, "mx.one.test", one).mx("two.test", 10, "mx.two.test", two);
        ScriptedSmtpServer first = net.run(net.smtp(one));
        ScriptedSmtpServer second = net.run(net.smtp(two));
        String content = message("two domains", "one message, two MX");

        send(tern, "alice@example.test", List.of("a@one.test", "b@two.test", "c@one.test"), content);

        ScriptedSmtpServer.Transaction t1 = awaitOnlyTransaction(first, tern);
        ScriptedSmtpServer.Transaction t2 = awaitOnlyTransaction(second, tern);
        assertThat(t1.recipients()).containsExactly("a@one.test", "c@one.test");
        assertThat(t2.recipients()).containsExactly("b@two.test");
        assertThat(Relaying.relayed(t1.data()).messageLatin1()).isEqualTo(content);
        assertThat(Relaying.relayed(t2.data()).messageLatin1()).isEqualTo(content);
    }

    @Test
    void aBacklogForOneDomainTravelsOverAFewReusedConnectionsEachMessageOnce() throws Exception {
        int count = 60;
        String host = net.nextAddress();
        net.mx("batch.test", 10, "mx.batch.test", host);
        try (SmtpTranscript smtp = SmtpTranscript.connectOutbound(tern).hello()) {
            for (int n = 0; n < count; n++) {
                smtp.deliver("alice@example.test", List.of("r" + n + "@batch.test"), message("batch " + n, "backlog"));
            }
            smtp.quit();
        }
        Relaying.awaitLogLine(tern, Duration.ofSeconds(10), "to=<r" + (count - 1) + "@batch.test>", "status=deferred");
        ScriptedSmtpServer server = net.run(net.smtp(host).pipelining(true)); // the MX comes back

        List<ScriptedSmtpServer.Transaction> all = server.awaitTransactions(count, Relaying.DELIVERY_TIMEOUT);
        Relaying.awaitNotQueued(tern, "batch.test");
        assertThat(server.transactions()).as("each message once").hasSize(count);
        assertThat(all.stream().map(t -> t.recipients().get(0)).distinct().count()).isEqualTo(count);
        assertThat(server.connections()).as("connections for " + count + " messages").isLessThanOrEqualTo(count / 3);
        assertThat(server.commandLines()).as("messages after the first on a connection follow RSET").contains("RSET");
        List<String> deferredAfter = tern.log().lines().filter(line -> line.contains("@batch.test>")
                && line.contains("status=deferred") && !line.contains("Connection refused")).toList();
        assertThat(deferredAfter.size()).as("deferrals for another reason than the MX being down; the first: "
                + deferredAfter.subList(0, Math.min(3, deferredAfter.size()))).isZero();
    }

    @Test
    void aPipelinedTransactionWithOneRejectedRecipientBouncesOnlyThatOne() {
        String alice = tern.newUser("alice");
        String host = net.nextAddress();
        net.mx("pipe.test", 10, "mx.pipe.test", host);
        ScriptedSmtpServer server = net.run(net.smtp(host).pipelining(true)
                .rcptReply("nobody@pipe.test", "550 5.1.1 <nobody@pipe.test>: Recipient address rejected: User unknown"));

        send(tern, address(alice), List.of("good@pipe.test", "nobody@pipe.test", "fine@pipe.test"),
                message("pipelining", "one of three rejected"));

        ScriptedSmtpServer.Transaction t = awaitOnlyTransaction(server, tern);
        assertThat(t.recipients()).containsExactly("good@pipe.test", "fine@pipe.test");
        assertThat(server.commands()).as("commands sent in one batch (RFC 2920)")
                .anyMatch(c -> c.line().startsWith("MAIL FROM:") && c.pipelined());
        String dsn = Relaying.awaitDsn(tern, alice, Relaying.DELIVERY_TIMEOUT);
        Relaying.assertFailureDsn(dsn, address(alice), List.of("nobody@pipe.test"));
        assertThat(dsn).contains("\r\nStatus: 5.1.1\r\n")
                .contains("Diagnostic-Code: smtp; 550 5.1.1 <nobody@pipe.test>: Recipient address rejected: User unknown")
                .contains("Remote-MTA: dns; mx.pipe.test");
    }
}
