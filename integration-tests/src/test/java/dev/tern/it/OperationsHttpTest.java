package dev.tern.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

/**
 * The operations routes of a running Tern over real HTTP: {@code /metrics} counts what the
 * service did (a connection, an accepted message, a local delivery), {@code /healthz} is up,
 * and the autoconfig file names this Tern's listeners.
 */
class OperationsHttpTest {

    static TernProcess tern;
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeAll
    static void start() {
        tern = TernProcess.launch(new TernProcess.Options().http());
        tern.addUser("alice", "alice's secret");
    }

    @AfterAll
    static void stop() {
        if (tern != null) {
            tern.close();
        }
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(tern.httpBase() + path)).timeout(Duration.ofSeconds(20))
                .GET().build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /** The value of one sample line, e.g. {@code tern_messages_accepted_total{listener="inbound"}}; 0 when absent. */
    private static double sample(String exposition, String nameAndLabels) {
        Matcher m = Pattern.compile("^" + Pattern.quote(nameAndLabels) + " (\\S+)$", Pattern.MULTILINE)
                .matcher(exposition);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    @Test
    void metricsCountAMessageReceivedAndDelivered() throws Exception {
        String before = get("/metrics").body();
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern)) {
            smtp.hello();
            smtp.deliver("bob@example.net", List.of("alice@example.test"),
                    "Subject: counted\r\n\r\nhello\r\n");
            smtp.send("QUIT").expect("221");
        }

        HttpResponse<String> response = get("/metrics");
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (sample(response.body(), "tern_deliveries_total{kind=\"local\",result=\"delivered\"}")
                == sample(before, "tern_deliveries_total{kind=\"local\",result=\"delivered\"}")
                && System.nanoTime() < deadline) { // the 250 and the counter are not one step
            Thread.sleep(50);
            response = get("/metrics");
        }
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type ->
                assertThat(type.toLowerCase()).startsWith("text/plain; version=0.0.4"));
        String after = response.body();
        assertThat(sample(after, "tern_messages_accepted_total{listener=\"inbound\"}")
                - sample(before, "tern_messages_accepted_total{listener=\"inbound\"}")).isEqualTo(1);
        assertThat(sample(after, "tern_smtp_connections_total{listener=\"inbound\"}")
                - sample(before, "tern_smtp_connections_total{listener=\"inbound\"}")).isGreaterThanOrEqualTo(1);
        assertThat(sample(after, "tern_deliveries_total{kind=\"local\",result=\"delivered\"}")
                - sample(before, "tern_deliveries_total{kind=\"local\",result=\"delivered\"}")).isEqualTo(1);
        assertThat(after).contains("# TYPE tern_smtp_data_to_reply_seconds histogram", "jvm_memory_used_bytes",
                "tern_queue_messages");
    }

    @Test
    void healthzIsUpOnceTernSaidReady() throws Exception {
        HttpResponse<String> response = get("/healthz");
        assertThat(response.statusCode()).isEqualTo(200);
    }

    @Test
    void autoconfigNamesThisTernsSmtpsListener() throws Exception {
        HttpResponse<String> response = get("/mail/config-v1.1.xml?emailaddress=alice%40example.test");
        assertThat(response.statusCode()).isEqualTo(200);
        Document xml = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(response.body().getBytes(StandardCharsets.UTF_8)));
        String outgoing = xml.getElementsByTagName("outgoingServer").item(0).getTextContent();
        assertThat(outgoing).contains(TernProcess.HOSTNAME).contains(Integer.toString(tern.smtpsPort()));
    }
}
