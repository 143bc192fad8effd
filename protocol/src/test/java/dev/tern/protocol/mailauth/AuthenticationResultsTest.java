package dev.tern.protocol.mailauth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

class AuthenticationResultsTest {

    @Test
    void oneFoldedLinePerMethod() {
        String field = AuthenticationResults.field("mx.example.net", List.of(
                new AuthenticationResults.Method("spf", "pass", null, List.of("smtp.mailfrom=a@example.org")),
                new AuthenticationResults.Method("dkim", "fail", "body hash (did) not verify",
                        List.of("header.d=example.org", "header.s=s1")),
                new AuthenticationResults.Method("dmarc", "fail", "p=reject", List.of("header.from=example.org"))));
        assertThat(field).isEqualTo("Authentication-Results: mx.example.net;\r\n"
                + "\tspf=pass smtp.mailfrom=a@example.org;\r\n"
                + "\tdkim=fail (body hash  did  not verify) header.d=example.org header.s=s1;\r\n"
                + "\tdmarc=fail (p=reject) header.from=example.org\r\n");
        assertThat(AuthenticationResults.field("mx.example.net", List.of()))
                .isEqualTo("Authentication-Results: mx.example.net; none\r\n");
    }

    @Test
    void authservIdAfterCommentsAndSpace() {
        assertThat(AuthenticationResults.authservId(" MX.Example.NET; spf=pass")).isEqualTo("mx.example.net");
        assertThat(AuthenticationResults.authservId(" (forged) mx.example.net 1; none")).isEqualTo("mx.example.net");
        assertThat(AuthenticationResults.authservId("\r\n\tother.example;dkim=pass")).isEqualTo("other.example");
        assertThat(AuthenticationResults.authservId("   ")).isEmpty();
    }
}
