package dev.tern.protocol.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

class AuthorDomainTest {

    private static java.util.Optional<String> of(String... fields) {
        return AuthorDomain.of(java.util.Arrays.stream(fields).map(HeaderField::of).toList());
    }

    @Test
    void theFromAddressesDomain() {
        assertThat(of("From: alice@Example.ORG")).contains("example.org");
        assertThat(of("From: \"Bob @ home, really\" <bob@example.net> (work@else.example)")).contains("example.net");
        assertThat(of("FROM:\r\n Carol\r\n <carol@mail.example.com.>")).contains("mail.example.com");
        assertThat(of("From: a@example.org, b@example.org")).contains("example.org");
    }

    @Test
    void noSingleAnswer() {
        assertThat(of("Subject: none")).isEmpty();
        assertThat(of("From: a@example.org", "From: b@example.org")).isEmpty();
        assertThat(of("From: a@example.org, b@example.net")).isEmpty();
        assertThat(of("From: nobody")).isEmpty();
        assertThat(AuthorDomain.of(List.of())).isEmpty();
    }
}
