package dev.tern.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;

import org.apache.commons.codec.digest.Crypt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class ShaCryptTest {

    /** setting, password, crypt(password, setting): the vectors of https://www.akkadia.org/drepper/SHA-crypt.txt */
    static Stream<Arguments> specificationVectors() {
        return Stream.of(
                Arguments.of("$5$saltstring", "Hello world!",
                        "$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5"),
                Arguments.of("$5$rounds=10000$saltstringsaltstring", "Hello world!",
                        "$5$rounds=10000$saltstringsaltst$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA"),
                Arguments.of("$5$rounds=5000$toolongsaltstring", "This is just a test",
                        "$5$rounds=5000$toolongsaltstrin$Un/5jzAHMgOGZ5.mWJpuVolil07guHPvOW8mGRcvxa5"),
                Arguments.of("$5$rounds=1400$anotherlongsaltstring",
                        "a very much longer text to encrypt.  This one even stretches over morethan one line.",
                        "$5$rounds=1400$anotherlongsalts$Rx.j8H.h8HjEDGomFU8bDkXm3XIUnzyxf12oP84Bnq1"),
                Arguments.of("$5$rounds=77777$short", "we have a short salt string but not a short password",
                        "$5$rounds=77777$short$JiO1O3ZpDAxGJeaDIuqCoEFysAe1mZNJRs3pw0KQRd/"),
                Arguments.of("$5$rounds=123456$asaltof16chars..", "a short string",
                        "$5$rounds=123456$asaltof16chars..$gP3VQ/6X7UUEW3HkBn2w1/Ptq2jxPyzV/cZKmF/wJvD"),
                Arguments.of("$5$rounds=10$roundstoolow", "the minimum number is still observed",
                        "$5$rounds=1000$roundstoolow$yfvwcWrQ8l/K0DAWyuPMDNHpIVlTQebY9l/gL972bIC"),
                Arguments.of("$6$saltstring", "Hello world!",
                        "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJu"
                                + "esI68u4OTLiBFdcbYEdFCoEOfaS35inz1"),
                Arguments.of("$6$rounds=10000$saltstringsaltstring", "Hello world!",
                        "$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM"
                                + "0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v."),
                Arguments.of("$6$rounds=5000$toolongsaltstring", "This is just a test",
                        "$6$rounds=5000$toolongsaltstrin$lQ8jolhgVRVhY4b5pZKaysCLi0QBxGoNeKQzQ3glMhwllF7oGDZxUh"
                                + "x1yxdYcz/e1JSbq3y6JMxxl8audkUEm0"),
                Arguments.of("$6$rounds=1400$anotherlongsaltstring",
                        "a very much longer text to encrypt.  This one even stretches over morethan one line.",
                        "$6$rounds=1400$anotherlongsalts$POfYwTEok97VWcjxIiSOjiykti.o/pQs.wPvMxQ6Fm7I6IoYN3CmLs"
                                + "66x9t0oSwbtEW7o7UmJEiDwGqd8p4ur1"),
                Arguments.of("$6$rounds=77777$short", "we have a short salt string but not a short password",
                        "$6$rounds=77777$short$WuQyW2YR.hBNpjjRhpYD/ifIw05xdfeEyQoMxIXbkvr0gge1a1x3yRULJ5CCaU"
                                + "eOxFmtlcGZelFl5CxtgfiAc0"),
                Arguments.of("$6$rounds=123456$asaltof16chars..", "a short string",
                        "$6$rounds=123456$asaltof16chars..$BtCwjqMJGx5hrJhZywWvt0RLE8uZ4oPwcelCjmw2kSYu.Ec6ycUL"
                                + "evoBK25fs2xXgMNrCzIMVcgEJAstJeonj1"),
                Arguments.of("$6$rounds=10$roundstoolow", "the minimum number is still observed",
                        "$6$rounds=1000$roundstoolow$kUMsbe306n21p9R.FRkW3IGn.S9NPN0x50YhH1xhLsPuWGsUSklZt58jaTf"
                                + "F4ZEQpyUNGc0dqbpBYYBaHHrsX."));
    }

    /** password, stored hash: made by Dovecot 2.3.19.1's doveadm pw -s SHA256-CRYPT / SHA512-CRYPT [-r ROUNDS]. */
    static Stream<Arguments> doveadmVectors() {
        return Stream.of(
                // doveadm pw -s SHA256-CRYPT -p 'Hello world!'
                Arguments.of("Hello world!", "$5$M7Cdxslt16fYSX29$fSfqFAHHrBw3fi58gbHqElTShAoX8hmzq/TQVERohfD"),
                // doveadm pw -s SHA512-CRYPT -p 'Hello world!' -r 1000
                Arguments.of("Hello world!", "$6$rounds=1000$GpfPglZc2iWZcTAn$ur0h/CIbQmhjV7.wc3usieugElO3WAjRmnMGE"
                        + "eSvgo9GSaYIDTSLRmFKRmqa/5cUp98OGjuBEhnAuOoj33w3s."),
                // -r 5000, the default, is not written out
                Arguments.of("secret", "$6$EKMGe4njxfe5Bn.5$3BTnFstCW20ytlvdEpPNfdaPITU98341YKlPr9BzlDPxkCfvsB5F.iFKI"
                        + "Osz/fAjWqT58Mn0CRY/Eovg5Irdd."),
                // -r 999: doveadm clamps it to 1000 itself
                Arguments.of("x", "$5$rounds=1000$5DjlQmDqam2N2RBs$p5JPwKMOEaN/M7YtANs3e6ff8au0PPJrQO7Ht5p9ld/"),
                // a key longer than a SHA-256 digest
                Arguments.of("correct horse battery staple, a passphrase of more than thirty-two bytes",
                        "$5$rounds=1000$lBTmpTcfcw4JHeyM$yvVJjZaQc/S6ZYwmee/rLZMlj65tuCIkpVKF2lYgks."),
                Arguments.of("p\u00e4ssw\u00f6rd", "$6$zhN2icmQ0uH4NEDX$uVg6PKVPXUHga6fGbhGK4nmaww8.gX2l34qgDf.8rP9oUOl"
                        + "E3tG2cPEmXOH71jp0q4uMxlnefNTES60nIzJCh."),
                Arguments.of("a:b$c {d}", "$5$GM2hhCGpQ6yWcsq4$06ikwi14C6YpCcijeRHrL7gez82ZpBJhsTH3/jY.5QC"),
                // an empty password (which PasswordVerifier refuses before it gets here)
                Arguments.of("", "$6$suBWpAWvB6XkEePv$jaVcfraD3m4WnB4fbBRtnZiY5k3XHokYIZGB8wpNxRAB21FrWNP61yD1z0SP8W"
                        + "gLc9eswQWk0VbH/2VElNlXY."));
    }

    @ParameterizedTest
    @MethodSource("doveadmVectors")
    void acceptsWhatDoveadmWrites(String password, String stored) {
        ShaCrypt variant = ShaCrypt.forString(stored);
        byte[] key = password.getBytes(StandardCharsets.UTF_8);

        assertThatCode(() -> variant.check(stored)).doesNotThrowAnyException();
        assertThat(variant.matches(stored, key)).isTrue();
        assertThat(variant.crypt(key, stored)).isEqualTo(stored);
        assertThat(variant.matches(stored, (password + "!").getBytes(StandardCharsets.UTF_8))).isFalse();
    }

    @Test
    void settingsCommonsCodecReadsOtherwiseThanCryptAreRefused() {
        byte[] key = "Hello world!".getBytes(StandardCharsets.UTF_8);
        // an empty salt: glibc/libxcrypt crypt(3) computes this (the old hand-written code did too), but
        // commons-codec refuses it, and Dovecot always writes 16 salt characters
        String emptySalt = "$6$$.SKR9BCFmNlzTpsFbxLHKPVAMUdqxN8.85WISsmC.fRIPfZ78cePl/wQJcKzjcsDe8rRtdaVxJH"
                + "S/E1LzWy3./";
        assertThat(ShaCrypt.SHA512.matches(emptySalt, key)).isFalse();
        assertThatThrownBy(() -> ShaCrypt.SHA512.check(emptySalt)).hasMessageContaining("salt is empty");
        assertThatThrownBy(() -> ShaCrypt.SHA512.crypt(key, "$6$$")).isInstanceOf(IllegalArgumentException.class);
        // a salt character outside ./0-9A-Za-z: libxcrypt computes crypt("x", "$6$sa-lt") as this, commons-codec
        // would take the salt as "sa"; Dovecot never writes one
        String dashInSalt = "$6$sa-lt$NLaxnsg6LYoXunNPsKvZXeeOXqiRplOAqGIL144oryzdmk3Yb1QYNDxwdngiMiTLixg9Yng/o3PYssz9"
                + "DDekq/";
        assertThat(ShaCrypt.SHA512.matches(dashInSalt, "x".getBytes(StandardCharsets.UTF_8))).isFalse();
        assertThatThrownBy(() -> ShaCrypt.SHA512.check(dashInSalt)).hasMessageContaining("outside ./0-9A-Za-z");
        // the variant is Tern's to check: commons-codec's sha512Crypt takes a $5$ setting too (and writes $6$)
        assertThatThrownBy(() -> ShaCrypt.SHA512.crypt(key, "$5$saltstring")).hasMessageContaining("does not start with $6$");
    }

    @Test
    void theKeyIsLeftAsItWas() {
        // commons-codec zeroes the key array it is given
        byte[] key = "Hello world!".getBytes(StandardCharsets.UTF_8);
        ShaCrypt.SHA256.crypt(key, "$5$saltstring");
        assertThat(key).isEqualTo("Hello world!".getBytes(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @MethodSource("specificationVectors")
    void computesTheSpecificationVectors(String setting, String password, String expected) {
        ShaCrypt variant = ShaCrypt.forString(setting);
        byte[] key = password.getBytes(StandardCharsets.UTF_8);

        assertThat(variant.crypt(key, setting)).isEqualTo(expected);
        // and the library on its own, given the setting as it is
        assertThat(Crypt.crypt(key.clone(), setting)).isEqualTo(expected);
        // a stored hash is its own setting: the part after the salt is ignored
        assertThat(variant.crypt(key, expected)).isEqualTo(expected);
        assertThat(variant.matches(expected, key)).isTrue();
        assertThat(variant.matches(expected, (password + "!").getBytes(StandardCharsets.UTF_8))).isFalse();
        assertThatCode(() -> variant.check(expected)).doesNotThrowAnyException();
    }

    @Test
    void theVariantFollowsThePrefix() {
        assertThat(ShaCrypt.forString("$5$salt$hash")).isEqualTo(ShaCrypt.SHA256);
        assertThat(ShaCrypt.forString("$6$salt$hash")).isEqualTo(ShaCrypt.SHA512);
        assertThat(ShaCrypt.forString("$2y$05$salt")).isNull();
        assertThat(ShaCrypt.SHA256.encodedLength()).isEqualTo(43);
        assertThat(ShaCrypt.SHA512.encodedLength()).isEqualTo(86);
    }

    @Test
    void aStoredRoundCountBeyondAMillionIsRefusedWithoutHashing() {
        // computing these would take minutes: they are refused on their form, as too costly
        String stored = "$6$rounds=999999999$salt$" + "a".repeat(86);
        assertThatThrownBy(() -> ShaCrypt.SHA512.check(stored)).hasMessageContaining("exceeds the limit of 1000000");
        assertThat(ShaCrypt.SHA512.matches(stored, "secret".getBytes(StandardCharsets.UTF_8))).isFalse();
        // a count beyond what crypt(3) allows is clamped to its maximum first, then refused the same way
        assertThatThrownBy(() -> ShaCrypt.SHA512.check("$6$rounds=99999999999999999999$salt$" + "a".repeat(86)))
                .hasMessageContaining("rounds=999999999");
        assertThatCode(() -> ShaCrypt.SHA512.check("$6$rounds=1000000$salt$" + "a".repeat(86)))
                .doesNotThrowAnyException();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "$6",
        "$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5",        // the SHA-256 prefix
        "$6$saltstring",                                                 // no hash
        "$6$saltstring$",                                                // empty hash
        "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz",
        "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1x",
        "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35in_1",
        "$6$saltstringsaltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoE"
                + "OfaS35inz1",                                            // salt longer than 16
        "$6$rounds=$salt$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1",
        "$6$rounds=ten$salt$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS3inz1",
        "$6$rounds=+5000$salt$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfa5inz1",
        "$6$rounds=5000",
        "$6$sa:lt$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1",
        "$6$s\u00e4lt$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1",
        "$6$sa lt$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1",
    })
    void malformedHashesAreRefusedWithoutAnException(String stored) {
        byte[] key = "Hello world!".getBytes(StandardCharsets.UTF_8);
        assertThat(ShaCrypt.SHA512.matches(stored, key)).isFalse();
        assertThatThrownBy(() -> ShaCrypt.SHA512.check(stored)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aNonCanonicalRoundCountDoesNotMatch() {
        // crypt(3) writes the clamped count, so "rounds=10" or "rounds=01000" never come back as they are
        String clamped = "$6$rounds=1000$roundstoolow$kUMsbe306n21p9R.FRkW3IGn.S9NPN0x50YhH1xhLsPuWGsUSklZt58"
                                + "jaTfF4ZEQpyUNGc0dqbpBYYBaHHrsX.";
        byte[] key = "the minimum number is still observed".getBytes(StandardCharsets.UTF_8);
        assertThat(ShaCrypt.SHA512.matches(clamped, key)).isTrue();
        assertThat(ShaCrypt.SHA512.matches(clamped.replace("rounds=1000$", "rounds=10$"), key)).isFalse();
        assertThat(ShaCrypt.SHA512.matches(clamped.replace("rounds=1000$", "rounds=01000$"), key)).isFalse();
    }
}
