package dev.tern.transport.mtasts;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.tern.protocol.mtasts.StsMode;
import dev.tern.relay.MailAuthDns;
import dev.tern.streams.client.TlsFailure;
import dev.tern.testing.FakeDnsServer;
import dev.tern.testing.PolicyServer;
import dev.tern.testing.TestCa;

/** The fetcher against a real HTTPS server on 127.0.14.1:443, its name resolved by a fake DNS. */
class PolicyFetcherTest {

    static final String ENFORCE = "version: STSv1\r\nmode: enforce\r\nmx: mx.example.test\r\nmax_age: 86400\r\n";

    private static final ActorTestKit testKit = ActorTestKit.create();
    private static TestCa ca;
    private static FakeDnsServer dns;
    private static PolicyServer server;

    @BeforeAll
    static void start() throws Exception {
        ca = TestCa.create();
        dns = FakeDnsServer.start();
        server = PolicyServer.start("127.0.14.1", ca.issue("mta-sts.example.test").serverContext());
        dns.a("mta-sts.example.test", "127.0.14.1")
                .a("mta-sts.wrong-name.test", "127.0.14.1")
                .a("mta-sts.nobody-listens.test", "127.0.14.2");
    }

    @AfterAll
    static void stop() {
        server.close();
        dns.close();
        testKit.shutdownTestKit();
    }

    @BeforeEach
    void servePolicy() {
        server.serve(ENFORCE);
    }

    private FetchOutcome fetch(String domain, TestCa... trusted) throws Exception {
        List<java.security.cert.X509Certificate> extra = java.util.Arrays.stream(trusted)
                .map(TestCa::certificate).toList();
        PolicyFetcher fetcher = new PolicyFetcher(testKit.system(),
                new MailAuthDns(List.of(dns.address()), Duration.ofSeconds(2)),
                WebPkiTrust.context(extra), Duration.ofSeconds(5));
        return fetcher.fetch(domain).toCompletableFuture().get();
    }

    @Test
    void fetchesAValidPolicyFromTheHostTernsDnsNames() throws Exception {
        int before = server.requests().size();
        FetchOutcome outcome = fetch("example.test", ca);
        assertThat(outcome).isInstanceOf(FetchOutcome.Fetched.class);
        var policy = ((FetchOutcome.Fetched) outcome).policy();
        assertThat(policy.mode()).isEqualTo(StsMode.ENFORCE);
        assertThat(policy.patterns()).containsExactly("mx.example.test");
        assertThat(server.requests().subList(before, server.requests().size()))
                .containsExactly("GET /.well-known/mta-sts.txt mta-sts.example.test");
    }

    @Test
    void aCertificateFromAnUntrustedCaIsRefused() throws Exception {
        int before = server.requests().size();
        FetchOutcome outcome = fetch("example.test", TestCa.create());
        assertThat(outcome).isInstanceOf(FetchOutcome.Failed.class);
        assertThat(((FetchOutcome.Failed) outcome).problem()).isEqualTo(TlsFailure.STS_WEBPKI_INVALID);
        assertThat(((FetchOutcome.Failed) outcome).reason()).contains("certificate of mta-sts.example.test");
        assertThat(server.requests()).hasSize(before); // no request was sent to the unverified host
    }

    @Test
    void aCertificateForAnotherNameIsRefused() throws Exception {
        int before = server.requests().size();
        FetchOutcome outcome = fetch("wrong-name.test", ca);
        assertThat(((FetchOutcome.Failed) outcome).problem()).isEqualTo(TlsFailure.STS_WEBPKI_INVALID);
        assertThat(server.requests()).hasSize(before);
    }

    @Test
    void redirectsAreNotFollowed() throws Exception {
        int before = server.requests().size();
        server.respond(new PolicyServer.Response(301,
                Map.of("Location", "https://mta-sts.example.test/elsewhere.txt"), new byte[0], false));
        FetchOutcome outcome = fetch("example.test", ca);
        assertThat(((FetchOutcome.Failed) outcome).problem()).isEqualTo(TlsFailure.STS_POLICY_FETCH_ERROR);
        assertThat(((FetchOutcome.Failed) outcome).reason())
                .contains("answered 301").contains("redirect to https://mta-sts.example.test/elsewhere.txt not followed");
        assertThat(server.requests()).hasSize(before + 1);
    }

    @Test
    void anOversizePolicyIsRefusedWithOrWithoutContentLength() throws Exception {
        byte[] big = (ENFORCE + "x".repeat(PolicyFetcher.MAX_POLICY_BYTES)).getBytes(StandardCharsets.US_ASCII);
        for (boolean chunked : new boolean[] {false, true}) {
            server.respond(new PolicyServer.Response(200, Map.of("Content-Type", "text/plain"), big, chunked));
            FetchOutcome outcome = fetch("example.test", ca);
            assertThat(outcome).as("chunked " + chunked).isInstanceOf(FetchOutcome.Failed.class);
            assertThat(((FetchOutcome.Failed) outcome).reason()).contains("larger than 65536 bytes");
        }
    }

    @Test
    void aPolicyJustUnderTheLimitIsFetched() throws Exception {
        String padded = ENFORCE + "comment: " + "x".repeat(10) + "\n";
        server.respond(new PolicyServer.Response(200, Map.of("Content-Type", "text/plain"),
                padded.getBytes(StandardCharsets.US_ASCII), true));
        assertThat(fetch("example.test", ca)).isInstanceOf(FetchOutcome.Fetched.class);
    }

    @Test
    void onlyTextPlainIsAPolicy() throws Exception {
        server.respond(new PolicyServer.Response(200, Map.of("Content-Type", "text/html"),
                ENFORCE.getBytes(StandardCharsets.US_ASCII), false));
        FetchOutcome outcome = fetch("example.test", ca);
        assertThat(((FetchOutcome.Failed) outcome).reason()).contains("text/html, not text/plain");
    }

    @Test
    void errorsAndInvalidPoliciesAreFailures() throws Exception {
        server.respond(new PolicyServer.Response(404, Map.of("Content-Type", "text/plain"),
                "not here".getBytes(StandardCharsets.US_ASCII), false));
        assertThat(((FetchOutcome.Failed) fetch("example.test", ca)).reason()).contains("answered 404");
        server.serve("version: STSv1\nmode: enforce\nmax_age: 86400\n"); // no mx
        FetchOutcome invalid = fetch("example.test", ca);
        assertThat(((FetchOutcome.Failed) invalid).problem()).isEqualTo(TlsFailure.STS_POLICY_INVALID);
    }

    @Test
    void unresolvableAndUnreachableHostsAreFetchErrors() throws Exception {
        FetchOutcome unknown = fetch("not-in-dns.test", ca);
        assertThat(((FetchOutcome.Failed) unknown).reason()).contains("cannot resolve policy host mta-sts.not-in-dns.test");
        FetchOutcome refused = fetch("nobody-listens.test", ca);
        assertThat(((FetchOutcome.Failed) refused).problem()).isEqualTo(TlsFailure.STS_POLICY_FETCH_ERROR);
        assertThat(((FetchOutcome.Failed) refused).reason()).contains("127.0.14.2");
    }
}
