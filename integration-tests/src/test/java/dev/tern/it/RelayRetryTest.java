package dev.tern.it;

import static dev.tern.it.Relaying.awaitOnlyTransaction;
import static dev.tern.it.Relaying.message;
import static dev.tern.it.Relaying.send;
import static dev.tern.it.TernProcess.address;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Type;

import dev.tern.testing.ScriptedSmtpServer;

/**
 * Transient failures are retried on the backoff curve until they succeed or the queue
 * lifetime ends; permanent ones bounce at once. Retries are quick here: 300 ms doubling to
 * 1 s, and a 6 s queue lifetime.
 */
class RelayRetryTest {

    static final Duration LIFETIME = Duration.ofSeconds(6);
    static FakeInternet net;
    static TernProcess tern;

    @BeforeAll
    static void start() {
        net = FakeInternet.start();
        tern = TernProcess.launch(net.ternOptions("300ms", "1s", LIFETIME.toMillis() + "ms"));
    }

    @AfterAll
    static void stop() {
        FakeInternet.close(tern, net);
    }

    @Test
    void twoTemporaryRcptFailuresThenDeliveredOnTheThirdAttempt() {
        String alice = tern.newUser("alice");
        String host = net.nextAddress();
        net.mx("retry.test", 10, "mx.retry.test", host);
        ScriptedSmtpServer server = net.run(net.smtp(host)
                .rcptReplies("451 4.3.0 <bob@retry.test>: try again later", "451 4.3.0 <bob@retry.test>: try again later"));

        send(tern, address(alice), List.of("bob@retry.test"), message("retry rcpt", "451 451 250"));

        ScriptedSmtpServer.Transaction t = awaitOnlyTransaction(server, tern);
        assertThat(t.recipients()).containsExactly("bob@retry.test");
        assertThat(server.commandLines().stream().filter(line -> line.startsWith("RCPT TO:<bob@retry.test>")))
                .as("RCPT attempts: two deferred, one accepted").hasSize(3);
        assertThat(server.commandLines().stream().filter(line -> line.equals("DATA")))
                .as("DATA only once a recipient was accepted").hasSize(1);
        List<String> log = tern.log().lines().filter(line -> line.contains("to=<bob@retry.test>")).toList();
        assertThat(log).as("relay log lines").hasSize(3);
        assertThat(log.get(0)).contains("status=deferred (451 4.3.0");
        assertThat(log.get(1)).contains("status=deferred (451 4.3.0");
        assertThat(log.get(2)).contains("status=sent (250");
        assertQueueEmptyOf("retry.test");
        assertThat(Maildirs.newFiles(tern.mailRoot(), alice)).as("no DSN for mail that was delivered").isEmpty();
    }

    @Test
    void aTemporaryFailureAtTheEndOfDataIsRetried() {
        String host = net.nextAddress();
        net.mx("dataend.test", 10, "mx.dataend.test", host);
        ScriptedSmtpServer server = net.run(net.smtp(host).endOfDataReplies("451 4.3.0 Error: queue file write error"));
        String content = message("retry data end", "451 after the dot, then 250");

        send(tern, "alice@example.test", List.of("bob@dataend.test"), content);

        try {
            List<ScriptedSmtpServer.Transaction> all = server.awaitTransactions(2, Relaying.DELIVERY_TIMEOUT);
            assertThat(all).hasSize(2);
            assertThat(all.get(0).reply()).startsWith("451");
            assertThat(all.get(1).reply()).startsWith("250");
            assertThat(Relaying.relayed(all.get(1).data()).messageLatin1()).isEqualTo(content);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        Relaying.awaitLogLine(tern, Duration.ofSeconds(5), "to=<bob@dataend.test>", "status=sent");
        assertQueueEmptyOf("dataend.test");
    }

    @Test
    void aPermanentFailureBouncesAtOnceWithTheServersWords() {
        String alice = tern.newUser("alice");
        String host = net.nextAddress();
        net.mx("perm.test", 10, "mx.perm.test", host);
        String refusal = "550 5.1.1 <bob@perm.test>: Recipient address rejected: User unknown in virtual mailbox table";
        ScriptedSmtpServer server = net.run(net.smtp(host).rcptReplies(refusal));

        send(tern, address(alice), List.of("bob@perm.test"), message("permanent", "550 at RCPT"));

        String dsn = Relaying.awaitDsn(tern, alice, Relaying.DELIVERY_TIMEOUT);
        Relaying.assertFailureDsn(dsn, address(alice), List.of("bob@perm.test"));
        assertThat(dsn).contains("\r\nStatus: 5.1.1\r\n")
                .contains("\r\nDiagnostic-Code: smtp; " + refusal + "\r\n")
                .contains("\r\nRemote-MTA: dns; mx.perm.test\r\n")
                .contains("Content-Type: text/rfc822-headers")
                .contains("Subject: permanent");
        assertThat(server.commandLines().stream().filter(line -> line.startsWith("RCPT"))).as("no retry after 5xx")
                .hasSize(1);
        assertThat(server.transactions()).isEmpty();
        assertQueueEmptyOf("perm.test");
    }

    @Test
    void aBounceIsNeverSentForANullSender() {
        String host = net.nextAddress();
        net.mx("nobounce.test", 10, "mx.nobounce.test", host);
        ScriptedSmtpServer server = net.run(net.smtp(host).rcptReplies("550 5.1.1 no such user"));

        String id = send(tern, "", List.of("bob@nobounce.test"), message("null sender", "a bounce itself"));

        Relaying.awaitLogLine(tern, Relaying.DELIVERY_TIMEOUT, "to=<bob@nobounce.test>", "status=bounced");
        Relaying.awaitLogLine(tern, Duration.ofSeconds(5), "id=" + id, "no bounce for a bounce");
        assertThat(server.commandLines()).contains("MAIL FROM:<>");
        assertQueueEmptyOf("nobounce.test");
    }

    @Test
    void mailStillDeferredWhenTheQueueLifetimeEndsBouncesAsFailed() {
        String alice = tern.newUser("alice");
        String host = net.nextAddress();
        net.mx("expire.test", 10, "mx.expire.test", host);
        ScriptedSmtpServer server = net.run(net.smtp(host)
                .rcptReplies(Collections.nCopies(200, "451 4.2.0 <bob@expire.test>: mailbox busy").toArray(String[]::new)));
        long sent = System.nanoTime();

        send(tern, address(alice), List.of("bob@expire.test"), message("expiry", "always 451"));

        String dsn = Relaying.awaitDsn(tern, alice, LIFETIME.plus(Relaying.DELIVERY_TIMEOUT));
        Duration waited = Duration.ofNanos(System.nanoTime() - sent);
        Relaying.assertFailureDsn(dsn, address(alice), List.of("bob@expire.test"));
        assertThat(dsn).contains("Diagnostic-Code: smtp; 451 4.2.0 <bob@expire.test>: mailbox busy");
        assertThat(waited).as("bounced only once the queue lifetime was over").isGreaterThanOrEqualTo(LIFETIME);
        assertThat(server.commandLines().stream().filter(line -> line.startsWith("RCPT")).count())
                .as("attempts until the lifetime ended (300 ms doubling to 1 s in 6 s)").isBetween(3L, 12L);
        assertThat(server.transactions()).isEmpty();
        assertQueueEmptyOf("expire.test");
    }

    @Test
    void aDomainWhoseDnsFailsIsRetriedWithBackoffAndDeliveredOnceDnsIsFixed() throws Exception {
        net.dns().servfail("servfail.test");
        String host = net.nextAddress();
        ScriptedSmtpServer server = net.run(net.smtp(host));

        send(tern, "alice@example.test", List.of("bob@servfail.test"), message("servfail", "DNS is down"));

        Relaying.awaitLogLine(tern, Duration.ofSeconds(10), "to=<bob@servfail.test>", "status=deferred");
        // The moments the MX question is asked again: the gaps grow along the backoff curve.
        List<Long> asked = new ArrayList<>();
        long start = System.nanoTime();
        int seen = 0;
        while (asked.size() < 3 && System.nanoTime() - start < Duration.ofSeconds(10).toNanos()) {
            int now = net.dns().queries("servfail.test", Type.MX);
            if (now > seen) {
                asked.add(System.nanoTime());
                seen = now;
            }
            Thread.sleep(5);
        }
        assertThat(asked).as("MX queries for servfail.test while it fails" + tern.logTail()).hasSize(3);
        long firstGap = asked.get(1) - asked.get(0);
        long secondGap = asked.get(2) - asked.get(1);
        assertThat(Duration.ofNanos(firstGap)).as("no hammering of a failing destination")
                .isGreaterThanOrEqualTo(Duration.ofMillis(200));
        assertThat(secondGap).as("the second gap is longer than the first (backoff)").isGreaterThan(firstGap);
        assertThat(server.connections()).isZero();

        net.dns().remove("servfail.test");
        net.mx("servfail.test", 10, "mx.servfail.test", host);

        assertThat(awaitOnlyTransaction(server, tern).recipients()).containsExactly("bob@servfail.test");
        assertQueueEmptyOf("servfail.test");
    }

    @Test
    void aHostThatNeverGreetsTimesOutAndTheMailIsDeferred() {
        String host = net.nextAddress();
        net.mx("silent.test", 10, "mx.silent.test", host);
        ScriptedSmtpServer server = net.run(net.smtp(host).silent());
        long sent = System.nanoTime();

        String id = send(tern, "alice@example.test", List.of("bob@silent.test"), message("silent", "no greeting"));

        String line = Relaying.awaitLogLine(tern, Duration.ofSeconds(10), "to=<bob@silent.test>", "status=deferred");
        assertThat(Duration.ofNanos(System.nanoTime() - sent)).as("the greeting timeout is 2 s")
                .isGreaterThanOrEqualTo(Duration.ofMillis(1900));
        assertThat(line.toLowerCase(java.util.Locale.ROOT)).contains("greeting");
        assertThat(server.connections()).isGreaterThanOrEqualTo(1);
        String listing = Relaying.queueList(tern);
        assertThat(listing).contains(id + "-").contains("<bob@silent.test>");
        String block = listing.substring(listing.indexOf("<bob@silent.test>"));
        assertThat(block).startsWith("<bob@silent.test>  attempts ").contains("last error: X-Tern; ");
        assertThat(listing).containsPattern("DEFERRED +<bob@silent.test>");
    }

    private static void assertQueueEmptyOf(String domain) {
        Relaying.awaitNotQueued(tern, domain);
    }
}
