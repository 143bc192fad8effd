package dev.tern.transport.mtasts;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Type;

import dev.tern.protocol.mtasts.StsMode;
import dev.tern.relay.MailAuthDns;
import dev.tern.streams.client.TlsFailure;
import dev.tern.testing.FakeDnsServer;
import dev.tern.testing.PolicyServer;
import dev.tern.testing.TestCa;

/**
 * Discovery, fetching and the disk cache together (RFC 8461 §3, §5.1), against a fake DNS and
 * a real HTTPS policy host on 127.0.14.3:443.
 */
class StsPoliciesTest {

    private static final String ENFORCE = "version: STSv1\nmode: enforce\nmx: mx.cached.test\nmax_age: 86400\n";
    private static final String TESTING = "version: STSv1\nmode: testing\nmx: *.cached.test\nmax_age: 86400\n";

    private static final ActorTestKit testKit = ActorTestKit.create();
    private static TestCa ca;
    private static PolicyServer server;
    private FakeDnsServer dns;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-30T12:00:00Z"));

    @TempDir
    Path data;

    @BeforeAll
    static void startServer() throws Exception {
        ca = TestCa.create();
        server = PolicyServer.start("127.0.14.3", ca.issue("mta-sts.cached.test").serverContext());
    }

    @AfterAll
    static void stopServer() {
        server.close();
        testKit.shutdownTestKit();
    }

    @BeforeEach
    void startDns() throws Exception {
        dns = FakeDnsServer.start();
        dns.a("mta-sts.cached.test", "127.0.14.3").txt("_mta-sts.cached.test", "v=STSv1; id=one;");
        server.serve(ENFORCE);
    }

    @AfterEach
    void stopDns() {
        dns.close();
    }

    /** A process's view: a new one reads the same directory, as after a restart. */
    private StsPolicies policies() throws Exception {
        return policies(new PolicyCache(data.resolve("mta-sts"), clock.instant()));
    }

    private StsPolicies policies(PolicyCache cache) throws Exception {
        MailAuthDns lookup = new MailAuthDns(List.of(dns.address()), Duration.ofSeconds(2));
        return new StsPolicies(lookup, new PolicyFetcher(testKit.system(), lookup,
                WebPkiTrust.context(List.of(ca.certificate())), Duration.ofSeconds(5)), cache, clock);
    }

    private static StsOutcome policyOf(StsPolicies policies, String domain) throws Exception {
        return policies.policyOf(domain).toCompletableFuture().get();
    }

    private int fetches() {
        return server.requests().size();
    }

    @Test
    void fetchedOnceThenCachedUntilTheIdChanges() throws Exception {
        StsPolicies policies = policies();
        int before = fetches();
        StsOutcome first = policyOf(policies, "Cached.Test.");
        assertThat(first).isInstanceOf(StsOutcome.Applies.class);
        assertThat(((StsOutcome.Applies) first).how()).isEqualTo("fetched");
        assertThat(((StsOutcome.Applies) first).policy().id()).isEqualTo("one");

        StsOutcome second = policyOf(policies, "cached.test");
        assertThat(((StsOutcome.Applies) second).how()).isEqualTo("cached");
        assertThat(fetches()).isEqualTo(before + 1);

        Path file = data.resolve("mta-sts").resolve("cached.test.txt");
        assertThat(Files.readString(file)).startsWith("id: one\nfetched-at: 2026-11-30T12:00:00Z\n\nversion: STSv1\n");
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));

        dns.remove("_mta-sts.cached.test", Type.TXT).txt("_mta-sts.cached.test", "v=STSv1; id=two;");
        server.serve(TESTING);
        StsOutcome changed = policyOf(policies, "cached.test");
        assertThat(fetches()).isEqualTo(before + 2);
        assertThat(((StsOutcome.Applies) changed).how()).isEqualTo("fetched");
        assertThat(((StsOutcome.Applies) changed).policy().id()).isEqualTo("two");
        assertThat(((StsOutcome.Applies) changed).policy().policy().mode()).isEqualTo(StsMode.TESTING);
        assertThat(Files.readString(file)).startsWith("id: two\n");
    }

    @Test
    void theCacheOnDiskIsUsedWhenThePolicyHostIsDown() throws Exception {
        policyOf(policies(), "cached.test"); // fetched and written
        dns.remove("mta-sts.cached.test").a("mta-sts.cached.test", "127.0.14.4"); // nobody listens there
        int before = fetches();

        StsOutcome sameId = policyOf(policies(), "cached.test"); // a restarted process
        assertThat(((StsOutcome.Applies) sameId).how()).isEqualTo("cached");
        assertThat(((StsOutcome.Applies) sameId).policy().policy().mode()).isEqualTo(StsMode.ENFORCE);

        dns.remove("_mta-sts.cached.test", Type.TXT).txt("_mta-sts.cached.test", "v=STSv1; id=two;");
        StsOutcome refreshFailed = policyOf(policies(), "cached.test");
        assertThat(((StsOutcome.Applies) refreshFailed).policy().id()).isEqualTo("one"); // kept (§5.1)
        assertThat(((StsOutcome.Applies) refreshFailed).how()).startsWith("cached; refresh failed: ")
                .contains("127.0.14.4");

        dns.remove("_mta-sts.cached.test", Type.TXT);
        StsOutcome noRecord = policyOf(policies(), "cached.test");
        assertThat(((StsOutcome.Applies) noRecord).policy().id()).isEqualTo("one");
        dns.servfail("_mta-sts.cached.test");
        StsOutcome dnsFailing = policyOf(policies(), "cached.test");
        assertThat(((StsOutcome.Applies) dnsFailing).how()).contains("SERVFAIL");
        assertThat(fetches()).isEqualTo(before);
    }

    @Test
    void anExpiredPolicyIsGone() throws Exception {
        policyOf(policies(), "cached.test");
        dns.remove("mta-sts.cached.test").a("mta-sts.cached.test", "127.0.14.4");
        clock.advance(Duration.ofSeconds(86400));
        StsOutcome outcome = policyOf(policies(), "cached.test");
        assertThat(outcome).isInstanceOf(StsOutcome.Unavailable.class);
        assertThat(((StsOutcome.Unavailable) outcome).problem()).isEqualTo(TlsFailure.STS_POLICY_FETCH_ERROR);
        assertThat(data.resolve("mta-sts").resolve("cached.test.txt")).doesNotExist();
    }

    @Test
    void anAgingPolicyIsRefreshedInTheBackground() throws Exception {
        StsPolicies policies = policies();
        policyOf(policies, "cached.test");
        int before = fetches();
        clock.advance(Duration.ofHours(13)); // more than half of max_age 86400
        assertThat(((StsOutcome.Applies) policyOf(policies, "cached.test")).how()).isEqualTo("cached");
        Path file = data.resolve("mta-sts").resolve("cached.test.txt");
        for (int i = 0; i < 50 && !Files.readString(file).contains("fetched-at: 2026-12-01T01:00:00Z"); i++) {
            Thread.sleep(100);
        }
        assertThat(fetches()).isEqualTo(before + 1);
        assertThat(Files.readString(file)).contains("fetched-at: 2026-12-01T01:00:00Z"); // max_age runs anew
    }

    @Test
    void aFailedFetchIsNotRepeatedForFiveMinutes() throws Exception {
        server.respond(new PolicyServer.Response(500, Map.of(), new byte[0], false));
        StsPolicies policies = policies();
        int before = fetches();
        assertThat(policyOf(policies, "cached.test")).isInstanceOf(StsOutcome.Unavailable.class);
        assertThat(policyOf(policies, "cached.test")).isInstanceOf(StsOutcome.Unavailable.class);
        assertThat(fetches()).isEqualTo(before + 1);
        server.serve(ENFORCE);
        clock.advance(StsPolicies.RETRY_FETCH);
        assertThat(policyOf(policies, "cached.test")).isInstanceOf(StsOutcome.Applies.class);
        assertThat(fetches()).isEqualTo(before + 2);
    }

    /**
     * A cache that throws on writing (an unchecked exception from the file code, say) once ended the fetch's
     * callback before it completed the shared future: that domain's lookups then never completed.
     */
    @Test
    void aCacheThatThrowsOnWritingEndsTheFetchAndLaterLookupsStillComplete() throws Exception {
        StsPolicies policies = policies(new PolicyCache(data.resolve("mta-sts"), clock.instant()) {
            @Override
            public void put(CachedPolicy policy) {
                throw new IllegalStateException("the disk is gone");
            }
        });
        int before = fetches();
        StsOutcome first = policies.policyOf("cached.test").toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(first).isInstanceOf(StsOutcome.NoPolicy.class); // nothing cached to keep
        assertThat(((StsOutcome.NoPolicy) first).reason()).contains("policy not taken").contains("the disk is gone");

        StsOutcome again = policies.policyOf("cached.test").toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(again).isInstanceOf(StsOutcome.NoPolicy.class);
        assertThat(fetches()).isEqualTo(before + 2); // not remembered as a failed fetch: the host answered
    }

    @Test
    void aCacheThatThrowsOnARefreshKeepsTheCachedPolicy() throws Exception {
        policyOf(policies(), "cached.test"); // fetched and written by a cache that works
        StsPolicies policies = policies(new PolicyCache(data.resolve("mta-sts"), clock.instant()) {
            @Override
            public void put(CachedPolicy policy) {
                throw new IllegalStateException("the disk is gone");
            }
        });
        dns.remove("_mta-sts.cached.test", Type.TXT).txt("_mta-sts.cached.test", "v=STSv1; id=two;");
        StsOutcome refreshed = policies.policyOf("cached.test").toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(((StsOutcome.Applies) refreshed).policy().id()).isEqualTo("one"); // kept (§5.1)
        assertThat(((StsOutcome.Applies) refreshed).how()).contains("the disk is gone");
        assertThat(policies.policyOf("cached.test").toCompletableFuture().get(10, TimeUnit.SECONDS))
                .isInstanceOf(StsOutcome.Applies.class);
    }

    @Test
    void noRecordSeveralRecordsOrABadOneMeanNoPolicy() throws Exception {
        StsPolicies policies = policies();
        assertThat(policyOf(policies, "elsewhere.test")).isInstanceOf(StsOutcome.NoPolicy.class);
        dns.txt("_mta-sts.cached.test", "v=STSv1; id=second;");
        assertThat(((StsOutcome.NoPolicy) policyOf(policies, "cached.test")).reason()).contains("2 v=STSv1 TXT records");
        dns.remove("_mta-sts.cached.test").txt("_mta-sts.cached.test", "v=STSv1; id=bad-id");
        assertThat(policyOf(policies, "cached.test")).isInstanceOf(StsOutcome.NoPolicy.class);
        assertThat(policyOf(policies, "../etc")).isInstanceOf(StsOutcome.NoPolicy.class);
        assertThat(policyOf(policies, "[127.0.0.1]")).isInstanceOf(StsOutcome.NoPolicy.class);
        assertThat(((StsOutcome.NoPolicy) policyOf(policies, "bücher.test")).reason())
                .isEqualTo("no TXT record _mta-sts.xn--bcher-kva.test"); // asked as A-labels
    }

    /** A clock the test moves. */
    static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
