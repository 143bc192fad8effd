package dev.tern.transport.mtasts;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tern.relay.MailAuthDns;
import dev.tern.streams.client.PkixCheck;
import dev.tern.streams.client.TlsFailure;
import dev.tern.streams.client.TlsPolicy;
import dev.tern.streams.client.TlsVerdict;
import dev.tern.testing.FakeDnsServer;
import dev.tern.testing.PolicyServer;
import dev.tern.testing.TestCa;
import dev.tern.transport.DestinationSecurity;
import dev.tern.transport.HostSecurity;
import dev.tern.transport.LocalPolicy;
import dev.tern.transport.OutboundTls;
import dev.tern.transport.PolicyRef;
import dev.tern.transport.TlsResults;

/** What a policy makes of a destination's MX hosts (RFC 8461 §4, §5), over {@code --outbound-tls opportunistic}. */
class MtaStsPoliciesTest {

    private static final ActorTestKit testKit = ActorTestKit.create();
    private static TestCa ca;
    private static PolicyServer server;
    private FakeDnsServer dns;
    private final List<String> reported = new CopyOnWriteArrayList<>();

    @TempDir
    Path data;

    @BeforeAll
    static void startServer() throws Exception {
        ca = TestCa.create();
        server = PolicyServer.start("127.0.14.5", ca.issue("mta-sts.sts.test").serverContext());
    }

    @AfterAll
    static void stopServer() {
        server.close();
        testKit.shutdownTestKit();
    }

    @BeforeEach
    void startDns() throws Exception {
        dns = FakeDnsServer.start();
        dns.a("mta-sts.sts.test", "127.0.14.5").txt("_mta-sts.sts.test", "v=STSv1; id=x1");
    }

    @AfterEach
    void stopDns() {
        dns.close();
    }

    private DestinationSecurity decide(String... hosts) throws Exception {
        PkixCheck pkix = PkixCheck.trusting(List.of(ca.certificate()));
        MailAuthDns lookup = new MailAuthDns(List.of(dns.address()), Duration.ofSeconds(2));
        TlsResults results = new TlsResults() {
            @Override
            public void success(PolicyRef policy, String mxHost) {
                reported.add("success " + policy.type() + " " + mxHost);
            }

            @Override
            public void failure(PolicyRef policy, String mxHost, InetAddress ip, TlsFailure failure, String reason) {
                reported.add("failure " + policy.type() + " " + mxHost + " " + failure.resultType());
            }
        };
        MtaStsPolicies policies = MtaStsPolicies.start(testKit.system(), lookup, List.of(ca.certificate()),
                data.resolve("mta-sts"), new LocalPolicy(OutboundTls.OPPORTUNISTIC, pkix), results, Clock.systemUTC());
        return policies.forDestination("sts.test", List.of(hosts)).toCompletableFuture().get();
    }

    @Test
    void enforceRequiresVerifiedTlsToListedHostsAndExcludesTheOthers() throws Exception {
        server.serve("version: STSv1\nmode: enforce\nmx: *.sts.test\nmax_age: 86400\n");
        DestinationSecurity security = decide("mx.sts.test", "mx.elsewhere.test");

        HostSecurity listed = security.host("mx.sts.test");
        assertThat(listed.allowed()).isTrue();
        assertThat(listed.security().startTls()).isEqualTo(TlsPolicy.REQUIRED);
        assertThat(listed.security().enforce()).isTrue();
        assertThat(listed.security().policy()).isEqualTo("mta-sts enforce");
        assertThat(listed.security().hostAuthenticated()).isTrue(); // RFC 8689 §4.2.1
        assertThat(listed.policy()).isEqualTo(new PolicyRef("sts", "sts.test",
                List.of("version: STSv1", "mode: enforce", "mx: *.sts.test", "max_age: 86400"), List.of("*.sts.test")));
        assertThat(listed.security().check().check(ca.issue("mx.sts.test").chain(), "mx.sts.test"))
                .isInstanceOf(TlsVerdict.Verified.class);
        TlsVerdict selfSigned = listed.security().check().check(TestCa.selfSigned("mx.sts.test").chain(), "mx.sts.test");
        assertThat(((TlsVerdict.Failed) selfSigned).failure()).isEqualTo(TlsFailure.CERTIFICATE_NOT_TRUSTED);

        HostSecurity unlisted = security.host("mx.elsewhere.test");
        assertThat(unlisted.excludedBecause()).contains("MTA-STS policy of sts.test (id x1): MX host mx.elsewhere.test"
                + " does not match mx patterns [*.sts.test]");
        assertThat(security.refusal()).isEmpty();
    }

    @Test
    void enforceWithNoListedHostRefusesTheDestination() throws Exception {
        server.serve("version: STSv1\nmode: enforce\nmx: mail.sts.test\nmax_age: 86400\n");
        DestinationSecurity security = decide("mx.sts.test");
        assertThat(security.refusal()).contains("MTA-STS policy of sts.test (id x1): MX host mx.sts.test"
                + " does not match mx patterns [mail.sts.test]");
    }

    @Test
    void testingJudgesButDoesNotHoldMailBack() throws Exception {
        server.serve("version: STSv1\nmode: testing\nmx: mx.sts.test\nmax_age: 86400\n");
        DestinationSecurity security = decide("mx.sts.test", "backup.sts.test");
        for (HostSecurity host : security.hosts()) {
            assertThat(host.allowed()).isTrue();
            assertThat(host.security().startTls()).isEqualTo(TlsPolicy.OPPORTUNISTIC);
            assertThat(host.security().enforce()).isFalse();
            assertThat(host.security().policy()).isEqualTo("mta-sts testing");
            assertThat(host.policy().type()).isEqualTo("sts");
        }
        var chain = ca.issue("backup.sts.test").chain();
        TlsVerdict unlisted = security.host("backup.sts.test").security().check().check(chain, "backup.sts.test");
        assertThat(((TlsVerdict.Failed) unlisted).failure()).isEqualTo(TlsFailure.STS_POLICY_INVALID);
        assertThat(security.host("mx.sts.test").security().check().check(ca.issue("mx.sts.test").chain(),
                "mx.sts.test")).isInstanceOf(TlsVerdict.Verified.class);
        // RFC 8689 §4.2.1: the listed host is authenticated for REQUIRETLS, the unlisted one is not
        assertThat(security.host("mx.sts.test").security().hostAuthenticated()).isTrue();
        assertThat(security.host("backup.sts.test").security().hostAuthenticated()).isFalse();
    }

    @Test
    void modeNoneAndNoPolicyLeaveTheFallback() throws Exception {
        server.serve("version: STSv1\nmode: none\nmax_age: 86400\n");
        HostSecurity none = decide("mx.sts.test").host("mx.sts.test");
        assertThat(none.security().policy()).isEqualTo("opportunistic");
        assertThat(none.policy()).isEqualTo(PolicyRef.none("sts.test"));

        dns.remove("_mta-sts.sts.test");
        HostSecurity noRecord = decide("mx.sts.test").host("mx.sts.test");
        assertThat(noRecord.security().policy()).isEqualTo("opportunistic");
        assertThat(noRecord.security().hostAuthenticated()).isFalse();
        assertThat(reported).isEmpty();
    }

    @Test
    void anUnfetchablePolicyIsReportedAndMailGoesAsWithout() throws Exception {
        dns.remove("mta-sts.sts.test").a("mta-sts.sts.test", "127.0.14.6"); // nobody listens
        HostSecurity host = decide("mx.sts.test").host("mx.sts.test");
        assertThat(host.security().policy()).isEqualTo("opportunistic");
        assertThat(host.excludedBecause()).isEqualTo(Optional.empty());
        assertThat(reported).containsExactly("failure sts mta-sts.sts.test sts-policy-fetch-error");
    }
}
