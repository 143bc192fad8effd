package dev.tern.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Argon2 costs ~100 ms a hash here: the tests derive only a handful. */
class PasswordVerifierTest {

    // Made by Dovecot's own tool (doveadm pw -s SCHEME -p PASSWORD [-r ROUNDS]), pasted here once
    private static final String DOVEADM_ARGON2ID =
            "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$M/mw9pl0+OVbD6i9sa3K5A$"
                    + "EHlpTRU4pCgN0CWYrmzuFvhsNizlBBKEYY6IfEuJp1E";
    // doveadm pw -s ARGON2I -p pässwörd -r 3
    private static final String DOVEADM_ARGON2I_UMLAUTS =
            "{ARGON2I}$argon2i$v=19$m=32768,t=3,p=1$Us5xulLeNIT/gzS8t0XSVQ$ETJjg1ou9iqc8v9AWPX5OqP3tTnee0lQGqvS5snx/kQ";
    private static final String DOVEADM_BLF_CRYPT =
            "{BLF-CRYPT}$2y$05$STk.4b.l0IwLbI02oY2sCuJF82hBvjNCg.INShd8Zk4aOqdq0ijhK";
    // doveadm pw -s BLF-CRYPT -p pässwörd -r 6
    private static final String DOVEADM_BLF_CRYPT_UMLAUTS =
            "{BLF-CRYPT}$2y$06$XQSNCTSatxrlyXo7w1uSb.FyY8/X4WRB.NvDyYDPE2wQvSbEemk2O";
    private static final String DOVEADM_SHA512_CRYPT = "{SHA512-CRYPT}$6$Ihcu9Qf9mObOTQgq$Pg6bfl8CDWIBXLvbeqNv7p/"
            + "o76GnyBQePea7Scrx8i6JG8Nf2H8chGjrlLkTE788u2nsBCKr3UVNKgkwlyTws/";
    // doveadm pw -s SHA512-CRYPT -p secret -r 12000
    private static final String DOVEADM_SHA512_CRYPT_ROUNDS = "{SHA512-CRYPT}$6$rounds=12000$rG2t5fTAEAKt3DLX$"
            + "Y2GAeuxiYYg5JhsFLH964.eNguT/2qvNHi5Hy1Xo/DcUviN6XjL1sfGpGiv.eyuntrKLD.SBqHg9zBTwZSXW51";
    // doveadm pw -s SHA512-CRYPT -p LONG_PASSWORD (longer than a SHA-512 digest)
    private static final String LONG_PASSWORD =
            "a-very-long-password-that-is-longer-than-sixty-four-bytes-because-of-the-key-loop-0123456789";
    private static final String DOVEADM_SHA512_CRYPT_LONG = "{SHA512-CRYPT}$6$kMNo8YDJjPunOv4d$.2y0V3obyY2Lt7Ab/"
            + "HhLOqPBU31PAQEBwhzPNwq.LGCEf0wtpzgsdRUGT2YOh9gTzJv7Btw2LeWUCXSS27vZ01";
    private static final String DOVEADM_SHA256_CRYPT =
            "{SHA256-CRYPT}$5$f/isjE5hpxPqJKJV$6JgISMetLDa2L0f0TUQrH.KGK.iGiE94uRiI5Iuwv16";
    // doveadm pw -s SHA256-CRYPT -p pässwörd -r 6000
    private static final String DOVEADM_SHA256_CRYPT_UMLAUTS =
            "{SHA256-CRYPT}$5$rounds=6000$MdMLtG4UNO56vF7l$QCsbZ1zCsGGgitiZj8RxJ/9ujcl1inLM0UOJyNzByv7";

    private static final String UMLAUTS = "p\u00e4ssw\u00f6rd";

    private static boolean verify(String stored, String password) {
        return PasswordVerifier.verify(stored, password.toCharArray());
    }

    @Test
    void argon2idFromPasswordHashesVerifies() {
        String stored = PasswordHashes.argon2id("correct horse".toCharArray());

        assertThat(verify(stored, "correct horse")).isTrue();
        assertThat(verify(stored, "correct horsE")).isFalse();
        assertThat(PasswordVerifier.problem(stored)).isEmpty();
    }

    @Test
    void argon2FromDoveadmVerifies() {
        assertThat(verify(DOVEADM_ARGON2ID, "secret")).isTrue();
        assertThat(verify(DOVEADM_ARGON2ID, "Secret")).isFalse();
        // m=32768,t=3 from the string, and the password as UTF-8
        assertThat(verify(DOVEADM_ARGON2I_UMLAUTS, UMLAUTS)).isTrue();
    }

    @Test
    void bcryptFromDoveadmVerifies() {
        assertThat(verify(DOVEADM_BLF_CRYPT, "secret")).isTrue();
        assertThat(verify(DOVEADM_BLF_CRYPT, "secreT")).isFalse();
        assertThat(verify(DOVEADM_BLF_CRYPT_UMLAUTS, UMLAUTS)).isTrue();
        assertThat(verify(DOVEADM_BLF_CRYPT_UMLAUTS, "passwort")).isFalse();
    }

    @Test
    void bcryptVersions2a2b2yAreOneAlgorithmAnd2xIsRefused() {
        // libxcrypt's crypt(3) gives the same hash for $2a$, $2b$ and $2y$ with these passwords
        for (String version : new String[] {"$2a$", "$2b$"}) {
            assertThat(verify(DOVEADM_BLF_CRYPT.replace("$2y$", version), "secret")).isTrue();
            assertThat(verify(DOVEADM_BLF_CRYPT_UMLAUTS.replace("$2y$", version), UMLAUTS)).isTrue();
        }
        String buggy = DOVEADM_BLF_CRYPT.replace("$2y$", "$2x$");
        assertThat(verify(buggy, "secret")).isFalse();
        assertThat(PasswordVerifier.problem(buggy)).isPresent();
        assertThat(verify(DOVEADM_BLF_CRYPT.replace("$2y$", "$2$"), "secret")).isFalse();
    }

    @Test
    void shaCryptFromDoveadmVerifies() {
        assertThat(verify(DOVEADM_SHA512_CRYPT, "secret")).isTrue();
        assertThat(verify(DOVEADM_SHA512_CRYPT, "secret ")).isFalse();
        assertThat(verify(DOVEADM_SHA512_CRYPT_ROUNDS, "secret")).isTrue();
        assertThat(verify(DOVEADM_SHA512_CRYPT_LONG, LONG_PASSWORD)).isTrue();
        assertThat(verify(DOVEADM_SHA512_CRYPT_LONG, LONG_PASSWORD.substring(1))).isFalse();
        assertThat(verify(DOVEADM_SHA256_CRYPT, "secret")).isTrue();
        assertThat(verify(DOVEADM_SHA256_CRYPT, "")).isFalse();
        assertThat(verify(DOVEADM_SHA256_CRYPT_UMLAUTS, UMLAUTS)).isTrue();
        assertThat(verify(DOVEADM_SHA256_CRYPT_UMLAUTS, "p\u00e4ssword")).isFalse();
    }

    @Test
    void aPasswordMayComeAsTheClientsBytes() {
        assertThat(PasswordVerifier.verify(DOVEADM_SHA256_CRYPT_UMLAUTS, UMLAUTS.getBytes(StandardCharsets.UTF_8)))
                .isTrue();
        assertThat(PasswordVerifier.verify(DOVEADM_SHA256_CRYPT_UMLAUTS, UMLAUTS.getBytes(StandardCharsets.ISO_8859_1)))
                .isFalse();
        assertThat(PasswordVerifier.verify(DOVEADM_BLF_CRYPT, "secret".getBytes(StandardCharsets.US_ASCII))).isTrue();
    }

    @Test
    void schemeNamesAreCaseInsensitive() {
        assertThat(verify(DOVEADM_SHA512_CRYPT.replace("{SHA512-CRYPT}", "{sha512-crypt}"), "secret")).isTrue();
        assertThat(verify(DOVEADM_SHA256_CRYPT.replace("{SHA256-CRYPT}", "{Sha256-Crypt}"), "secret")).isTrue();
        assertThat(verify(DOVEADM_BLF_CRYPT.replace("{BLF-CRYPT}", "{blf-crypt}"), "secret")).isTrue();
        assertThat(verify("{plain}secret", "secret")).isTrue();
    }

    @Test
    void plainAndCleartextCompareTheBytes() {
        assertThat(verify("{PLAIN}secret", "secret")).isTrue();
        assertThat(verify("{CLEARTEXT}secret", "secret")).isTrue();
        assertThat(verify("{PLAIN}" + UMLAUTS, UMLAUTS)).isTrue();
        assertThat(verify("{PLAIN}secret", "secre")).isFalse();
        assertThat(verify("{PLAIN}secret", "secret2")).isFalse();
        assertThat(verify("{CLEARTEXT}secret", "Secret")).isFalse();
    }

    @Test
    void noPasswordSetMatchesNothing() {
        for (String stored : new String[] {null, "", "{PLAIN}", "{CLEARTEXT}", "{ARGON2ID}", "{SHA512-CRYPT}"}) {
            assertThat(verify(stored, "")).as(stored).isFalse();
            assertThat(verify(stored, "secret")).as(stored).isFalse();
            assertThat(PasswordVerifier.problem(stored)).as(stored).contains("no password set");
        }
    }

    @Test
    void anEmptyOrMissingPasswordMatchesNothing() {
        assertThat(PasswordVerifier.verify("{PLAIN}secret", (char[]) null)).isFalse();
        assertThat(PasswordVerifier.verify("{PLAIN}secret", (byte[]) null)).isFalse();
        assertThat(PasswordVerifier.verify("{PLAIN}secret", new byte[0])).isFalse();
        // crypt("", "$6$salt") is a valid hash, but an empty password is never accepted
        String emptyPassword = "{SHA512-CRYPT}" + ShaCrypt.SHA512.crypt(new byte[0], "$6$somesalt");
        assertThat(PasswordVerifier.problem(emptyPassword)).isEmpty();
        assertThat(verify(emptyPassword, "")).isFalse();
    }

    @Test
    void wellFormedHashesHaveNoProblem() {
        for (String stored : new String[] {DOVEADM_ARGON2ID, DOVEADM_ARGON2I_UMLAUTS, DOVEADM_BLF_CRYPT,
                DOVEADM_BLF_CRYPT_UMLAUTS, DOVEADM_SHA512_CRYPT, DOVEADM_SHA512_CRYPT_ROUNDS, DOVEADM_SHA256_CRYPT,
                DOVEADM_SHA256_CRYPT_UMLAUTS, "{PLAIN}secret", "{argon2id}" + DOVEADM_ARGON2ID.substring(10),
                // no v= means Argon2 version 1.0, as in the reference implementation
                DOVEADM_ARGON2ID.replace("$v=19", "")}) {
            assertThat(PasswordVerifier.problem(stored)).as(stored).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        // unknown schemes, no scheme, broken prefix
        "{MD5-CRYPT}$1$saltsalt$qjXMvbEw8oaL.CzflDugX/",
        "{SSHA512}secret",
        "{ARGON2D}$argon2d$v=19$m=65536,t=3,p=1$M/mw9pl0+OVbD6i9sa3K5A$EHlpTRU4pCgN0CWYrmzuFvhsNizlBBKEYY6IfEuJp1E",
        "{PLAIN.b64}c2VjcmV0",
        "$2y$05$STk.4b.l0IwLbI02oY2sCuJF82hBvjNCg.INShd8Zk4aOqdq0ijhK",
        "secret",
        "{SHA512-CRYPT",
        "{}secret",
        // truncated
        "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$M/mw9pl0+OVbD6i9sa3K5A",
        "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$M/mw9pl0+OVbD6i9sa3K5A$",
        "{ARGON2ID}$argon2id$v=19$m=65536,t=3",
        "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$M/mw9pl0+OVbD6i9sa3K5A$EHlpT",
        "{BLF-CRYPT}$2y$05$STk.4b.l0IwLbI02oY2sCuJF82hBvjNCg.INShd8Zk4aOqdq0ijh",
        "{BLF-CRYPT}$2y$05$",
        "{BLF-CRYPT}$2y$",
        "{SHA512-CRYPT}$6$Ihcu9Qf9mObOTQgq$Pg6bfl8CDWIBXLvbeqNv7p/o76GnyBQePea7Scrx8i6JG8Nf2H8chGjrlLkTE788u2n",
        "{SHA512-CRYPT}$6$Ihcu9Qf9mObOTQgq",
        "{SHA512-CRYPT}$6$",
        "{SHA256-CRYPT}$5$f/isjE5hpxPqJKJV$6JgISMetLDa2L0f0TUQrH.KGK.iGiE94uRiI5Iuwv1",
        // bad base64 and bad parameters
        "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$M/mw9pl0+OVbD6i9sa3K5A$EHlpTRU4pCgN0CWYrm!uFvhsNizlBBKEYY6IfEuJp1E",
        "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$M/mw9pl0+OVbD6i9sa3K5A==$EHlpTRU4pCgN0CWYrmzuFvhsNizlBBKEYY6IfEuJp1E",
        "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$M/mw9pl0+OVbD6i9sa3K5$EHlpTRU4pCgN0CWYrmzuFvhsNizlBBKEYY6IfEuJp1E",
        "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$M/mw9pl0+OVbD6i9sa3K5A$EHlpTRU4pCgN0CWYrmzuFvhsNizlBBKEYY6IfEuJp1EXY",
        "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$M/mw9pl0$EHlpTRU4pCgN0CWYrmzuFvhsNizlBBKEYY6IfEuJp1E",
        "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$M/mw9pl0+OVbD6i9sa3K5A$EHlp",
        "{ARGON2ID}$argon2id$v=20$m=65536,t=3,p=1$M/mw9pl0+OVbD6i9sa3K5A$EHlpTRU4pCgN0CWYrmzuFvhsNizlBBKEYY6IfEuJp1E",
        "{ARGON2ID}$argon2id$v=19$m=999999999,t=3,p=1$M/mw9pl0+OVbD6i9sa3K5A$EHlpTRU4pCgN0CWYrmzuFvhsNizlBBKEYY6IfE",
        "{ARGON2ID}$argon2id$v=19$m=99999999999,t=3,p=1$M/mw9pl0+OVbD6i9sa3K5A$EHlpTRU4pCgN0CWYrmzuFvhsNizlBBKEYY6I",
        "{ARGON2ID}$argon2id$v=19$m=7,t=3,p=1$M/mw9pl0+OVbD6i9sa3K5A$EHlpTRU4pCgN0CWYrmzuFvhsNizlBBKEYY6IfEuJp1E",
        "{ARGON2ID}$argon2id$v=19$m=65536,t=0,p=1$M/mw9pl0+OVbD6i9sa3K5A$EHlpTRU4pCgN0CWYrmzuFvhsNizlBBKEYY6IfEuJp1E",
        "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=0$M/mw9pl0+OVbD6i9sa3K5A$EHlpTRU4pCgN0CWYrmzuFvhsNizlBBKEYY6IfEuJp1E",
        "{ARGON2ID}$argon2id$v=19$t=3,m=65536,p=1$M/mw9pl0+OVbD6i9sa3K5A$EHlpTRU4pCgN0CWYrmzuFvhsNizlBBKEYY6IfEuJp1E",
        "{ARGON2ID}$argon2i$v=19$m=32768,t=3,p=1$Us5xulLeNIT/gzS8t0XSVQ$ETJjg1ou9iqc8v9AWPX5OqP3tTnee0lQGqvS5snx/kQ",
        "{ARGON2I}$argon2id$v=19$m=65536,t=3,p=1$M/mw9pl0+OVbD6i9sa3K5A$EHlpTRU4pCgN0CWYrmzuFvhsNizlBBKEYY6IfEuJp1E",
        "{BLF-CRYPT}$2y$03$STk.4b.l0IwLbI02oY2sCuJF82hBvjNCg.INShd8Zk4aOqdq0ijhK",
        "{BLF-CRYPT}$2y$32$STk.4b.l0IwLbI02oY2sCuJF82hBvjNCg.INShd8Zk4aOqdq0ijhK",
        "{BLF-CRYPT}$2y$5$STk.4b.l0IwLbI02oY2sCuJF82hBvjNCg.INShd8Zk4aOqdq0ijhKx",
        "{BLF-CRYPT}$2y$05$STk.4b.l0IwLbI02oY2sCuJF82hBvjNCg.INShd8Zk4aOqdq0ij!K",
        "{BLF-CRYPT}$2z$05$STk.4b.l0IwLbI02oY2sCuJF82hBvjNCg.INShd8Zk4aOqdq0ijhK",
        "{BLF-CRYPT}$6$Ihcu9Qf9mObOTQgq$Pg6bfl8CDWIBXLvbeqNv7p/o76GnyBQePea7Scrx8i6JG8Nf2H8chGjrlLkTE788u2nsBCKr3UVNK",
        "{SHA512-CRYPT}$5$f/isjE5hpxPqJKJV$6JgISMetLDa2L0f0TUQrH.KGK.iGiE94uRiI5Iuwv16",
        "{SHA256-CRYPT}$5$rounds=x$f/isjE5hpxPqJKJV$6JgISMetLDa2L0f0TUQrH.KGK.iGiE94uRiI5Iuwv16",
    })
    void malformedHashesGiveFalseWithoutAnException(String stored) {
        AtomicBoolean verified = new AtomicBoolean(true);
        assertThatCode(() -> verified.set(verify(stored, "secret"))).doesNotThrowAnyException();
        assertThat(verified).isFalse();
        assertThat(PasswordVerifier.problem(stored)).isPresent();
    }

    @Test
    void aProblemSaysWhatIsWrong() {
        assertThat(PasswordVerifier.problem("{MD5-CRYPT}$1$saltsalt$qjXMvbEw8oaL.CzflDugX/"))
                .hasValueSatisfying(problem -> assertThat(problem).contains("MD5-CRYPT", "SHA512-CRYPT"));
        assertThat(PasswordVerifier.problem("$6$salt$hash")).contains("no {SCHEME} prefix");
        assertThat(PasswordVerifier.problem(
                "{ARGON2ID}$argon2id$v=19$m=999999999,t=3,p=1$M/mw9pl0+OVbD6i9sa3K5A$EHlpTRU4pCgN0CWYrmzuFvhsNizlB"))
                .hasValueSatisfying(problem -> assertThat(problem).contains("m=999999999"));
        assertThat(PasswordVerifier.problem(DOVEADM_SHA256_CRYPT.substring(0, DOVEADM_SHA256_CRYPT.length() - 1)))
                .hasValueSatisfying(problem -> assertThat(problem).contains("42 characters, 43 expected"));
    }

    /** Hashes whose cost exceeds the bounds: refused before any hashing, so quickly and without the memory. */
    @ParameterizedTest
    @ValueSource(strings = {
        "{ARGON2ID}$argon2id$v=19$m=262145,t=3,p=1$M/mw9pl0+OVbD6i9sa3K5A$EHlpTRU4pCgN0CWYrmzuFvhsNizlBBKEYY6IfEuJp1E",
        "{ARGON2ID}$argon2id$v=19$m=1048576,t=3,p=1$M/mw9pl0+OVbD6i9sa3K5A$EHlpTRU4pCgN0CWYrmzuFvhsNizlBBKEYY6IfEuJp1E",
        "{ARGON2ID}$argon2id$v=19$m=65536,t=11,p=1$M/mw9pl0+OVbD6i9sa3K5A$EHlpTRU4pCgN0CWYrmzuFvhsNizlBBKEYY6IfEuJp1E",
        "{ARGON2I}$argon2i$v=19$m=65536,t=3,p=17$Us5xulLeNIT/gzS8t0XSVQ$ETJjg1ou9iqc8v9AWPX5OqP3tTnee0lQGqvS5snx/kQ",
        "{SHA512-CRYPT}$6$rounds=1000001$rG2t5fTAEAKt3DLX$"
                + "G2ZnOXJp4DqtIPWJkbwrMuLLf7MTaDlNu4Ad/rQtwMFh4lX39nAK1Njh.r/33wSd4sqvx7mINi3Uvk5UtQazx.",
        "{SHA256-CRYPT}$5$rounds=999999999$MdMLtG4UNO56vF7l$QCsbZ1zCsGGgitiZj8RxJ/9ujcl1inLM0UOJyNzByv7",
        "{BLF-CRYPT}$2y$17$STk.4b.l0IwLbI02oY2sCuJF82hBvjNCg.INShd8Zk4aOqdq0ijhK",
        "{BLF-CRYPT}$2y$31$STk.4b.l0IwLbI02oY2sCuJF82hBvjNCg.INShd8Zk4aOqdq0ijhK",
    })
    void hashesBeyondTheCostBoundsAreRefusedWithoutHashing(String stored) {
        long started = System.nanoTime();
        assertThat(verify(stored, "secret")).isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("no hashing").isLessThan(Duration.ofSeconds(1));
        assertThat(PasswordVerifier.problem(stored)).hasValueSatisfying(problem -> assertThat(problem)
                .containsAnyOf("not within", "exceeds the limit").doesNotContain("M/mw9pl0", "rG2t5fTA", "STk.4b"));
    }

    @Test
    void theBoundsAreThoseOfTheIssue() {
        assertThat(Argon2Phc.MAX_MEMORY_KIB).as("256 MiB").isEqualTo(262_144);
        assertThat(ShaCrypt.ROUNDS_ACCEPTED).isEqualTo(1_000_000);
        assertThat(BlfCrypt.MAX_COST).isEqualTo(16);
    }

    @Test
    void aHashTruncatedToValidBase64IsWellFormedButMatchesNothing() {
        // a shorter tag is a different Argon2 output: one derivation, no exception
        String shorter = DOVEADM_ARGON2ID.substring(0, DOVEADM_ARGON2ID.length() - 1);
        assertThat(PasswordVerifier.problem(shorter)).isEmpty();
        assertThat(verify(shorter, "secret")).isFalse();
    }
}
