package dev.tern.protocol.spf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import dev.tern.protocol.mailauth.MapDns;

/** The examples of RFC 7208 §7.4. */
class SpfMacrosTest {

    private static final SpfMacros.Context CONTEXT =
            new SpfMacros.Context("strong-bad@email.example.com", MapDns.ip("192.0.2.3"), "mx.example.org");

    private static String expand(String spec) throws SpfSyntaxException {
        return SpfMacros.expandDomain(spec, "email.example.com", CONTEXT);
    }

    @Test
    void rfcExamples() throws SpfSyntaxException {
        assertThat(expand("%{s}")).isEqualTo("strong-bad@email.example.com");
        assertThat(expand("%{o}")).isEqualTo("email.example.com");
        assertThat(expand("%{d}")).isEqualTo("email.example.com");
        assertThat(expand("%{d4}")).isEqualTo("email.example.com");
        assertThat(expand("%{d3}")).isEqualTo("email.example.com");
        assertThat(expand("%{d2}")).isEqualTo("example.com");
        assertThat(expand("%{d1}")).isEqualTo("com");
        assertThat(expand("%{dr}")).isEqualTo("com.example.email");
        assertThat(expand("%{d2r}")).isEqualTo("example.email");
        assertThat(expand("%{l}")).isEqualTo("strong-bad");
        assertThat(expand("%{l-}")).isEqualTo("strong.bad");
        assertThat(expand("%{lr}")).isEqualTo("strong-bad");
        assertThat(expand("%{lr-}")).isEqualTo("bad.strong");
        assertThat(expand("%{l1r-}")).isEqualTo("strong");
        assertThat(expand("%{ir}.%{v}._spf.%{d2}")).isEqualTo("3.2.0.192.in-addr._spf.example.com");
        assertThat(expand("%{lr-}.lp._spf.%{d2}")).isEqualTo("bad.strong.lp._spf.example.com");
        assertThat(expand("%{lr-}.lp.%{ir}.%{v}._spf.%{d2}"))
                .isEqualTo("bad.strong.lp.3.2.0.192.in-addr._spf.example.com");
        assertThat(expand("%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}"))
                .isEqualTo("3.2.0.192.in-addr.strong.lp._spf.example.com");
        assertThat(expand("%{d2}.trusted-domains.example.net")).isEqualTo("example.com.trusted-domains.example.net");
        assertThat(expand("%{h}")).isEqualTo("mx.example.org");
    }

    @Test
    void ipv6AsNibbles() throws SpfSyntaxException {
        SpfMacros.Context v6 = new SpfMacros.Context("a@b.example", MapDns.ip("2001:db8::cb01"), "h.example");
        assertThat(SpfMacros.expandDomain("%{ir}.%{v}._spf.%{d2}", "email.example.com", v6)).isEqualTo(
                "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com");
    }

    @Test
    void upperCaseIsUrlEscapedAndEscapes() throws SpfSyntaxException {
        SpfMacros.Context odd = new SpfMacros.Context("a b@x.example", MapDns.ip("192.0.2.3"), "h");
        assertThat(SpfMacros.expandDomain("%{L}.%%.%_.%-", "x.example", odd)).isEqualTo("a%20b.%. .%20");
    }

    @Test
    void badMacrosAreSyntaxErrors() {
        assertThatThrownBy(() -> expand("%{d0}")).isInstanceOf(SpfSyntaxException.class);
        assertThatThrownBy(() -> expand("%{c}")).isInstanceOf(SpfSyntaxException.class);
        assertThatThrownBy(() -> expand("%{d")).isInstanceOf(SpfSyntaxException.class);
        assertThatThrownBy(() -> expand("%x")).isInstanceOf(SpfSyntaxException.class);
    }
}
