package dev.tern.tlsrpt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Random;

import javax.net.ssl.SSLContext;

import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.Session;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.MimeMessage;

import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import dev.tern.protocol.Recipient;
import dev.tern.protocol.ReversePath;
import dev.tern.relay.MailAuthDns;
import dev.tern.router.Router;
import dev.tern.streams.client.TlsFailure;
import dev.tern.testing.FakeDnsServer;
import dev.tern.testing.TestCa;
import dev.tern.testing.TlsReportJson;
import dev.tern.transport.PolicyRef;
import dev.tern.transport.TlsResults;

class TlsReporterTest {

    private static final ActorTestKit testKit = ActorTestKit.create();
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final PolicyRef STS = new PolicyRef("sts", "example.com",
            List.of("version: STSv1", "mode: enforce", "mx: mx.example.com", "max_age: 86400"),
            List.of("mx.example.com"));
    private static final PolicyRef NO_POLICY = new PolicyRef("no-policy-found", "example.com", List.of(), List.of());

    @TempDir
    Path dir;
    private FakeDnsServer dns;
    private Path incoming;

    @BeforeEach
    void start() throws Exception {
        dns = FakeDnsServer.start();
        incoming = Files.createDirectories(dir.resolve("incoming"));
    }

    @AfterEach
    void stop() {
        dns.close();
    }

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    private TlsRptSettings settings() {
        return new TlsRptSettings(true, TlsRptSettings.DAY, Duration.ofHours(1), Duration.ofMillis(100), 100, 100,
                Duration.ofSeconds(10), "mx.tern.test", "postmaster@mx.tern.test",
                dir.resolve("tls-rpt").resolve("counts.json"));
    }

    private ActorRef<TlsReporter.Command> reporter(SSLContext trust) {
        return testKit.spawn(TlsReporter.create(settings(), new MailAuthDns(List.of(dns.address()),
                Duration.ofSeconds(3)), trust, incoming, Clock.systemUTC(), new Random(1)));
    }

    /** Three good sessions and two with an untrusted certificate under MTA-STS, one without a policy. */
    private static void someSessions(TlsResults results) throws Exception {
        InetAddress mx = InetAddress.getByName("127.0.0.9");
        for (int i = 0; i < 3; i++) {
            results.success(STS, "mx.example.com");
        }
        for (int i = 0; i < 2; i++) {
            results.failure(STS, "mx.example.com", mx, TlsFailure.CERTIFICATE_NOT_TRUSTED,
                    "PKIX path building failed");
        }
        results.success(NO_POLICY, "mx2.example.com");
    }

    private static void assertTheCounts(JsonNode report) {
        assertEquals("mx.tern.test", report.get("organization-name").asText());
        assertEquals("postmaster@mx.tern.test", report.get("contact-info").asText());
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        assertEquals(today + "T00:00:00Z", report.get("date-range").get("start-datetime").asText());
        assertEquals(today + "T23:59:59Z", report.get("date-range").get("end-datetime").asText());
        assertEquals(2, report.get("policies").size());
        JsonNode sts = TlsReportJson.policy(report, "sts");
        TlsReportJson.assertCounts(sts, 3, 2);
        assertEquals("example.com", sts.get("policy").get("policy-domain").asText());
        assertEquals("mode: enforce", sts.get("policy").get("policy-string").get(1).asText());
        assertEquals("mx.example.com", sts.get("policy").get("mx-host").get(0).asText());
        JsonNode row = sts.get("failure-details").get(0);
        assertEquals("certificate-not-trusted", row.get("result-type").asText());
        assertEquals("mx.example.com", row.get("receiving-mx-hostname").asText());
        assertEquals("127.0.0.9", row.get("receiving-ip").asText());
        assertEquals(2, row.get("failed-session-count").asLong());
        assertEquals("PKIX path building failed", row.get("failure-reason-code").asText());
        TlsReportJson.assertCounts(TlsReportJson.policy(report, "no-policy-found"), 1, 0);
    }

    @Test
    void mailsTheReportIntoTheRouterAsAMultipartReport() throws Exception {
        dns.txt("_smtp._tls.example.com", "v=TLSRPTv1; rua=mailto:tls-reports@example.net");
        ActorRef<TlsReporter.Command> reporter = reporter(SSLContext.getDefault());
        TestProbe<Router.Command> router = testKit.createTestProbe();
        reporter.tell(new TlsReporter.MailThrough(new MailEntry(router.ref(), Optional.empty(),
                address -> Optional.of(new Recipient.RemoteDomain(address.domain())))));
        someSessions(TlsReporter.results(reporter, Clock.systemUTC()));
        TestProbe<Done> done = testKit.createTestProbe();
        reporter.tell(new TlsReporter.ReportNow(done.ref()));

        Router.Deliver deliver = router.expectMessageClass(Router.Deliver.class, WAIT);
        assertEquals(ReversePath.NULL, deliver.envelope().sender());
        assertEquals("tls-reports@example.net", deliver.envelope().recipients().get(0).address().toString());
        assertEquals(new Recipient.RemoteDomain("example.net"), deliver.envelope().recipients().get(0).route());
        Path staged = deliver.message().file();
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(staged)));
        byte[] file = Files.readAllBytes(staged);
        assertTrue(new String(file, 0, (int) deliver.message().relayOffset()).startsWith("Return-Path: <>"));
        MimeMessage message = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(
                Arrays.copyOfRange(file, (int) deliver.message().relayOffset(), file.length)));
        assertEquals("example.com", message.getHeader("TLS-Report-Domain", null));
        assertEquals("mx.tern.test", message.getHeader("TLS-Report-Submitter", null));
        assertEquals("No", message.getHeader("TLS-Required", null), "RFC 8460 §5.3: despite TLS failures");
        assertTrue(message.getSubject().startsWith("Report Domain: example.com Submitter: mx.tern.test Report-ID: <"),
                message.getSubject());
        ContentType type = new ContentType(message.getContentType());
        assertEquals("multipart/report", type.getBaseType());
        assertEquals("tlsrpt", type.getParameter("report-type"));
        Part attachment = ((Multipart) message.getContent()).getBodyPart(1);
        assertTrue(attachment.isMimeType("application/tlsrpt+gzip"));
        JsonNode report;
        try (InputStream in = attachment.getInputStream()) {
            report = TlsReportJson.read(in.readAllBytes());
        }
        assertTheCounts(report);
        assertTrue(message.getSubject().endsWith("<" + report.get("report-id").asText() + ">"));

        deliver.replyTo().tell(new Router.Stored(deliver.envelope().messageId()));
        done.expectMessage(WAIT, Done.getInstance());
        assertFalse(Files.exists(staged), "the staged report goes once the router has it");
    }

    @Test
    void postsTheReportToAnHttpsRuaWithTheCertificateVerified() throws Exception {
        TestCa ca = TestCa.create();
        try (ReportServer server = new ReportServer(testKit.system(), ca.issue("127.0.0.1").serverContext())) {
            dns.txt("_smtp._tls.example.com", "v=TLSRPTv1;rua=https://127.0.0.1:" + server.address().getPort()
                    + "/v1/tlsrpt");
            ActorRef<TlsReporter.Command> reporter = reporter(ca.clientContext());
            someSessions(TlsReporter.results(reporter, Clock.systemUTC()));
            TestProbe<Done> done = testKit.createTestProbe();
            reporter.tell(new TlsReporter.ReportNow(done.ref()));

            ReportServer.Received post = server.next(WAIT.toSeconds());
            assertNotNull(post, "no report posted");
            assertEquals("POST", post.method());
            assertEquals("/v1/tlsrpt", post.path());
            assertEquals("application/tlsrpt+gzip", post.contentType());
            assertTheCounts(TlsReportJson.read(post.body()));
            done.expectMessage(WAIT, Done.getInstance());
        }
    }

    @Test
    void anUntrustedReportServerGetsNothing() throws Exception {
        try (ReportServer server = new ReportServer(testKit.system(),
                TestCa.selfSigned("127.0.0.1").serverContext())) {
            dns.txt("_smtp._tls.example.com", "v=TLSRPTv1;rua=https://127.0.0.1:" + server.address().getPort()
                    + "/v1/tlsrpt");
            ActorRef<TlsReporter.Command> reporter = reporter(SSLContext.getDefault()); // the system's CAs only
            someSessions(TlsReporter.results(reporter, Clock.systemUTC()));
            TestProbe<Done> done = testKit.createTestProbe();
            reporter.tell(new TlsReporter.ReportNow(done.ref()));
            done.expectMessage(WAIT, Done.getInstance());
            assertNull(server.next(1), "a report went to a server whose certificate did not verify");
        }
    }

    @Test
    void aReportServerWhoseCertificateNamesAnotherHostGetsNothing() throws Exception {
        // trusted, but for www.example.com, not the 127.0.0.1 of the URI
        TestCa ca = TestCa.create();
        try (ReportServer server = new ReportServer(testKit.system(), ca.issue("www.example.com").serverContext())) {
            dns.txt("_smtp._tls.example.com", "v=TLSRPTv1;rua=https://127.0.0.1:" + server.address().getPort()
                    + "/v1/tlsrpt");
            ActorRef<TlsReporter.Command> reporter = reporter(ca.clientContext());
            someSessions(TlsReporter.results(reporter, Clock.systemUTC()));
            TestProbe<Done> done = testKit.createTestProbe();
            reporter.tell(new TlsReporter.ReportNow(done.ref()));
            done.expectMessage(WAIT, Done.getInstance());
            assertNull(server.next(1), "a report went to a server whose certificate names another host");
        }
    }

    @Test
    void aDomainWithoutARecordGetsNoReport() throws Exception {
        dns.txt("_smtp._tls.example.com", "v=spf1 -all");
        ActorRef<TlsReporter.Command> reporter = reporter(SSLContext.getDefault());
        TestProbe<Router.Command> router = testKit.createTestProbe();
        reporter.tell(new TlsReporter.MailThrough(new MailEntry(router.ref(), Optional.empty(),
                address -> Optional.of(new Recipient.RemoteDomain(address.domain())))));
        someSessions(TlsReporter.results(reporter, Clock.systemUTC()));
        TestProbe<Done> done = testKit.createTestProbe();
        reporter.tell(new TlsReporter.ReportNow(done.ref()));
        done.expectMessage(WAIT, Done.getInstance());
        router.expectNoMessage(Duration.ofMillis(300));
        assertEquals(1, dns.queries("_smtp._tls.example.com"));
    }

    @Test
    void theCountsSurviveARestart() throws Exception {
        Path state = settings().stateFile();
        ActorRef<TlsReporter.Command> first = reporter(SSLContext.getDefault());
        someSessions(TlsReporter.results(first, Clock.systemUTC()));
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!Files.exists(state) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(Files.exists(state), "the counts were not saved");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(state)));
        Thread.sleep(300); // a save after the last session
        testKit.stop(first, WAIT);

        TestCa ca = TestCa.create();
        try (ReportServer server = new ReportServer(testKit.system(), ca.issue("127.0.0.1").serverContext())) {
            dns.txt("_smtp._tls.example.com", "v=TLSRPTv1;rua=https://127.0.0.1:" + server.address().getPort() + "/");
            ActorRef<TlsReporter.Command> second = reporter(ca.clientContext());
            TestProbe<Done> done = testKit.createTestProbe();
            second.tell(new TlsReporter.ReportNow(done.ref()));
            ReportServer.Received post = server.next(WAIT.toSeconds());
            assertNotNull(post, "no report after the restart");
            assertTheCounts(TlsReportJson.read(post.body()));
            done.expectMessage(WAIT, Done.getInstance());
            // reported: the saved counts are gone, a third start has nothing to send
            String saved = Files.readString(state);
            assertInstanceOf(List.class, ReportJson.readCounts(saved));
            assertTrue(ReportJson.readCounts(saved).isEmpty(), saved);
        }
    }
}
