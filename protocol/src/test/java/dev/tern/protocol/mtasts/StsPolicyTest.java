package dev.tern.protocol.mtasts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

class StsPolicyTest {

    /** RFC 8461 §3.2's example. */
    private static final String EXAMPLE = """
            version: STSv1
            mode: enforce
            mx: mail.example.com
            mx: *.example.net
            mx: backupmx.example.com
            max_age: 604800
            """;

    @Test
    void theRfcExample() throws Exception {
        StsPolicy policy = StsPolicy.parse(EXAMPLE);
        assertThat(policy.mode()).isEqualTo(StsMode.ENFORCE);
        assertThat(policy.maxAge()).isEqualTo(604800);
        assertThat(policy.patterns()).containsExactly("mail.example.com", "*.example.net", "backupmx.example.com");
        assertThat(policy.lines()).containsExactly("version: STSv1", "mode: enforce", "mx: mail.example.com",
                "mx: *.example.net", "mx: backupmx.example.com", "max_age: 604800");
        assertThat(policy.allows("mail.example.com")).isTrue();
        assertThat(policy.allows("MX1.example.NET.")).isTrue();
        assertThat(policy.allows("example.net")).isFalse();
        assertThat(policy.allows("a.b.example.net")).isFalse();
        assertThat(policy.allows("mail.example.org")).isFalse();
    }

    @Test
    void crlfLinesAndNoFinalTerminatorParseAlike() throws Exception {
        StsPolicy lf = StsPolicy.parse(EXAMPLE);
        assertThat(StsPolicy.parse(EXAMPLE.replace("\n", "\r\n"))).isEqualTo(lf);
        assertThat(StsPolicy.parse(EXAMPLE.strip())).isEqualTo(lf);
        StsPolicy spaced = StsPolicy.parse(EXAMPLE.replace(": ", ":\t  ").replace("\n", "  \n"));
        assertThat(spaced.mx()).isEqualTo(lf.mx());
        assertThat(spaced.maxAge()).isEqualTo(lf.maxAge());
        assertThat(spaced.lines()).first().isEqualTo("version:\t  STSv1  "); // policy strings as served
    }

    @Test
    void everyOrderAndUnknownFieldsIgnored() throws Exception {
        StsPolicy policy = StsPolicy.parse("max_age: 86400\nmx: mx.test\nfuture_field: 1\nmode: testing\nversion: STSv1\n");
        assertThat(policy.mode()).isEqualTo(StsMode.TESTING);
        assertThat(policy.patterns()).containsExactly("mx.test");
    }

    @Test
    void modeNoneNeedsNoMx() throws Exception {
        assertThat(StsPolicy.parse("version: STSv1\nmode: none\nmax_age: 86400\n").mx()).isEmpty();
    }

    @Test
    void maxAgeIsCappedAtOneYear() throws Exception {
        assertThat(StsPolicy.parse(EXAMPLE.replace("604800", "9999999999")).maxAge())
                .isEqualTo(StsPolicy.MAX_AGE_LIMIT);
        assertThat(StsPolicy.parse(EXAMPLE.replace("604800", "31557600")).maxAge()).isEqualTo(31557600);
    }

    @Test
    void invalidPoliciesAreRefused() {
        List<String> bad = List.of(
                EXAMPLE.replace("version: STSv1\n", ""),
                EXAMPLE.replace("STSv1", "STSv2"),
                EXAMPLE.replace("mode: enforce\n", ""),
                EXAMPLE.replace("enforce", "Enforce"),
                EXAMPLE.replace("max_age: 604800\n", ""),
                EXAMPLE.replace("604800", "-1"),
                EXAMPLE.replace("604800", "12345678901"),
                EXAMPLE.replace("604800", "1 week"),
                "version: STSv1\nmode: enforce\nmax_age: 86400\n",
                EXAMPLE.replace("mx: mail.example.com", "mx: *.*.example.com"),
                EXAMPLE.replace("mx: mail.example.com", "mx: mail.*.com"),
                EXAMPLE.replace("mx: mail.example.com", "mx: -mail.example.com"),
                EXAMPLE.replace("mx: mail.example.com", "mx: "),
                EXAMPLE + "mode: testing\n",
                EXAMPLE + "this line has no colon\n",
                EXAMPLE + "_bad key: 1\n",
                "<html><body>Not found</body></html>");
        for (String text : bad) {
            assertThatThrownBy(() -> StsPolicy.parse(text)).as(text).isInstanceOf(StsSyntaxException.class);
        }
    }

    @Test
    void wildcardStandsForExactlyOneLeftmostLabel() throws Exception {
        // RFC 8461 §4.1
        MxPattern pattern = MxPattern.parse("*.example.com");
        assertThat(pattern.matches("mail.example.com")).isTrue();
        assertThat(pattern.matches("mail.example.com.")).isTrue();
        assertThat(pattern.matches("example.com")).isFalse();
        assertThat(pattern.matches(".example.com")).isFalse();
        assertThat(pattern.matches("foo.bar.example.com")).isFalse();
        assertThat(pattern.matches("mailexample.com")).isFalse();
        assertThat(MxPattern.parse("Mail.Example.com").matches("mail.example.COM")).isTrue();
        assertThat(MxPattern.parse("mail.example.com").matches("x.mail.example.com")).isFalse();
    }
}
