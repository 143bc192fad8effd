package dev.tern.protocol.spf;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import dev.tern.protocol.mailauth.MapDns;

class SpfEvaluatorTest {

    private static final String CLIENT = "192.0.2.10";

    private final MapDns dns = new MapDns();

    private SpfVerdict check(String client, String domain) {
        return new SpfEvaluator(dns).checkHost(MapDns.ip(client), domain, "alice@" + domain, "mail.client.test")
                .toCompletableFuture().join();
    }

    private SpfResult result(String domain) {
        return check(CLIENT, domain).result();
    }

    @Test
    void ip4MatchPasses() {
        dns.txt("example.org", "v=spf1 ip4:192.0.2.0/24 -all");
        assertThat(result("example.org")).isEqualTo(SpfResult.PASS);
    }

    @Test
    void qualifiersGiveFailSoftfailNeutral() {
        dns.txt("fail.test", "v=spf1 ip4:198.51.100.1 -all")
                .txt("soft.test", "v=spf1 ~all")
                .txt("neutral.test", "v=spf1 ?all")
                .txt("empty.test", "v=spf1");
        assertThat(result("fail.test")).isEqualTo(SpfResult.FAIL);
        assertThat(result("soft.test")).isEqualTo(SpfResult.SOFTFAIL);
        assertThat(result("neutral.test")).isEqualTo(SpfResult.NEUTRAL);
        assertThat(result("empty.test")).isEqualTo(SpfResult.NEUTRAL); // §4.7: no match, no redirect
    }

    @Test
    void noRecordIsNone() {
        dns.txt("other.test", "some verification token");
        assertThat(result("other.test")).isEqualTo(SpfResult.NONE);
        assertThat(result("missing.test")).isEqualTo(SpfResult.NONE);
        assertThat(result("localhost")).isEqualTo(SpfResult.NONE); // §4.3: not a multi-label name
    }

    @Test
    void dnsFailureIsTemperror() {
        dns.fail("broken.test");
        assertThat(result("broken.test")).isEqualTo(SpfResult.TEMPERROR);
        dns.txt("inc.test", "v=spf1 include:broken.test -all");
        assertThat(result("inc.test")).isEqualTo(SpfResult.TEMPERROR);
        dns.txt("a.test", "v=spf1 a:host.broken.test -all").fail("host.broken.test");
        assertThat(result("a.test")).isEqualTo(SpfResult.TEMPERROR);
    }

    @Test
    void syntaxErrorsAndTwoRecordsArePermerror() {
        dns.txt("two.test", "v=spf1 -all").txt("two.test", "v=spf1 +all")
                .txt("bad.test", "v=spf1 ip4:192.0.2.300 -all")
                .txt("unknown.test", "v=spf1 foo:bar -all")
                .txt("redirects.test", "v=spf1 redirect=a.test redirect=b.test")
                .txt("macro.test", "v=spf1 exists:%{z}.example.org -all");
        assertThat(result("two.test")).isEqualTo(SpfResult.PERMERROR);
        assertThat(result("bad.test")).isEqualTo(SpfResult.PERMERROR);
        assertThat(result("unknown.test")).isEqualTo(SpfResult.PERMERROR);
        assertThat(result("redirects.test")).isEqualTo(SpfResult.PERMERROR);
        assertThat(result("macro.test")).isEqualTo(SpfResult.PERMERROR);
    }

    @Test
    void aAndMxMechanismsWithCidr() {
        dns.txt("a.test", "v=spf1 a -all").a("a.test", CLIENT)
                .txt("acidr.test", "v=spf1 a:net.test/24 -all").a("net.test", "192.0.2.200")
                .txt("mx.test", "v=spf1 mx -all").mx("mx.test", "mx1.mx.test").mx("mx.test", "mx2.mx.test")
                .a("mx2.mx.test", CLIENT);
        assertThat(result("a.test")).isEqualTo(SpfResult.PASS);
        assertThat(result("acidr.test")).isEqualTo(SpfResult.PASS);
        assertThat(result("mx.test")).isEqualTo(SpfResult.PASS);
        assertThat(check("192.0.2.11", "a.test").result()).isEqualTo(SpfResult.FAIL);
    }

    @Test
    void ip6MatchesOnlyIpv6Clients() {
        dns.txt("six.test", "v=spf1 ip6:2001:db8::/32 a:v6.six.test -all").a("v6.six.test", "2001:db8:ffff::1");
        assertThat(check("2001:db8::25", "six.test").result()).isEqualTo(SpfResult.PASS);
        assertThat(check(CLIENT, "six.test").result()).isEqualTo(SpfResult.FAIL);
    }

    @Test
    void includeRedirectAndExists() {
        dns.txt("outer.test", "v=spf1 include:inner.test -all")
                .txt("inner.test", "v=spf1 ip4:192.0.2.0/28 -all")
                .txt("redir.test", "v=spf1 redirect=inner.test")
                .txt("noneredir.test", "v=spf1 redirect=nothing.test")
                .txt("noneinc.test", "v=spf1 include:nothing.test -all")
                .txt("ex.test", "v=spf1 exists:%{ir}.%{l}._spf.%{d} -all")
                .a("10.2.0.192.alice._spf.ex.test", "127.0.0.2");
        assertThat(result("outer.test")).isEqualTo(SpfResult.PASS);
        assertThat(check("198.51.100.9", "outer.test").result()).isEqualTo(SpfResult.FAIL);
        assertThat(result("redir.test")).isEqualTo(SpfResult.PASS);
        assertThat(result("noneredir.test")).isEqualTo(SpfResult.PERMERROR);
        assertThat(result("noneinc.test")).isEqualTo(SpfResult.PERMERROR);
        assertThat(result("ex.test")).isEqualTo(SpfResult.PASS);
    }

    @Test
    void ptrMatchesAValidatedName() {
        dns.txt("ptr.test", "v=spf1 ptr -all").ptr(CLIENT, "host.ptr.test").a("host.ptr.test", CLIENT)
                .ptr("192.0.2.11", "liar.ptr.test");
        assertThat(result("ptr.test")).isEqualTo(SpfResult.PASS);
        assertThat(check("192.0.2.11", "ptr.test").result()).isEqualTo(SpfResult.FAIL); // not validated
    }

    @Test
    void moreThanTenDnsTermsIsPermerror() {
        StringBuilder record = new StringBuilder("v=spf1");
        for (int i = 1; i <= 11; i++) {
            record.append(" a:h").append(i).append(".limit.test");
            dns.a("h" + i + ".limit.test", "198.51.100." + i);
        }
        dns.txt("limit.test", record + " -all");
        SpfVerdict verdict = check(CLIENT, "limit.test");
        assertThat(verdict.result()).isEqualTo(SpfResult.PERMERROR);
        assertThat(verdict.reason()).contains("more than 10");
        assertThat(dns.asked()).contains("A h10.limit.test").doesNotContain("A h11.limit.test");
    }

    @Test
    void tenDnsTermsAcrossIncludesAreAllowedEleventhIsNot() {
        // include chain: each include is one term; 10 includes then a match is fine
        for (int i = 1; i <= 10; i++) {
            dns.txt("c" + i + ".test", i < 10 ? "v=spf1 include:c" + (i + 1) + ".test -all" : "v=spf1 ip4:" + CLIENT);
        }
        dns.txt("ten.test", "v=spf1 include:c1.test -all"); // 1 + 9 includes = 10 terms
        assertThat(result("ten.test")).isEqualTo(SpfResult.PASS);
        dns.txt("eleven.test", "v=spf1 include:ten.test -all");
        assertThat(result("eleven.test")).isEqualTo(SpfResult.PERMERROR);
    }

    @Test
    void moreThanTwoVoidLookupsIsPermerror() {
        dns.txt("void.test", "v=spf1 a:n1.void.test a:n2.void.test ip4:" + CLIENT + " -all");
        assertThat(result("void.test")).isEqualTo(SpfResult.PASS); // two voids are allowed
        dns.txt("void3.test", "v=spf1 a:n1.void.test a:n2.void.test exists:n3.void.test ip4:" + CLIENT + " -all");
        assertThat(result("void3.test")).isEqualTo(SpfResult.PERMERROR);
    }

    @Test
    void moreThanTenMxHostsIsPermerror() {
        dns.txt("manymx.test", "v=spf1 mx -all");
        for (int i = 1; i <= 11; i++) {
            dns.mx("manymx.test", "mx" + i + ".manymx.test");
        }
        assertThat(result("manymx.test")).isEqualTo(SpfResult.PERMERROR);
    }

    @Test
    void inNetworkComparesPrefixBits() {
        assertThat(SpfEvaluator.inNetwork(MapDns.ip("192.0.2.130"), MapDns.ip("192.0.2.128"), 25)).isTrue();
        assertThat(SpfEvaluator.inNetwork(MapDns.ip("192.0.2.127"), MapDns.ip("192.0.2.128"), 25)).isFalse();
        assertThat(SpfEvaluator.inNetwork(MapDns.ip("10.0.0.1"), MapDns.ip("192.0.2.1"), 0)).isTrue();
    }
}
