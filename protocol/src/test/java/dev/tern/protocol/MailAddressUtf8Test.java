package dev.tern.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** RFC 6531 §3.3: UTF-8 local parts and U-label domains. */
class MailAddressUtf8Test {

    @ParameterizedTest
    @ValueSource(strings = {
            "jöran@example.org",
            "用户@例子.广告",
            "josé.garcía@bücher.de",
            "\"dear jöran\"@example.org",
            "Δοκιμή@παράδειγμα.δοκιμή",
            "a@xn--bcher-kva.de"})
    void utf8AddressesAreValid(String mailbox) {
        assertThat(MailAddress.problemWith(mailbox)).isNull();
        assertThat(MailAddress.parse(mailbox)).isPresent();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "jö ran@example.org      | invalid local part",
            "a\u0085b@example.org    | invalid local part",
            ".jöran@example.org      | invalid local part",
            "a@bü_cher.de            | invalid domain",
            "a@bücher..de            | invalid domain",
            "a@-bücher.de            | invalid domain",
            "a@bücher.de.            | invalid domain"})
    void invalidUtf8Addresses(String mailbox, String problem) {
        assertThat(MailAddress.problemWith(mailbox)).isEqualTo(problem);
    }

    @Test
    void localPartLimitCountsOctets() {
        assertThat(MailAddress.problemWith("é".repeat(32) + "@example.org")).isNull(); // 64 octets
        assertThat(MailAddress.problemWith("é".repeat(33) + "@example.org"))
                .isEqualTo("local part longer than 64 characters");
    }

    @Test
    void asciiDomainIsTheALabelForm() {
        assertThat(MailAddress.parse("a@BÜCHER.de").orElseThrow().asciiDomain()).isEqualTo("xn--bcher-kva.de");
        assertThat(MailAddress.parse("a@Example.ORG").orElseThrow().asciiDomain()).isEqualTo("example.org");
        assertThat(MailAddress.parse("a@[192.0.2.1]").orElseThrow().asciiDomain()).isEqualTo("[192.0.2.1]");
    }

    @Test
    void mailboxNameIsLowerCaseNfc() {
        assertThat(new MailAddress("Jose\u0301", "x").mailboxName()).isEqualTo("jos\u00e9");
        assertThat(new MailAddress("JOS\u00c9", "x").mailboxName()).isEqualTo("jos\u00e9");
        assertThat(new MailAddress("\"Jöran\"", "x").mailboxName()).isEqualTo("jöran");
        assertThat(new MailAddress("Alice", "x").mailboxName()).isEqualTo("alice");
    }

    @Test
    void isAscii() {
        assertThat(new MailAddress("alice", "example.org").isAscii()).isTrue();
        assertThat(new MailAddress("jöran", "example.org").isAscii()).isFalse();
        assertThat(new MailAddress("a", "bücher.de").isAscii()).isFalse();
    }
}
