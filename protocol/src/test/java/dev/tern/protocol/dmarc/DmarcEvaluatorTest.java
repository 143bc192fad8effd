package dev.tern.protocol.dmarc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.tern.protocol.mailauth.MapDns;

class DmarcEvaluatorTest {

    private final MapDns dns = new MapDns();
    private int roll = 0;

    private DmarcVerdict evaluate(String from, String spfPass, List<String> dkimPass) {
        return new DmarcEvaluator(dns, () -> roll).evaluate(from, spfPass, dkimPass).toCompletableFuture().join();
    }

    @Test
    void passBySpfAlignmentRelaxedAndStrict() {
        dns.txt("_dmarc.example.org", "v=DMARC1; p=reject");
        assertThat(evaluate("example.org", "bounces.example.org", List.of()).result()).isEqualTo(DmarcResult.PASS);
        dns.txt("_dmarc.strict.test", "v=DMARC1; p=reject; aspf=s");
        assertThat(evaluate("strict.test", "bounces.strict.test", List.of()).result()).isEqualTo(DmarcResult.FAIL);
        assertThat(evaluate("strict.test", "strict.test", List.of()).result()).isEqualTo(DmarcResult.PASS);
    }

    @Test
    void passByDkimAlignment() {
        dns.txt("_dmarc.example.org", "v=DMARC1; p=reject; adkim=s");
        assertThat(evaluate("example.org", null, List.of("other.test", "example.org")).result())
                .isEqualTo(DmarcResult.PASS);
        assertThat(evaluate("example.org", null, List.of("mail.example.org")).result())
                .isEqualTo(DmarcResult.FAIL);
    }

    @Test
    void failCarriesThePolicy() {
        dns.txt("_dmarc.none.test", "v=DMARC1; p=none")
                .txt("_dmarc.q.test", "v=DMARC1; p=quarantine")
                .txt("_dmarc.r.test", "v=DMARC1;p=reject;rua=mailto:d@r.test");
        assertThat(evaluate("none.test", "evil.test", List.of()))
                .isEqualTo(new DmarcVerdict(DmarcResult.FAIL, "none.test", DmarcPolicy.NONE, DmarcPolicy.NONE));
        assertThat(evaluate("q.test", null, List.of()).disposition()).isEqualTo(DmarcPolicy.QUARANTINE);
        assertThat(evaluate("r.test", null, List.of()).disposition()).isEqualTo(DmarcPolicy.REJECT);
    }

    @Test
    void subdomainPolicyFromTheOrganizationalRecord() {
        dns.txt("_dmarc.example.co.uk", "v=DMARC1; p=reject; sp=quarantine");
        DmarcVerdict verdict = evaluate("mail.example.co.uk", null, List.of());
        assertThat(verdict.result()).isEqualTo(DmarcResult.FAIL);
        assertThat(verdict.published()).isEqualTo(DmarcPolicy.QUARANTINE);
        assertThat(evaluate("example.co.uk", null, List.of()).published()).isEqualTo(DmarcPolicy.REJECT);
        assertThat(dns.asked()).contains("TXT _dmarc.mail.example.co.uk", "TXT _dmarc.example.co.uk")
                .doesNotContain("TXT _dmarc.co.uk");
        // aligned in relaxed mode through the organizational domain
        assertThat(evaluate("mail.example.co.uk", "example.co.uk", List.of()).result()).isEqualTo(DmarcResult.PASS);
    }

    @Test
    void aSubdomainsOwnRecordUsesItsP() {
        dns.txt("_dmarc.example.org", "v=DMARC1; p=none; sp=none")
                .txt("_dmarc.shop.example.org", "v=DMARC1; p=reject");
        assertThat(evaluate("shop.example.org", null, List.of()).disposition()).isEqualTo(DmarcPolicy.REJECT);
    }

    @Test
    void pctOutsideTheSampleLowersThePolicy() {
        dns.txt("_dmarc.pct.test", "v=DMARC1; p=reject; pct=20");
        roll = 19;
        assertThat(evaluate("pct.test", null, List.of()).disposition()).isEqualTo(DmarcPolicy.REJECT);
        roll = 20;
        assertThat(evaluate("pct.test", null, List.of()).disposition()).isEqualTo(DmarcPolicy.QUARANTINE);
    }

    @Test
    void noRecordBadRecordAndDnsFailure() {
        assertThat(evaluate("nothing.test", "nothing.test", List.of()).result()).isEqualTo(DmarcResult.NONE);
        dns.txt("_dmarc.nop.test", "v=DMARC1; rua=mailto:x@nop.test");
        assertThat(evaluate("nop.test", null, List.of()).result()).isEqualTo(DmarcResult.NONE);
        dns.txt("_dmarc.two.test", "v=DMARC1; p=reject").txt("_dmarc.two.test", "v=DMARC1; p=none");
        assertThat(evaluate("two.test", null, List.of()).result()).isEqualTo(DmarcResult.NONE);
        dns.fail("_dmarc.broken.test");
        assertThat(evaluate("broken.test", null, List.of()).result()).isEqualTo(DmarcResult.TEMPERROR);
    }

    @Test
    void organizationalDomainsFromThePublicSuffixList() {
        assertThat(OrganizationalDomain.of("mail.example.co.uk")).isEqualTo("example.co.uk");
        // a label Guava refuses must not hide the suffix: not "co.uk", whose _dmarc record is nobody's
        assertThat(OrganizationalDomain.of("x-.bank.co.uk")).isEqualTo("bank.co.uk");
        assertThat(OrganizationalDomain.of("a_b.mail.bank.co.uk")).isEqualTo("bank.co.uk");
        assertThat(OrganizationalDomain.of("x-.co.uk")).isEqualTo("x-.co.uk");
        assertThat(OrganizationalDomain.of("a.b.example.com")).isEqualTo("example.com");
        assertThat(OrganizationalDomain.of("example.com")).isEqualTo("example.com");
        assertThat(OrganizationalDomain.of("x.y.example.test")).isEqualTo("example.test"); // default rule
        assertThat(OrganizationalDomain.of("Mail.Example.ORG.")).isEqualTo("example.org");
    }

    @Test
    void fromDomains() {
        assertThat(FromDomain.of(" Alice <alice@Example.ORG>")).contains("example.org");
        assertThat(FromDomain.of("bob@example.net (Bob, the builder)")).contains("example.net");
        assertThat(FromDomain.of("\"Doe, Jane\" <jane@example.com>")).contains("example.com");
        assertThat(FromDomain.of("a@one.test, b@two.test")).isEmpty();
        assertThat(FromDomain.of("undisclosed")).isEmpty();
    }
}
