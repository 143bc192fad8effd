package dev.tern.users;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * SHA-crypt, the glibc {@code crypt(3)} methods {@code $5$} (SHA-256) and {@code $6$} (SHA-512) that
 * Dovecot writes as {@code {SHA256-CRYPT}} and {@code {SHA512-CRYPT}}, following Ulrich Drepper's
 * "Unix crypt using SHA-256 and SHA-512" (https://www.akkadia.org/drepper/SHA-crypt.txt).
 *
 * <p>A setting is {@code $6$[rounds=N$]salt[$...]}: 5000 rounds unless given, a given count
 * clamped to 1000..999999999 (and then always written out), at most 16 salt characters, the
 * rest up to the next {@code $} ignored. Stricter than glibc in two ways that only matter for
 * hand-made settings: a {@code rounds=} that is not digits followed by {@code $} and salt
 * characters outside printable ASCII (or {@code :}) are malformed, not salt. (libxcrypt, the
 * crypt(3) Dovecot calls on current distributions, refuses a count out of range instead of
 * clamping it; a hash that either one wrote verifies alike here.)
 *
 * <p>A stored hash of more than {@link #ROUNDS_ACCEPTED} rounds is refused ({@link #check}, and
 * {@link #matches} gives false without hashing): at a few microseconds a round, a hostile line in
 * the user db could otherwise make each login spin a core for minutes.
 */
enum ShaCrypt implements PasswordScheme {

    SHA256("$5$", "SHA-256", new int[] {
            0, 10, 20, 21, 1, 11, 12, 22, 2, 3, 13, 23, 24, 4, 14,
            15, 25, 5, 6, 16, 26, 27, 7, 17, 18, 28, 8, 9, 19, 29}, new int[] {-1, 31, 30}, 3),
    SHA512("$6$", "SHA-512", new int[] {
            0, 21, 42, 22, 43, 1, 44, 2, 23, 3, 24, 45, 25, 46, 4,
            47, 5, 26, 6, 27, 48, 28, 49, 7, 50, 8, 29, 9, 30, 51,
            31, 52, 10, 53, 11, 32, 12, 33, 54, 34, 55, 13, 56, 14, 35,
            15, 36, 57, 37, 58, 16, 59, 17, 38, 18, 39, 60, 40, 61, 19,
            62, 20, 41}, new int[] {-1, -1, 63}, 2);

    static final int ROUNDS_DEFAULT = 5000;
    static final int ROUNDS_MIN = 1000;
    static final int ROUNDS_MAX = 999_999_999;
    /** The most rounds a stored hash may ask for (the default is 5000; a second's worth is about a million). */
    static final int ROUNDS_ACCEPTED = 1_000_000;
    static final int SALT_MAX = 16;

    private static final String ROUNDS_PREFIX = "rounds=";
    private static final char[] ALPHABET =
            "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();

    private final String prefix;
    private final String algorithm;
    /** Digest byte indices, three per group of four output characters (most significant first). */
    private final int[] groups;
    /** The final, partial group (-1 stands for a zero byte) and how many characters it gives. */
    private final int[] tail;
    private final int tailChars;

    ShaCrypt(String prefix, String algorithm, int[] groups, int[] tail, int tailChars) {
        this.prefix = prefix;
        this.algorithm = algorithm;
        this.groups = groups;
        this.tail = tail;
        this.tailChars = tailChars;
    }

    /** Length of the encoded hash: 43 for SHA-256, 86 for SHA-512. */
    int encodedLength() {
        return groups.length / 3 * 4 + tailChars;
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
        byte[] salt = parsed.salt().getBytes(StandardCharsets.US_ASCII);
        byte[] hash = hash(key, salt, parsed.rounds());
        StringBuilder out = new StringBuilder(prefix);
        if (parsed.roundsGiven()) {
            out.append(ROUNDS_PREFIX).append(parsed.rounds()).append('$');
        }
        out.append(parsed.salt()).append('$');
        encode(hash, out);
        return out.toString();
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
        if (encoded.length() != encodedLength()) {
            throw new IllegalArgumentException("hash part is " + encoded.length() + " characters, "
                    + encodedLength() + " expected");
        }
        for (int i = 0; i < encoded.length(); i++) {
            if (Arrays.binarySearch(ALPHABET, encoded.charAt(i)) < 0) {
                throw new IllegalArgumentException("hash part has a character outside ./0-9A-Za-z");
            }
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
        for (int i = 0; i < salt.length(); i++) {
            char c = salt.charAt(i);
            if (c <= ' ' || c > '~' || c == ':') {
                throw new IllegalArgumentException("salt has a character outside printable ASCII");
            }
        }
        return new Setting(rounds, roundsGiven, salt);
    }

    /** Steps 1-21 of the specification: the raw digest after the rounds. */
    private byte[] hash(byte[] key, byte[] salt, int rounds) {
        MessageDigest digest = newDigest();
        int size = digest.getDigestLength();

        // B = digest(key salt key)
        digest.update(key);
        digest.update(salt);
        digest.update(key);
        byte[] b = digest.digest();

        // A = digest(key salt, B repeated to key length, then per bit of the key length: B or key)
        digest.update(key);
        digest.update(salt);
        int count;
        for (count = key.length; count > size; count -= size) {
            digest.update(b, 0, size);
        }
        digest.update(b, 0, count);
        for (count = key.length; count > 0; count >>= 1) {
            if ((count & 1) != 0) {
                digest.update(b, 0, size);
            } else {
                digest.update(key);
            }
        }
        byte[] a = digest.digest();

        // P = digest(key, key length times), repeated to key length
        for (int i = 0; i < key.length; i++) {
            digest.update(key);
        }
        byte[] p = repeat(digest.digest(), key.length);

        // S = digest(salt, 16 + A[0] times), repeated to salt length
        for (int i = 0; i < 16 + (a[0] & 0xff); i++) {
            digest.update(salt);
        }
        byte[] s = repeat(digest.digest(), salt.length);

        byte[] c = a;
        for (int round = 0; round < rounds; round++) {
            boolean odd = (round & 1) != 0;
            digest.update(odd ? p : c);
            if (round % 3 != 0) {
                digest.update(s);
            }
            if (round % 7 != 0) {
                digest.update(p);
            }
            digest.update(odd ? c : p);
            c = digest.digest();
        }
        Arrays.fill(b, (byte) 0);
        Arrays.fill(p, (byte) 0);
        Arrays.fill(s, (byte) 0);
        return c;
    }

    private static byte[] repeat(byte[] block, int length) {
        byte[] out = new byte[length];
        for (int i = 0; i < length; i += block.length) {
            System.arraycopy(block, 0, out, i, Math.min(block.length, length - i));
        }
        Arrays.fill(block, (byte) 0);
        return out;
    }

    /** The specification's b64_from_24bit over the permuted digest bytes. */
    private void encode(byte[] hash, StringBuilder out) {
        for (int i = 0; i < groups.length; i += 3) {
            append(out, byteAt(hash, groups[i]), byteAt(hash, groups[i + 1]), byteAt(hash, groups[i + 2]), 4);
        }
        append(out, byteAt(hash, tail[0]), byteAt(hash, tail[1]), byteAt(hash, tail[2]), tailChars);
    }

    private static int byteAt(byte[] hash, int index) {
        return index < 0 ? 0 : hash[index] & 0xff;
    }

    private static void append(StringBuilder out, int b2, int b1, int b0, int chars) {
        int w = (b2 << 16) | (b1 << 8) | b0;
        for (int i = 0; i < chars; i++) {
            out.append(ALPHABET[w & 0x3f]);
            w >>>= 6;
        }
    }

    private MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is a required JDK algorithm", e);
        }
    }
}
