package dev.tern.it;

import static dev.tern.it.Relaying.message;
import static dev.tern.it.Relaying.send;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;

import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.Session;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.MimeMessage;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

import dev.tern.testing.ScriptedSmtpServer;
import dev.tern.testing.TestCa;
import dev.tern.testing.TlsReportJson;

/**
 * TLS-RPT end to end (RFC 8460): Tern relays under {@code --outbound-tls verify} to a domain whose first MX
 * presents a self-signed certificate (a failure, certificate-not-trusted) and whose second presents one from
 * the trusted test CA (a success). The domain publishes {@code _smtp._tls} with a mailto and an https rua;
 * reports go out every few seconds ({@code tern.tls-rpt.interval}). The mailed report travels through Tern's
 * own queue to an SMTP sink, the posted one to a loopback HTTPS server trusted through {@code --tls-trust};
 * both are decoded, gunzipped and checked against RFC 8460 §4.4, and their counts against the sessions the
 * MX hosts saw. The sink's MX presents a self-signed certificate as well: the mailed report reaches it only
 * because it says {@code TLS-Required: No} (RFC 8460 §5.3, RFC 8689 §5).
 */
class TlsReportTest {

    static FakeInternet net;
    static TernProcess tern;
    static TestCa ca;
    static HttpsServer https;
    static final List<byte[]> posted = new CopyOnWriteArrayList<>();
    static final List<String> postedTypes = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        net = FakeInternet.start();
        ca = TestCa.create();
        https = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        https.setHttpsConfigurator(new HttpsConfigurator(ca.issue("localhost").serverContext()));
        https.createContext("/tlsrpt", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                postedTypes.add(exchange.getRequestMethod() + " " + exchange.getRequestHeaders().getFirst("Content-Type"));
                posted.add(in.readAllBytes());
            }
            exchange.sendResponseHeaders(201, -1);
            exchange.close();
        });
        https.start();
        Path config = net.config("tlsrpt.conf", FakeInternet.SHORT_TIMEOUTS + """
                tern.tls-rpt {
                  interval = 4s
                  save-interval = 1s
                }
                """);
        tern = TernProcess.launch(net.ternOptionsTrusting(ca, "500ms", "2s", "1m", "--outbound-tls", "verify")
                .config(config));
    }

    @AfterAll
    static void stop() {
        if (https != null) {
            https.stop(0);
        }
        FakeInternet.close(tern, net);
    }

    /** Sums of one policy type over reports. */
    private record Totals(long successes, long failures, List<JsonNode> details) {
        static Totals of(List<JsonNode> reports) {
            long ok = 0;
            long failed = 0;
            List<JsonNode> details = new ArrayList<>();
            for (JsonNode report : reports) {
                JsonNode policy = TlsReportJson.policy(report, "no-policy-found");
                ok += TlsReportJson.successes(policy);
                failed += TlsReportJson.failures(policy);
                policy.path("failure-details").forEach(details::add);
            }
            return new Totals(ok, failed, details);
        }
    }

    @Test
    void reportsWithTheSessionCountsReachTheMailtoAndHttpsRua() throws Exception {
        String bad = net.nextAddress();
        String good = net.nextAddress();
        String sink = net.nextAddress();
        net.mx("rpt.test", 10, "mx1.rpt.test", bad).mx("rpt.test", 20, "mx2.rpt.test", good);
        net.mx("sink.test", 10, "mx.sink.test", sink);
        net.dns().txt("_smtp._tls.rpt.test", "v=TLSRPTv1; rua=mailto:tls-reports@sink.test,https://localhost:"
                + https.getAddress().getPort() + "/tlsrpt");
        ScriptedSmtpServer badServer = net.run(net.smtp(bad)
                .startTls(TestCa.selfSigned("mx1.rpt.test").serverContext()));
        ScriptedSmtpServer goodServer = net.run(net.smtp(good).startTls(ca.issue("mx2.rpt.test").serverContext()));
        // the report's own destination fails the TLS policy too: the report goes all the same (TLS-Required: No)
        ScriptedSmtpServer sinkServer = net.run(net.smtp(sink)
                .startTls(TestCa.selfSigned("mx.sink.test").serverContext()));

        for (int i = 1; i <= 3; i++) {
            send(tern, "alice@example.test", List.of("bob@rpt.test"), message("tlsrpt " + i, "message " + i));
            assertThat(goodServer.awaitTransactions(i, Relaying.DELIVERY_TIMEOUT)).as(tern.logTail()).hasSize(i);
        }
        Relaying.awaitNotQueued(tern, "rpt.test");
        int failures = badServer.connections();
        int successes = goodServer.connections();
        assertThat(failures).as("the self-signed MX was tried").isGreaterThanOrEqualTo(1);
        assertThat(badServer.transactions()).as("nothing sent to the untrusted MX").isEmpty();

        List<JsonNode> mailed = new ArrayList<>();
        boolean complete = FakeInternet.await(Duration.ofSeconds(40), () -> {
            mailed.clear();
            for (ScriptedSmtpServer.Transaction t : sinkServer.transactions()) {
                mailed.add(mailedReport(t));
            }
            Totals totals = Totals.of(mailed);
            return totals.successes() == successes && totals.failures() == failures;
        });
        assertThat(complete).as("mailed reports add up to " + successes + " successes and " + failures
                + " failures: " + mailed + tern.logTail()).isTrue();
        for (JsonNode row : Totals.of(mailed).details()) {
            assertThat(row.get("result-type").asText()).isEqualTo("certificate-not-trusted");
            assertThat(row.get("receiving-mx-hostname").asText()).isEqualTo("mx1.rpt.test");
            assertThat(row.get("receiving-ip").asText()).isEqualTo(bad);
        }
        assertThat(mailed.get(0).get("organization-name").asText()).isEqualTo(TernProcess.HOSTNAME);
        assertThat(mailed.get(0).get("contact-info").asText()).isEqualTo("postmaster@" + TernProcess.HOSTNAME);

        List<JsonNode> posts = new ArrayList<>();
        boolean postedAll = FakeInternet.await(Duration.ofSeconds(20), () -> {
            posts.clear();
            try {
                for (byte[] body : posted) {
                    posts.add(TlsReportJson.read(body));
                }
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            Totals totals = Totals.of(posts);
            return totals.successes() == successes && totals.failures() == failures;
        });
        assertThat(postedAll).as("posted reports add up: " + posts + tern.logTail()).isTrue();
        assertThat(postedTypes).allMatch(type -> type.equals("POST application/tlsrpt+gzip"));
    }

    /** One mailed report: from the null sender, a multipart/report of the gzipped JSON, checked and parsed. */
    private static JsonNode mailedReport(ScriptedSmtpServer.Transaction t) {
        try {
            assertThat(t.mailFrom()).as("reports come from the null sender").isEmpty();
            assertThat(t.recipients()).containsExactly("tls-reports@sink.test");
            MimeMessage message = new MimeMessage(Session.getInstance(new Properties()),
                    new ByteArrayInputStream(t.data()));
            assertThat(message.getHeader("TLS-Report-Domain", null)).isEqualTo("rpt.test");
            assertThat(message.getHeader("TLS-Report-Submitter", null)).isEqualTo(TernProcess.HOSTNAME);
            assertThat(message.getHeader("TLS-Required", null)).isEqualTo("No");
            assertThat(message.getSubject()).startsWith("Report Domain: rpt.test Submitter: " + TernProcess.HOSTNAME
                    + " Report-ID: <");
            ContentType type = new ContentType(message.getContentType());
            assertThat(type.getBaseType()).isEqualTo("multipart/report");
            assertThat(type.getParameter("report-type")).isEqualTo("tlsrpt");
            Part attachment = ((Multipart) message.getContent()).getBodyPart(1);
            assertThat(attachment.isMimeType("application/tlsrpt+gzip")).isTrue();
            try (InputStream in = attachment.getInputStream()) {
                JsonNode report = TlsReportJson.read(in.readAllBytes());
                assertThat(message.getSubject()).endsWith("<" + report.get("report-id").asText() + ">");
                return report;
            }
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
