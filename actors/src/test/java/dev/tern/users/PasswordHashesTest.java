package dev.tern.users;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

class PasswordHashesTest {

    private static final Pattern DOVECOT_ARGON2ID = Pattern.compile(
            "\\{ARGON2ID}\\$argon2id\\$v=19\\$m=65536,t=3,p=1\\$([A-Za-z0-9+/]+)\\$([A-Za-z0-9+/]+)");
    private static final Base64.Decoder B64 = Base64.getDecoder();

    private static byte[] salt(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void producesDovecotsArgon2idNotationWithASixteenByteSaltAndAThirtyTwoByteHash() {
        String encoded = PasswordHashes.argon2id("correct horse".toCharArray());

        Matcher matcher = DOVECOT_ARGON2ID.matcher(encoded);
        assertThat(matcher.matches()).as(encoded).isTrue();
        assertThat(matcher.group(1) + matcher.group(2)).doesNotContain("="); // PHC strings use unpadded base64
        byte[] salt = B64.decode(matcher.group(1));
        byte[] hash = B64.decode(matcher.group(2));
        assertThat(salt).hasSize(16);
        assertThat(hash).hasSize(32);

        // the hash is that of the password, with the stated parameters and salt
        assertThat(PasswordHashes.argon2id("correct horse".toCharArray(), salt, 65536, 3, 1, 32)).isEqualTo(hash);
        assertThat(PasswordHashes.argon2id("correct horsE".toCharArray(), salt, 65536, 3, 1, 32)).isNotEqualTo(hash);
    }

    @Test
    void everyHashHasItsOwnSalt() {
        String first = PasswordHashes.argon2id("same".toCharArray());
        String second = PasswordHashes.argon2id("same".toCharArray());
        assertThat(first).isNotEqualTo(second);
    }

    @Test
    void matchesTheReferenceImplementation() {
        // phc-winner-argon2 reference: "password", salt "somesalt", Argon2id v=19, m=65536, t=2, p=1
        // $argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc
        byte[] hash = PasswordHashes.argon2id("password".toCharArray(), salt("somesalt"), 65536, 2, 1, 32);

        assertThat(Base64.getEncoder().withoutPadding().encodeToString(hash))
                .isEqualTo("CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc");
        assertThat(HexFormat.of().formatHex(hash))
                .isEqualTo("09316115d5cf24ed5a15a31a3ba326e5cf32edc24702987c02b6566f61913cf7");
    }

    @Test
    void samePasswordAndSaltGiveTheSameHashAndDifferentSaltsDiffer() {
        byte[] one = PasswordHashes.argon2id("pw".toCharArray(), salt("saltsaltsaltsalt"), 64, 1, 1, 32);
        byte[] again = PasswordHashes.argon2id("pw".toCharArray(), salt("saltsaltsaltsalt"), 64, 1, 1, 32);
        byte[] otherSalt = PasswordHashes.argon2id("pw".toCharArray(), salt("SALTSALTSALTSALT"), 64, 1, 1, 32);
        assertThat(one).isEqualTo(again).isNotEqualTo(otherSalt);
    }

    @Test
    void nonAsciiPasswordsAreHashedAsUtf8() {
        // Dovecot hashes the octets it receives; clients send UTF-8
        byte[] fromChars = PasswordHashes.argon2id("p\u00e4ss\u20ac".toCharArray(), salt("somesaltsomesalt"), 64, 1, 1, 32);
        byte[] latin1Lookalike = PasswordHashes.argon2id(
                new String("p\u00e4ss\u20ac".getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1).toCharArray(),
                salt("somesaltsomesalt"), 64, 1, 1, 32);
        assertThat(fromChars).isNotEqualTo(latin1Lookalike).hasSize(32);
    }
}
