package dev.tern.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Type;

import dev.tern.testing.FakeDnsServer;

class MxResolverTest {

    private static final Duration TIMEOUT = Duration.ofMillis(800);

    private FakeDnsServer dns;

    @BeforeEach
    void startDns() throws IOException {
        dns = FakeDnsServer.start();
    }

    @AfterEach
    void stopDns() {
        dns.close();
    }

    private MxResolver resolver(long seed) {
        return new MxResolver(List.of(dns.address()), TIMEOUT, new Random(seed));
    }

    private Resolution resolve(String domain) throws Exception {
        return resolve(resolver(1), domain);
    }

    private static Resolution resolve(MxResolver resolver, String domain) throws Exception {
        return resolver.resolve(domain).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal); // literals only: no lookup
    }

    private static List<String> names(Resolution resolution) {
        assertThat(resolution).isInstanceOf(Resolution.Hosts.class);
        return ((Resolution.Hosts) resolution).hosts().stream().map(MxHost::name).toList();
    }

    @Test
    void mxHostsComeInPreferenceOrderWithTheirAddresses() throws Exception {
        dns.mx("example.test", 20, "mx2.example.test")
                .mx("example.test", 10, "mx1.example.test")
                .mx("example.test", 30, "mx3.example.test")
                .a("mx1.example.test", "127.0.0.11")
                .a("mx2.example.test", "127.0.0.12")
                .a("mx2.example.test", "127.0.0.13")
                .aaaa("mx3.example.test", "::1");

        Resolution r = resolve("example.test");

        assertThat(r).isEqualTo(new Resolution.Hosts("example.test", List.of(
                new MxHost("mx1.example.test", 10, List.of(ip("127.0.0.11"))),
                new MxHost("mx2.example.test", 20, List.of(ip("127.0.0.12"), ip("127.0.0.13"))),
                new MxHost("mx3.example.test", 30, List.of(ip("::1"))))));
        assertThat(dns.queries("example.test", Type.MX)).isEqualTo(1);
        assertThat(dns.queries("mx1.example.test", Type.AAAA)).isEqualTo(1);
        assertThat(dns.queries("mx1.example.test", Type.A)).isEqualTo(1);
    }

    @Test
    void domainIsCaseInsensitiveAndMayEndInADot() throws Exception {
        dns.mx("example.test", 10, "MX.Example.Test").a("mx.example.test", "127.0.0.5");

        assertThat(names(resolve("EXAMPLE.test."))).containsExactly("mx.example.test");
        assertThat(((Resolution.Hosts) resolve("Example.Test")).domain()).isEqualTo("example.test");
    }

    @Test
    void ipv6AddressesComeBeforeIpv4() throws Exception {
        dns.mx("example.test", 10, "mx.example.test")
                .a("mx.example.test", "127.0.0.5")
                .aaaa("mx.example.test", "::1")
                .a("mx.example.test", "127.0.0.6");

        Resolution.Hosts hosts = (Resolution.Hosts) resolve("example.test");

        assertThat(hosts.hosts().get(0).addresses())
                .containsExactly(ip("::1"), ip("127.0.0.5"), ip("127.0.0.6"));
    }

    @Test
    void equalPreferencesAreShuffledBySeed() throws Exception {
        dns.mx("example.test", 10, "a.example.test")
                .mx("example.test", 10, "b.example.test")
                .mx("example.test", 5, "first.example.test")
                .mx("example.test", 20, "last.example.test");
        for (String host : List.of("a", "b", "first", "last")) {
            dns.a(host + ".example.test", "127.0.0.5");
        }

        Set<List<String>> orders = new HashSet<>();
        for (long seed = 0; seed < 20; seed++) {
            List<String> order = names(resolve(resolver(seed), "example.test"));
            assertThat(order.get(0)).isEqualTo("first.example.test");
            assertThat(order.get(3)).isEqualTo("last.example.test");
            // the same seed gives the same order
            assertThat(names(resolve(resolver(seed), "example.test"))).isEqualTo(order);
            orders.add(order);
        }
        assertThat(orders).containsExactlyInAnyOrder(
                List.of("first.example.test", "a.example.test", "b.example.test", "last.example.test"),
                List.of("first.example.test", "b.example.test", "a.example.test", "last.example.test"));
    }

    @Test
    void mxHostWithoutAddressesIsSkipped() throws Exception {
        dns.mx("example.test", 10, "gone.example.test")
                .mx("example.test", 20, "nodata.example.test")
                .mx("example.test", 30, "mx.example.test")
                .mx("example.test", 40, "broken.example.test")
                .txt("nodata.example.test", "v=spf1 -all")
                .servfail("broken.example.test")
                .a("mx.example.test", "127.0.0.5");

        assertThat(names(resolve("example.test"))).containsExactly("mx.example.test");
        assertThat(dns.queries("gone.example.test", Type.A)).isEqualTo(1);
    }

    @Test
    void noMxHostWithAnAddressIsTransient() throws Exception {
        dns.mx("example.test", 10, "gone.example.test")
                .mx("example.test", 20, "nodata.example.test")
                .txt("nodata.example.test", "v=spf1 -all");

        assertThat(resolve("example.test")).isEqualTo(new Resolution.TryLater("4.4.3",
                "Host or domain name not found. Name service error for name=gone.example.test type=A: "
                        + "Host not found"));
    }

    @Test
    void implicitMxFromAnARecord() throws Exception {
        dns.a("example.test", "127.0.0.7");

        assertThat(resolve("example.test")).isEqualTo(new Resolution.Hosts("example.test",
                List.of(new MxHost("example.test", 0, List.of(ip("127.0.0.7"))))));
        assertThat(dns.queries("example.test", Type.MX)).isEqualTo(1);
    }

    @Test
    void implicitMxFromAnAaaaRecord() throws Exception {
        dns.aaaa("example.test", "::1");

        assertThat(resolve("example.test")).isEqualTo(new Resolution.Hosts("example.test",
                List.of(new MxHost("example.test", 0, List.of(ip("::1"))))));
    }

    @Test
    void domainWithoutMxAndAddressesIsUnroutable() throws Exception {
        dns.txt("example.test", "v=spf1 -all");

        assertThat(resolve("example.test")).isEqualTo(new Resolution.Unroutable("5.1.2",
                "Host or domain name not found. Name service error for name=example.test type=A: "
                        + "Host found but no data record of requested type"));
    }

    @Test
    void implicitMxWithFailingAddressLookupsIsTransient() throws Exception {
        dns.txt("example.test", "v=spf1 -all").servfail("example.test", Type.A).servfail("example.test", Type.AAAA);

        assertThat(resolve("example.test")).isEqualTo(new Resolution.TryLater("4.4.3",
                "Host or domain name not found. Name service error for name=example.test type=A: "
                        + "Host not found, try again (SERVFAIL)"));
        assertThat(dns.queries("example.test", Type.MX)).isEqualTo(1);
    }

    @Test
    void oneAddressFamilyIsEnoughWhenTheOtherFails() throws Exception {
        dns.mx("example.test", 10, "mx.example.test")
                .a("mx.example.test", "127.0.0.5")
                .aaaa("mx.example.test", "::1")
                .servfail("mx.example.test", Type.AAAA);

        Resolution.Hosts hosts = (Resolution.Hosts) resolve("example.test");

        assertThat(hosts.hosts().get(0).addresses()).containsExactly(ip("127.0.0.5"));
    }

    @Test
    void nullMxIsUnroutable() throws Exception {
        dns.nullMx("example.test").a("example.test", "127.0.0.5");

        assertThat(resolve("example.test")).isEqualTo(new Resolution.Unroutable("5.1.10",
                "Domain example.test does not accept mail (null MX)"));
        assertThat(dns.queries("example.test", Type.A)).isZero();
    }

    @Test
    void nxdomainIsUnroutable() throws Exception {
        assertThat(resolve("nowhere.test")).isEqualTo(new Resolution.Unroutable("5.1.2",
                "Host or domain name not found. Name service error for name=nowhere.test type=MX: "
                        + "Host not found"));
        assertThat(dns.queries("nowhere.test", Type.MX)).isEqualTo(1);
    }

    @Test
    void servfailIsTransient() throws Exception {
        dns.servfail("example.test");

        assertThat(resolve("example.test")).isEqualTo(new Resolution.TryLater("4.4.3",
                "Host or domain name not found. Name service error for name=example.test type=MX: "
                        + "Host not found, try again (SERVFAIL)"));
    }

    @Test
    void silentServerIsTransientWithinTheTimeout() throws Exception {
        dns.silent("example.test");

        long start = System.nanoTime();
        Resolution r = resolve("example.test");
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(r).isEqualTo(new Resolution.TryLater("4.4.3",
                "Host or domain name not found. Name service error for name=example.test type=MX: "
                        + "Host not found, try again (timed out)"));
        assertThat(took).isBetween(TIMEOUT, TIMEOUT.plusMillis(500));
        assertThat(dns.queries("example.test", Type.MX)).isPositive();
    }

    @Test
    void silentAddressLookupsAreTransientWithinTwiceTheTimeout() throws Exception {
        dns.mx("example.test", 10, "mx.example.test").silent("mx.example.test");

        long start = System.nanoTime();
        Resolution r = resolve("example.test");
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(r).isEqualTo(new Resolution.TryLater("4.4.3",
                "Host or domain name not found. Name service error for name=mx.example.test type=A: "
                        + "Host not found, try again (timed out)"));
        assertThat(took).isBetween(TIMEOUT, TIMEOUT.multipliedBy(2).plusMillis(500));
    }

    @Test
    void noServerListeningIsTransient() throws Exception {
        InetSocketAddress closed;
        try (DatagramSocket unused = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
            closed = new InetSocketAddress("127.0.0.1", unused.getLocalPort());
        }
        MxResolver resolver = new MxResolver(List.of(closed), TIMEOUT, new Random(1));

        Resolution r = resolve(resolver, "example.test");

        assertThat(r).isInstanceOf(Resolution.TryLater.class);
        assertThat(((Resolution.TryLater) r).status()).isEqualTo("4.4.3");
        assertThat(((Resolution.TryLater) r).diagnostic()).startsWith(
                "Host or domain name not found. Name service error for name=example.test type=MX: "
                        + "Host not found, try again (");
    }

    @Test
    void secondServerAnswersWhenTheFirstIsDead() throws Exception {
        InetSocketAddress closed;
        try (DatagramSocket unused = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
            closed = new InetSocketAddress("127.0.0.1", unused.getLocalPort());
        }
        dns.mx("example.test", 10, "mx.example.test").a("mx.example.test", "127.0.0.5");
        MxResolver resolver = new MxResolver(List.of(closed, dns.address()), TIMEOUT, new Random(1));

        assertThat(names(resolve(resolver, "example.test"))).containsExactly("mx.example.test");
    }

    @Test
    void cnameOnTheMxLookupIsFollowed() throws Exception {
        dns.cname("alias.test", "real.test")
                .mx("real.test", 10, "mx.real.test")
                .a("mx.real.test", "127.0.0.5");

        assertThat(resolve("alias.test")).isEqualTo(new Resolution.Hosts("alias.test",
                List.of(new MxHost("mx.real.test", 10, List.of(ip("127.0.0.5"))))));
    }

    @Test
    void cnameToAFailingTargetIsAskedForAgain() throws Exception {
        dns.cname("alias.test", "real.test").servfail("real.test");

        Resolution r = resolve("alias.test");

        assertThat(r).isInstanceOf(Resolution.TryLater.class);
        assertThat(dns.queries("real.test", Type.MX)).isEqualTo(1);
    }

    @Test
    void cnameToNowhereIsUnroutable() throws Exception {
        dns.cname("alias.test", "nowhere.test");

        assertThat(resolve("alias.test")).isInstanceOf(Resolution.Unroutable.class);
    }

    @Test
    void zoneChangesAreSeenByTheNextResolution() throws Exception {
        MxResolver resolver = resolver(1);
        dns.mx("example.test", 10, "old.example.test").a("old.example.test", "127.0.0.5");
        assertThat(names(resolve(resolver, "example.test"))).containsExactly("old.example.test");

        dns.remove("example.test").mx("example.test", 10, "new.example.test").a("new.example.test", "127.0.0.6");

        assertThat(names(resolve(resolver, "example.test"))).containsExactly("new.example.test");
        assertThat(dns.queries("example.test", Type.MX)).isEqualTo(2);
    }

    @Test
    void largeAnswersArriveOverTcp() throws Exception {
        dns.truncateUdp(true).mx("example.test", 10, "mx.example.test").a("mx.example.test", "127.0.0.5");

        assertThat(names(resolve("example.test"))).containsExactly("mx.example.test");
        assertThat(dns.tcpQueries()).isGreaterThanOrEqualTo(3);
    }

    @Test
    void ipv4AddressLiteralNeedsNoDns() throws Exception {
        assertThat(resolve("[127.0.0.1]")).isEqualTo(new Resolution.Hosts("[127.0.0.1]",
                List.of(new MxHost("127.0.0.1", 0, List.of(ip("127.0.0.1"))))));
        assertThat(dns.udpQueries() + dns.tcpQueries()).isZero();
    }

    @Test
    void ipv6AddressLiteralNeedsNoDns() throws Exception {
        assertThat(resolve("[ipv6:::1]")).isEqualTo(new Resolution.Hosts("[ipv6:::1]",
                List.of(new MxHost("::1", 0, List.of(ip("::1"))))));
        assertThat(resolve("[IPv6:0:0:0:0:0:0:0:1]")).isInstanceOf(Resolution.Hosts.class);
        assertThat(dns.udpQueries() + dns.tcpQueries()).isZero();
    }

    @Test
    void invalidAddressLiteralIsUnroutable() throws Exception {
        assertThat(resolve("[127.0.0.300]"))
                .isEqualTo(new Resolution.Unroutable("5.1.2", "Invalid address literal [127.0.0.300]"));
        assertThat(resolve("[mail.example.test]")).isInstanceOf(Resolution.Unroutable.class);
        assertThat(resolve("[ipv6:127.0.0.1]")).isInstanceOf(Resolution.Unroutable.class);
        assertThat(dns.udpQueries() + dns.tcpQueries()).isZero();
    }

    @Test
    void invalidDomainIsUnroutableWithoutDns() throws Exception {
        assertThat(resolve("a..b")).isInstanceOf(Resolution.Unroutable.class);
        assertThat(resolve("")).isInstanceOf(Resolution.Unroutable.class);
        assertThat(resolve("x".repeat(64) + ".test")).isInstanceOf(Resolution.Unroutable.class);
        assertThat(dns.udpQueries() + dns.tcpQueries()).isZero();
    }

    @Test
    void neverCompletesExceptionally() throws Exception {
        assertThat(resolve(null)).isInstanceOf(Resolution.TryLater.class);
    }
}
