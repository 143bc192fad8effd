package dev.tern.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class MailAddressTest {

    @ParameterizedTest
    @ValueSource(strings = {
            "alice@example.com",
            "first.last@example.com",
            "a+tag@example.com",
            "!#$%&'*+-/=?^_`{|}~@example.com",
            "x@a",
            "x@sub-domain.example.co.uk",
            "x@123.example",
            "\"john doe\"@example.com",
            "\"a@b\"@example.com",
            "\"quote\\\"inside\"@example.com",
            "\"\"@example.com",
            "x@[192.0.2.1]",
            "x@[255.255.255.255]",
            "x@[IPv6:2001:db8::1]",
            "x@[ipv6:::1]",
            "x@[IPv6:::ffff:192.0.2.1]"})
    void validAddresses(String mailbox) {
        assertThat(MailAddress.problemWith(mailbox)).isNull();
        assertThat(MailAddress.parse(mailbox)).isPresent();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "alice                  | expected local-part@domain",
            "@example.com           | expected local-part@domain",
            "alice@                 | expected local-part@domain",
            "''                     | expected local-part@domain",
            ".alice@example.com     | invalid local part",
            "alice.@example.com     | invalid local part",
            "al..ice@example.com    | invalid local part",
            "al ice@example.com     | invalid local part",
            "al\"ice@example.com    | invalid local part",
            "\"unterminated@example.com | invalid local part",
            "\"a\"b\"@example.com   | invalid local part",
            "\"trailing\\\"@example.com | invalid local part",
            "alice@example..com     | invalid domain",
            "alice@.example.com     | invalid domain",
            "alice@example.com.     | invalid domain",
            "alice@-example.com     | invalid domain",
            "alice@example-.com     | invalid domain",
            "alice@exam_ple.com     | invalid domain",
            "alice@[192.0.2.256]    | invalid domain",
            "alice@[192.0.2]        | invalid domain",
            "alice@[192.0.2.1.5]    | invalid domain",
            "alice@[192.0.2.x]      | invalid domain",
            "alice@[IPv6:]          | invalid domain",
            "alice@[IPv6:zz::1]     | invalid domain",
            "alice@[IPv6:2001]      | invalid domain",
            "alice@[192.0.2.1       | invalid domain"})
    void invalidAddresses(String mailbox, String problem) {
        assertThat(MailAddress.problemWith(mailbox)).isEqualTo(problem);
        assertThat(MailAddress.parse(mailbox)).isEmpty();
    }

    @Test
    void localPartOfMoreThan64CharactersIsRefused() {
        assertThat(MailAddress.problemWith("a".repeat(64) + "@example.com")).isNull();
        assertThat(MailAddress.problemWith("a".repeat(65) + "@example.com"))
                .isEqualTo("local part longer than 64 characters");
    }

    @Test
    void domainOfMoreThan255CharactersIsRefused() {
        String label = "a".repeat(63);
        String domain255 = String.join(".", label, label, label, "a".repeat(61)); // 63*3 + 61 + 3 dots = 253
        String longer = domain255 + ".abc";
        assertThat(domain255).hasSize(253);
        assertThat(longer).hasSize(257);
        assertThat(MailAddress.problemWith("x@" + domain255)).isNull();
        assertThat(MailAddress.problemWith("x@" + longer)).isEqualTo("invalid domain");
    }

    @Test
    void labelOfMoreThan63CharactersIsRefused() {
        assertThat(MailAddress.problemWith("x@" + "a".repeat(63) + ".example")).isNull();
        assertThat(MailAddress.problemWith("x@" + "a".repeat(64) + ".example")).isEqualTo("invalid domain");
    }

    @Test
    void domainIsLowerCased() {
        MailAddress address = MailAddress.parse("Alice@Mail.EXAMPLE.com").orElseThrow();
        assertThat(address.domain()).isEqualTo("mail.example.com");
    }

    @Test
    void constructorLowerCasesTheDomainToo() {
        assertThat(new MailAddress("Bob", "EXAMPLE.ORG")).isEqualTo(new MailAddress("Bob", "example.org"));
    }

    @Test
    void localPartKeepsItsCase() {
        MailAddress address = MailAddress.parse("Alice.Smith@example.com").orElseThrow();
        assertThat(address.localPart()).isEqualTo("Alice.Smith");
        assertThat(address).hasToString("Alice.Smith@example.com");
    }

    @Test
    void splitsAtTheLastAt() {
        MailAddress address = MailAddress.parse("\"a@b\"@example.com").orElseThrow();
        assertThat(address.localPart()).isEqualTo("\"a@b\"");
        assertThat(address.domain()).isEqualTo("example.com");
    }

    @Test
    void ipv4LiteralIsKeptAsTheDomain() {
        MailAddress address = MailAddress.parse("postmaster@[192.0.2.1]").orElseThrow();
        assertThat(address.domain()).isEqualTo("[192.0.2.1]");
    }

    @Test
    void ipv6LiteralIsKeptAsTheDomain() {
        MailAddress address = MailAddress.parse("postmaster@[IPv6:2001:DB8::1]").orElseThrow();
        assertThat(address.domain()).isEqualTo("[ipv6:2001:db8::1]");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "Alice                  | alice",
            "First.Last             | first.last",
            "\"John Doe\"           | john doe",
            "\"a\\\"b\"             | a\"b",
            "\"back\\\\slash\"      | back\\slash",
            "\"Plain\"              | plain"})
    void mailboxNameIsUnquotedAndLowerCased(String localPart, String mailboxName) {
        assertThat(new MailAddress(localPart, "example.com").mailboxName()).isEqualTo(mailboxName);
    }
}
