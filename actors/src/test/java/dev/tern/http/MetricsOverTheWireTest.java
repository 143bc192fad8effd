package dev.tern.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tern.metrics.Samples;
import dev.tern.metrics.TernMetrics;
import dev.tern.protocol.LocalRecipientPolicy;
import dev.tern.protocol.ServerDialogue;
import dev.tern.protocol.SessionSettings;
import dev.tern.router.Router;
import dev.tern.session.ConnectionAdmission;
import dev.tern.session.ConnectionLimits;
import dev.tern.session.SessionSetup;
import dev.tern.session.SmtpListener;
import dev.tern.store.MaildirStore;
import dev.tern.users.Authenticator;

/**
 * A real listener, session, router and Maildir counting into one service's metrics, and the
 * operations routes on a loopback HTTP port: what an SMTP client did is what a Prometheus
 * scrape then reads. (The whole process, with its {@code --http} listener, is the
 * integration tests' part.)
 */
class MetricsOverTheWireTest {

    private static final ActorTestKit testKit = ActorTestKit.create();
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final String HOST = "mx.example.org";

    @TempDir
    Path temp;

    @AfterAll
    static void stopKit() {
        testKit.shutdownTestKit();
    }

    @Test
    void aMessageSentAndAConnectionRefusedOverSmtpShowInTheScrape() throws Exception {
        TernMetrics metrics = TernMetrics.forService();
        Path mailRoot = Files.createDirectories(temp.resolve("mail"));
        ActorRef<Router.Command> router = testKit.spawn(
                Router.create(new MaildirStore(mailRoot, HOST, Clock.systemUTC()), null, metrics));
        SessionSettings settings = new SessionSettings(HOST, 10_000_000, 100, 3);
        SessionSetup setup = new SessionSetup(new ServerDialogue(settings, new LocalRecipientPolicy(
                Set.of("example.org"), Set.of("alice")::contains, LocalRecipientPolicy.Relay.DENIED)), settings,
                router, testKit.createTestProbe(Authenticator.Command.class).getRef(),
                Files.createDirectories(temp.resolve("incoming")), Duration.ofMinutes(5), Clock.systemUTC(),
                SessionSetup.Encryption.ON_STARTTLS, metrics.listener("inbound"));
        CompletableFuture<InetSocketAddress> bound = new CompletableFuture<>();
        testKit.spawn(SmtpListener.create(setup, new InetSocketAddress("127.0.0.1", 0), () -> {
            throw new IllegalStateException("no TLS in this test");
        }, new ConnectionAdmission(new ConnectionLimits(1, 1, false)), bound)); // one session at a time
        ServerBinding http = Http.get(testKit.system()).newServerAt("127.0.0.1", 0)
                .bind(OperationsRoutes.create(metrics, bound::isDone, Autoconfig.of(HOST, Set.of("example.org"),
                        List.of(), List.of(), Autoconfig.ImapServer.parse("", HOST))))
                .toCompletableFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        HttpScraper scraper = new HttpScraper(http.localAddress().getPort());
        int smtpPort = bound.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).getPort();
        assertThat(scraper.get("/healthz").statusCode()).isEqualTo(200);

        try (Socket socket = new Socket("127.0.0.1", smtpPort)) {
            socket.setSoTimeout((int) TIMEOUT.toMillis());
            SmtpLines smtp = new SmtpLines(socket);
            assertThat(smtp.reply()).startsWith("220 ");
            assertThat(scraper.samples().value("tern_smtp_sessions{listener=\"inbound\"}")).isEqualTo(1);
            try (Socket second = new Socket("127.0.0.1", smtpPort)) {
                second.setSoTimeout((int) TIMEOUT.toMillis());
                assertThat(new SmtpLines(second).reply()).startsWith("421 4.7.0 ");
            }
            assertThat(smtp.send("EHLO client.example")).startsWith("250 ");
            assertThat(smtp.send("MAIL FROM:<sender@example.net>")).startsWith("250 ");
            assertThat(smtp.send("RCPT TO:<nobody@example.org>")).startsWith("550 5.1.1");
            assertThat(smtp.send("RCPT TO:<alice@example.org>")).startsWith("250 ");
            assertThat(smtp.send("DATA")).startsWith("354 ");
            assertThat(smtp.send("Subject: counted\r\n\r\nhello\r\n.")).startsWith("250 2.0.0 Ok: queued as ");
            assertThat(smtp.send("QUIT")).startsWith("221 ");
        }

        try (Stream<Path> delivered = Files.list(mailRoot.resolve("alice").resolve("new"))) {
            assertThat(delivered.count()).isEqualTo(1);
        }
        Samples samples = scraper.samples();
        assertThat(samples.value("tern_smtp_connections_total{listener=\"inbound\"}")).isEqualTo(2);
        assertThat(samples.value("tern_smtp_connections_refused_total{listener=\"inbound\"}")).isEqualTo(1);
        assertThat(samples.value("tern_messages_accepted_total{listener=\"inbound\"}")).isEqualTo(1);
        assertThat(samples.value("tern_messages_rejected_total{code=\"550\"}")).isEqualTo(1);
        assertThat(samples.value("tern_deliveries_total{kind=\"local\",result=\"delivered\"}")).isEqualTo(1);
        assertThat(samples.value("tern_smtp_data_to_reply_seconds_count")).isEqualTo(1);
        assertThat(samples.value("jvm_memory_used_bytes{area=\"heap\"}")).isPositive();
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (scraper.samples().value("tern_smtp_sessions{listener=\"inbound\"}") != 0) {
            assertThat(System.nanoTime()).as("the session ends after QUIT").isLessThan(deadline);
            Thread.sleep(20);
        }
        http.unbind().toCompletableFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    /** GETs from the operations routes, as Prometheus and a load balancer would. */
    private record HttpScraper(int port) {
        private static final HttpClient CLIENT = HttpClient.newHttpClient();

        HttpResponse<String> get(String path) throws Exception {
            return CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
        }

        Samples samples() throws Exception {
            HttpResponse<String> response = get("/metrics");
            assertThat(response.statusCode()).isEqualTo(200);
            return Samples.parse(response.body());
        }
    }

    /** A lock-step SMTP client: a command (or message text) out, its whole reply back. */
    private static final class SmtpLines {
        private final BufferedReader in;
        private final OutputStream out;

        SmtpLines(Socket socket) throws Exception {
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            out = socket.getOutputStream();
        }

        String send(String command) throws Exception {
            out.write((command + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return reply();
        }

        /** The last line of the next reply (multi-line replies end with "NNN "). */
        String reply() throws Exception {
            String line;
            do {
                line = in.readLine();
                assertThat(line).as("a reply line").isNotNull();
            } while (line.length() >= 4 && line.charAt(3) == '-');
            return line;
        }
    }
}
