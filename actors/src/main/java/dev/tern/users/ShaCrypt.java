package dev.tern.users;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.function.BiFunction;
import java.util.regex.Pattern;

import org.apache.commons.codec.digest.Sha2Crypt;

/**
 * SHA-crypt, the glibc {@code crypt(3)} methods {@code $5$} (SHA-256) and {@code $6$} (SHA-512) that
 * Dovecot writes as {@code {SHA256-CRYPT}} and {@code {SHA512-CRYPT}}. The algorithm is commons-codec's
 * {@link Sha2Crypt} (Ulrich Drepper's "Unix crypt using SHA-256 and SHA-512"); this class is Tern's
 * policy around it: which variant a string is, which stored hashes are well-formed, a bound on their
 * cost, and a constant-time comparison.
 *
 * <p>A setting is {@code $6$[rounds=N$]salt[$...]}: 5000 rounds unless given, a given count clamped
 * to 1000..999999999 (and then always written out), at most 16 salt characters, the rest up to the
 * next {@code $} ignored. Settings that commons-codec would read differently from crypt(3) are
 * malformed here and never reach it: a {@code rounds=} that is not digits followed by {@code $}, an
 * empty salt (commons-codec refuses it) and salt characters outside {@code ./0-9A-Za-z}
 * (commons-codec would cut the salt short at the first one). Dovecot writes 16 salt characters of
 * {@code ./0-9A-Za-z}, so every hash {@code doveadm pw} writes is accepted. (libxcrypt, the crypt(3)
 * Dovecot calls on current distributions, refuses a count out of range instead of clamping it; a hash
 * that either one wrote verifies alike here.)
 *
 * <p>A stored hash of more than {@link #ROUNDS_ACCEPTED} rounds is refused ({@link #check}, and
 * {@link #matches} gives false without hashing): at a few microseconds a round, a hostile line in
 * the user db could otherwise make each login spin a core for minutes.
 */
enum ShaCrypt implements PasswordScheme {

    SHA256("$5$", 43, Sha2Crypt::sha256Crypt),
    SHA512("$6$", 86, Sha2Crypt::sha512Crypt);

    static final int ROUNDS_DEFAULT = 5000;
    static final int ROUNDS_MIN = 1000;
    static final int ROUNDS_MAX = 999_999_999;
    /** The most rounds a stored hash may ask for (the default is 5000; a second's worth is about a million). */
    static final int ROUNDS_ACCEPTED = 1_000_000;
    static final int SALT_MAX = 16;

    private static final String ROUNDS_PREFIX = "rounds=";
    private static final Pattern SALT = Pattern.compile("[./0-9A-Za-z]{1," + SALT_MAX + "}");
    private static final Pattern ENCODED = Pattern.compile("[./0-9A-Za-z]*");

    private final String prefix;
    private final int encodedLength;
    /** commons-codec's crypt: key (which it zeroes), setting {@code $6$[rounds=N$]salt}. */
    private final BiFunction<byte[], String, String> library;

    ShaCrypt(String prefix, int encodedLength, BiFunction<byte[], String, String> library) {
        this.prefix = prefix;
        this.encodedLength = encodedLength;
        this.library = library;
    }

    /** Length of the encoded hash: 43 for SHA-256, 86 for SHA-512. */
    int encodedLength() {
        return encodedLength;
    }

    /** The variant a {@code $5$...} or {@code $6$...} string is for, or null. */
    static ShaCrypt forString(String hash) {
        for (ShaCrypt variant : values()) {
            if (hash.startsWith(variant.prefix)) {
                return variant;
            }
        }
        return null;
    }

    /**
     * Like {@code crypt(key, setting)}: the full {@code $6$[rounds=N$]salt$hash} string.
     *
     * @throws IllegalArgumentException if the setting is malformed
     */
    String crypt(byte[] key, String setting) {
        Setting parsed = parse(setting);
        String canonical = prefix + (parsed.roundsGiven() ? ROUNDS_PREFIX + parsed.rounds() + "$" : "") + parsed.salt();
        return library.apply(key.clone(), canonical);
    }

    /** Whether {@code crypt(key, stored)} gives back {@code stored}; false if it is malformed. */
    @Override
    public boolean matches(String stored, byte[] key) {
        String computed;
        try {
            checkCost(parse(stored));
            computed = crypt(key, stored);
        } catch (IllegalArgumentException malformed) {
            return false;
        }
        return MessageDigest.isEqual(computed.getBytes(StandardCharsets.US_ASCII),
                stored.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Checks that a stored hash has the form {@link #crypt} writes.
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    @Override
    public void check(String stored) {
        Setting parsed = parse(stored);
        checkCost(parsed);
        String rest = stored.substring(prefix.length());
        if (parsed.roundsGiven()) {
            rest = rest.substring(rest.indexOf('$') + 1);
        }
        if (!rest.startsWith(parsed.salt() + "$")) {
            throw new IllegalArgumentException("salt is not at most " + SALT_MAX + " characters followed by $");
        }
        String encoded = rest.substring(parsed.salt().length() + 1);
        if (encoded.length() != encodedLength) {
            throw new IllegalArgumentException("hash part is " + encoded.length() + " characters, "
                    + encodedLength + " expected");
        }
        if (!ENCODED.matcher(encoded).matches()) {
            throw new IllegalArgumentException("hash part has a character outside ./0-9A-Za-z");
        }
    }

    private static void checkCost(Setting setting) {
        if (setting.rounds() > ROUNDS_ACCEPTED) {
            throw new IllegalArgumentException("rounds=" + setting.rounds() + " exceeds the limit of " + ROUNDS_ACCEPTED);
        }
    }

    private record Setting(int rounds, boolean roundsGiven, String salt) {
    }

    private Setting parse(String setting) {
        if (setting == null || !setting.startsWith(prefix)) {
            throw new IllegalArgumentException("does not start with " + prefix);
        }
        String rest = setting.substring(prefix.length());
        int rounds = ROUNDS_DEFAULT;
        boolean roundsGiven = false;
        if (rest.startsWith(ROUNDS_PREFIX)) {
            int dollar = rest.indexOf('$');
            String digits = dollar < 0 ? "" : rest.substring(ROUNDS_PREFIX.length(), dollar);
            if (digits.isEmpty() || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new IllegalArgumentException("rounds= is not a number followed by $");
            }
            // strtoul and the clamp: any overflowing count is just "too many"
            long requested = digits.length() > 10 ? Long.MAX_VALUE : Long.parseLong(digits);
            rounds = (int) Math.max(ROUNDS_MIN, Math.min(requested, ROUNDS_MAX));
            roundsGiven = true;
            rest = rest.substring(dollar + 1);
        }
        int end = rest.indexOf('$');
        String salt = (end < 0 ? rest : rest.substring(0, end));
        salt = salt.substring(0, Math.min(salt.length(), SALT_MAX));
        if (!SALT.matcher(salt).matches()) {
            throw new IllegalArgumentException("salt is empty or has a character outside ./0-9A-Za-z");
        }
        return new Setting(rounds, roundsGiven, salt);
    }
}
