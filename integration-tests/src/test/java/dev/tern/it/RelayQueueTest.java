package dev.tern.it;

import static dev.tern.it.Relaying.awaitOnlyTransaction;
import static dev.tern.it.Relaying.message;
import static dev.tern.it.Relaying.send;
import static dev.tern.it.TernProcess.address;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.tern.testing.ScriptedSmtpServer;

/**
 * The queue as an administrator and a crash see it: {@code queue list}, {@code queue flush},
 * {@code queue remove}, a restart that resumes delivery, and kill -9 in the middle of 500
 * queued messages. The list/flush/remove tests share a Tern whose first retry is an hour
 * away, so only a flush can make it try again.
 */
class RelayQueueTest {

    static FakeInternet net;
    static TernProcess patient;

    @BeforeAll
    static void start() {
        net = FakeInternet.start();
        patient = TernProcess.launch(net.ternOptions("1h", "2h", "1d"));
    }

    @AfterAll
    static void stop() {
        FakeInternet.close(patient, net);
    }

    /** Sends one message to a domain whose only MX refuses connections and waits until it is deferred. */
    private static String deferredEntry(TernProcess tern, String from, String to) {
        String id = send(tern, from, List.of(to), message("queued " + to, "waits in the queue"));
        Relaying.awaitLogLine(tern, Duration.ofSeconds(10), "id=" + id, "to=<" + to + ">", "status=deferred");
        return id;
    }

    @Test
    void queueListShowsADeferredEntryWithItsSenderRecipientAttemptsAndLastError() {
        String host = net.nextAddress(); // nothing listens: connection refused
        net.mx("list.test", 10, "mx.list.test", host);

        String id = deferredEntry(patient, "alice@example.test", "bob@list.test");

        String listing = Relaying.queueList(patient);
        Matcher entry = Pattern.compile("(?m)^(" + Pattern.quote(id) + "-\\d+)  (\\d+) octets  arrived .*  from <alice@example.test>$")
                .matcher(listing);
        assertThat(entry.find()).as("an entry line for " + id + " in\n" + listing).isTrue();
        String block = listing.substring(entry.start(), indexOrEnd(listing, "\n\n", entry.start()));
        assertThat(block).containsPattern("\n  DEFERRED +<bob@list.test>  attempts 1, next \\d{4}-\\d\\d-\\d\\d ")
                .containsPattern("last error: X-Tern; .*" + Pattern.quote(host) + ".*(?i:refused)");
        assertThat(listing).containsPattern("(?m)^-- \\d+ (entry|entries), \\d+ recipients? pending$");
    }

    @Test
    void queueFlushRetriesADeferredEntryAtOnce() {
        String host = net.nextAddress();
        net.mx("flush.test", 10, "mx.flush.test", host);
        deferredEntry(patient, "alice@example.test", "bob@flush.test");
        ScriptedSmtpServer server = net.run(net.smtp(host)); // the MX is back, but the retry is an hour away

        TernProcess.sleep(1000);
        assertThat(server.connections()).as("no retry before the flush").isZero();
        Exec.Result flush = Relaying.queue(patient, "flush");

        assertThat(flush.exitCode()).as(flush.describe()).isZero();
        assertThat(flush.stdout()).containsPattern("flushing \\d+ domains");
        assertThat(awaitOnlyTransaction(server, patient).recipients()).containsExactly("bob@flush.test");
        Relaying.awaitNotQueued(patient, "flush.test");
    }

    @Test
    void queueRemoveDeletesAnEntryWithoutABounce() {
        String alice = patient.newUser("alice");
        String host = net.nextAddress();
        net.mx("remove.test", 10, "mx.remove.test", host);
        String id = deferredEntry(patient, address(alice), "bob@remove.test");
        List<String> ids = Relaying.entryIds(Relaying.queueList(patient)).stream()
                .filter(entryId -> entryId.startsWith(id + "-")).toList();
        assertThat(ids).hasSize(1);

        Exec.Result remove = Relaying.queue(patient, "remove", ids.get(0));

        assertThat(remove.exitCode()).as(remove.describe()).isZero();
        assertThat(remove.stdout()).contains("removed " + ids.get(0));
        assertThat(Relaying.queueList(patient)).doesNotContain(ids.get(0)).doesNotContain("@remove.test>");
        Exec.Result again = Relaying.queue(patient, "remove", ids.get(0));
        assertThat(again.exitCode()).as("removing it twice: " + again.describe()).isNotZero();

        ScriptedSmtpServer server = net.run(net.smtp(host));
        Exec.Result flush = Relaying.queue(patient, "flush");
        assertThat(flush.exitCode()).as(flush.describe()).isZero();
        assertThat(Relaying.entryIds(Relaying.queueList(patient))).doesNotContain(ids.get(0));
        TernProcess.sleep(1500);
        assertThat(server.connections()).as("a removed entry is not delivered after a flush").isZero();
        assertThat(Maildirs.newFiles(patient.mailRoot(), alice)).as("no DSN for a removed entry").isEmpty();
    }

    @Test
    void aRestartResumesTheQueue() {
        String host = net.nextAddress();
        net.mx("restart.test", 10, "mx.restart.test", host);
        try (TernProcess tern = TernProcess.launch(net.ternOptions("500ms", "2s", "5m"))) {
            List<String> contents = new ArrayList<>();
            for (int n = 1; n <= 3; n++) {
                String content = message("restart " + n, "survives a restart");
                contents.add(content);
                send(tern, "alice@example.test", List.of("bob" + n + "@restart.test"), content);
            }
            Relaying.awaitLogLine(tern, Duration.ofSeconds(10), "to=<bob3@restart.test>", "status=deferred");
            assertThat(tern.stop()).as("exit code after SIGTERM" + tern.logTail()).isZero();

            ScriptedSmtpServer server = net.run(net.smtp(host));
            tern.start();

            List<ScriptedSmtpServer.Transaction> all = awaitTransactions(server, 3, tern);
            assertThat(all.stream().map(t -> Relaying.relayed(t.data()).messageLatin1()))
                    .containsExactlyInAnyOrderElementsOf(contents);
            Relaying.awaitNotQueued(tern, "restart.test");
            assertThat(server.transactions()).as("each message once").hasSize(3);
        }
    }

    @Test
    void killNineWhileFiveHundredMessagesAreQueuedLosesNoAcknowledgedMessage() throws Exception {
        int total = 500;
        int clients = 8;
        String host = net.nextAddress();
        net.mx("bulk.test", 10, "mx.bulk.test", host);
        try (TernProcess tern = TernProcess.launch(net.ternOptions("500ms", "2s", "5m"))) {
            Set<Integer> acknowledged = ConcurrentHashMap.newKeySet();
            AtomicInteger next = new AtomicInteger();
            List<Thread> senders = new ArrayList<>();
            int port = tern.outboundPort();
            for (int c = 0; c < clients; c++) {
                Thread sender = new Thread(() -> sendBulk(port, next, total, acknowledged), "bulk-sender-" + c);
                sender.start();
                senders.add(sender);
            }
            // The MX comes up while the clients are still sending, and Tern is killed while it is
            // receiving, queueing and delivering at once.
            long started = System.nanoTime();
            assertThat(FakeInternet.await(Duration.ofSeconds(60), () -> acknowledged.size() >= total / 10))
                    .as("250 replies for a tenth of the messages" + tern.logTail()).isTrue();
            ScriptedSmtpServer server = net.run(net.smtp(host).pipelining(true));
            boolean busy = FakeInternet.await(Duration.ofSeconds(30),
                    () -> acknowledged.size() >= total * 6 / 10 && server.transactions().size() >= 5);
            assertThat(busy).as("most acknowledged and deliveries started" + tern.logTail()).isTrue();

            assertThat(tern.kill()).as("exit code of a SIGKILLed JVM").isEqualTo(137);
            int ackedAtKill = acknowledged.size();
            int deliveredBeforeKill = server.transactions().size();
            long killedAt = System.nanoTime();
            for (Thread sender : senders) {
                sender.join(Duration.ofSeconds(30).toMillis());
                assertThat(sender.isAlive()).as(sender.getName() + " ended").isFalse();
            }
            Set<Integer> acked = Set.copyOf(acknowledged);

            tern.start();
            boolean allArrived = FakeInternet.await(Duration.ofSeconds(90),
                    () -> arrived(server).keySet().containsAll(acked));
            long allThereAt = System.nanoTime();
            Map<Integer, Integer> arrived = arrived(server);
            List<Integer> lost = acked.stream().filter(n -> !arrived.containsKey(n)).sorted().toList();
            assertThat(allArrived).as(lost.size() + " acknowledged messages never reached the MX: " + lost
                    + tern.logTail()).isTrue();
            Relaying.awaitNotQueued(tern, "bulk.test");
            Map<Integer, Integer> settled = arrived(server);
            long duplicates = settled.values().stream().mapToInt(count -> count - 1).sum();
            List<Integer> duplicated = settled.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey)
                    .sorted().toList();
            long unacknowledgedDelivered = settled.keySet().stream().filter(n -> !acked.contains(n)).count();
            System.out.printf("kill -9 during the queue: %d acknowledged at the kill (%d in all), %d delivered before"
                            + " it, %d transactions in all, %d duplicate deliveries %s, %d unacknowledged messages delivered;"
                            + " %d ms to the kill, %d ms from the kill until all had arrived%n", ackedAtKill, acked.size(),
                    deliveredBeforeKill, server.transactions().size(), duplicates, duplicated, unacknowledgedDelivered,
                    Duration.ofNanos(killedAt - started).toMillis(), Duration.ofNanos(allThereAt - killedAt).toMillis());
            assertThat(acked.size()).as("messages acknowledged before the kill").isGreaterThanOrEqualTo(total * 6 / 10);
            assertThat(server.transactions()).allSatisfy(t -> assertThat(t.recipients()).hasSize(1));
            String afterRestart = tern.log().substring(tern.log().lastIndexOf("===== test harness: start #2"));
            List<String> deferrals = afterRestart.lines().filter(line -> line.contains("status=deferred")).toList();
            assertThat(deferrals.size()).as("deferrals after the restart, with the MX up all along; the first: "
                    + deferrals.subList(0, Math.min(3, deferrals.size()))).isZero();
        }
    }

    private static final Pattern BULK_ID = Pattern.compile("\r\nMessage-ID: <bulk-(\\d+)@client\\.test>\r\n");

    /** Message number → how many times it arrived. */
    private static Map<Integer, Integer> arrived(ScriptedSmtpServer server) {
        Map<Integer, Integer> counts = new HashMap<>();
        for (ScriptedSmtpServer.Transaction t : server.transactions()) {
            Matcher m = BULK_ID.matcher(new String(t.data(), StandardCharsets.ISO_8859_1));
            if (m.find()) {
                counts.merge(Integer.parseInt(m.group(1)), 1, Integer::sum);
            }
        }
        return counts;
    }

    /** One client: messages numbered from the shared counter until the total or until Tern dies. */
    private static void sendBulk(int port, AtomicInteger next, int total, Set<Integer> acknowledged) {
        try (SmtpTranscript smtp = SmtpTranscript.connect("127.0.0.1", port).hello()) {
            for (int n = next.incrementAndGet(); n <= total; n = next.incrementAndGet()) {
                String content = "From: <bulk@client.test>\r\nSubject: bulk " + n + "\r\nMessage-ID: <bulk-" + n
                        + "@client.test>\r\n\r\nmessage " + n + " of " + total + "\r\n";
                smtp.deliver("bulk@client.test", List.of("rcpt" + n + "@bulk.test"), content);
                acknowledged.add(n);
            }
            smtp.quit();
        } catch (RuntimeException | AssertionError e) {
            // Tern was killed: this message has no 250 and is not counted
        }
    }

    private static List<ScriptedSmtpServer.Transaction> awaitTransactions(ScriptedSmtpServer server, int count,
                                                                          TernProcess tern) {
        try {
            return server.awaitTransactions(count, Relaying.DELIVERY_TIMEOUT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + tern.logTail(), e);
        }
    }

    private static int indexOrEnd(String text, String part, int from) {
        int at = text.indexOf(part, from);
        return at < 0 ? text.length() : at;
    }
}
