package dev.tern.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.tern.metrics.Samples;
import dev.tern.metrics.TernMetrics;

/** The operations routes bound on a loopback port, asked by a real HTTP client. */
class OperationsRoutesTest {

    private static final ActorTestKit testKit = ActorTestKit.create();
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final TernMetrics metrics = TernMetrics.forService();
    private final AtomicBoolean ready = new AtomicBoolean();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    private ServerBinding binding;

    @AfterAll
    static void stopKit() {
        testKit.shutdownTestKit();
    }

    @BeforeEach
    void bind() throws Exception {
        Autoconfig autoconfig = Autoconfig.of("mx.example.org", Set.of("example.org"),
                List.of(new InetSocketAddress(587)), List.of(new InetSocketAddress(4465)),
                new Autoconfig.ImapServer("imap.example.org", 993));
        binding = Http.get(testKit.system()).newServerAt("127.0.0.1", 0)
                .bind(OperationsRoutes.create(metrics, ready::get, autoconfig))
                .toCompletableFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    @AfterEach
    void unbind() throws Exception {
        binding.unbind().toCompletableFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return client.send(request.timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + binding.localAddress().getPort() + path);
    }

    private static String contentType(HttpResponse<String> response) {
        return response.headers().firstValue("Content-Type").orElse("").toLowerCase(Locale.ROOT);
    }

    @Test
    void metricsAreEveryFamilyInThePrometheusTextFormatCountedAtEachScrape() throws Exception {
        metrics.listener("inbound").connected();
        metrics.listener("inbound").rejected(550);

        HttpResponse<String> first = get("/metrics");

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(contentType(first).replace(" ", "")).isEqualTo("text/plain;version=0.0.4;charset=utf-8");
        assertThat(first.body()).contains("# TYPE tern_smtp_connections_total counter",
                "# TYPE tern_smtp_sessions gauge", "# TYPE tern_messages_accepted_total counter",
                "# TYPE tern_messages_rejected_total counter", "# TYPE tern_deliveries_total counter",
                "# TYPE tern_queue_messages gauge", "# TYPE tern_smtp_data_to_reply_seconds histogram",
                "# TYPE tern_relay_delivery_seconds histogram", "# TYPE jvm_memory_used_bytes gauge");
        assertThat(Samples.parse(first.body()).value("tern_smtp_connections_total{listener=\"inbound\"}"))
                .isEqualTo(1);

        metrics.listener("inbound").connected();
        assertThat(Samples.parse(get("/metrics").body()).value("tern_smtp_connections_total{listener=\"inbound\"}"))
                .as("a fresh scrape per request").isEqualTo(2);
    }

    @Test
    void healthzIs503UntilEveryListenerIsBoundThen200() throws Exception {
        HttpResponse<String> before = get("/healthz");
        assertThat(before.statusCode()).isEqualTo(503);

        ready.set(true);
        HttpResponse<String> after = get("/healthz");
        assertThat(after.statusCode()).isEqualTo(200);
        assertThat(after.body()).isEqualTo("ok\n");

        ready.set(false); // stopping
        assertThat(get("/healthz").statusCode()).isEqualTo(503);
    }

    @Test
    void theAutoconfigFileIsServedAtBothOfThunderbirdsPaths() throws Exception {
        for (String path : List.of("/.well-known/autoconfig/mail/config-v1.1.xml", "/mail/config-v1.1.xml")) {
            HttpResponse<String> response = get(path + "?emailaddress=alice%40example.org");

            assertThat(response.statusCode()).as(path).isEqualTo(200);
            assertThat(contentType(response).replace(" ", "")).as(path).isEqualTo("application/xml;charset=utf-8");
            AutoconfigXml xml = AutoconfigXml.parse(response.body());
            assertThat(xml.incoming()).containsExactly("imap.example.org:993/SSL");
            assertThat(xml.outgoing()).containsExactly("mx.example.org:587/STARTTLS", "mx.example.org:4465/SSL");
            assertThat(xml.texts("//emailProvider/domain")).containsExactly("example.org");
        }
        assertThat(get("/mail/config-v1.1.xml").statusCode()).as("emailaddress is optional").isEqualTo(200);
    }

    @Test
    void anEmailAddressFullOfMarkupComesBackEscaped() throws Exception {
        String hostile = "x@evil.example\"><incomingServer type=\"imap\"><hostname>attacker.example</hostname>";

        HttpResponse<String> response = get("/mail/config-v1.1.xml?emailaddress="
                + URLEncoder.encode(hostile, StandardCharsets.UTF_8));

        assertThat(response.statusCode()).isEqualTo(200);
        AutoconfigXml xml = AutoconfigXml.parse(response.body());
        assertThat(xml.incoming()).containsExactly("imap.example.org:993/SSL");
        assertThat(xml.texts("//hostname")).doesNotContain("attacker.example");
        assertThat(xml.texts("//emailProvider/domain").get(0))
                .isEqualTo(hostile.substring(2).toLowerCase(Locale.ROOT));
    }

    @Test
    void otherRequestsAreLeftToOtherRoutes() throws Exception {
        assertThat(get("/nothing-here").statusCode()).isEqualTo(404);
        assertThat(send(HttpRequest.newBuilder(uri("/metrics")).POST(HttpRequest.BodyPublishers.noBody()))
                .statusCode()).isEqualTo(405);
    }
}
