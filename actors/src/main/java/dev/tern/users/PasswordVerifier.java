package dev.tern.users;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Checks a password against a user db hash in Dovecot's notation, {@code {SCHEME}hash} (see
 * {@link UserDb#passwordHash}). Scheme names are case-insensitive. Supported:
 * {@code ARGON2ID}, {@code ARGON2I} (PHC strings), {@code BLF-CRYPT} ({@code $2a$ $2b$ $2y$}),
 * {@code SHA512-CRYPT} ({@code $6$}), {@code SHA256-CRYPT} ({@code $5$}) and {@code PLAIN} /
 * {@code CLEARTEXT}.
 *
 * <p>{@link #verify} never throws: a missing, empty or malformed hash, an unknown scheme, and an
 * empty password all give false. {@link #problem} tells a wrong password from a broken hash for
 * the log. Every scheme compares in constant time ({@link java.security.MessageDigest#isEqual}
 * or Bouncy Castle's equivalent); the time to derive a hash is the hash's own cost.
 */
public final class PasswordVerifier {

    private static final Map<String, PasswordScheme> SCHEMES = new TreeMap<>(Map.of(
            "ARGON2ID", Argon2Phc.ARGON2ID,
            "ARGON2I", Argon2Phc.ARGON2I,
            "BLF-CRYPT", BlfCrypt.INSTANCE,
            "SHA512-CRYPT", ShaCrypt.SHA512,
            "SHA256-CRYPT", ShaCrypt.SHA256,
            "PLAIN", PlainText.INSTANCE,
            "CLEARTEXT", PlainText.INSTANCE));

    private PasswordVerifier() {
    }

    /** The password as UTF-8, which is what SMTP AUTH and Dovecot hash. */
    public static boolean verify(String storedHash, char[] password) {
        if (password == null) {
            return false;
        }
        ByteBuffer encoded = StandardCharsets.UTF_8.encode(CharBuffer.wrap(password));
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);
        try {
            return verify(storedHash, bytes);
        } finally {
            Arrays.fill(bytes, (byte) 0);
            if (encoded.hasArray()) {
                Arrays.fill(encoded.array(), (byte) 0);
            }
        }
    }

    /** The password as the client's bytes (e.g. decoded from AUTH PLAIN), normally UTF-8. */
    public static boolean verify(String storedHash, byte[] password) {
        if (password == null || password.length == 0) {
            return false;
        }
        try {
            Stored stored = split(storedHash);
            PasswordScheme scheme = SCHEMES.get(stored.scheme());
            return scheme != null && !stored.hash().isEmpty() && scheme.matches(stored.hash(), password);
        } catch (RuntimeException malformed) {
            return false;
        }
    }

    /**
     * What is wrong with a stored hash such that no password can match it, e.g. for a log line
     * after a failed login; empty if it is well-formed. Hashes nothing.
     */
    public static Optional<String> problem(String storedHash) {
        try {
            Stored stored = split(storedHash);
            PasswordScheme scheme = SCHEMES.get(stored.scheme());
            if (scheme == null) {
                return Optional.of("unknown password scheme {" + stored.scheme() + "}; supported are "
                        + SCHEMES.keySet());
            }
            if (stored.hash().isEmpty()) {
                return Optional.of("no password set");
            }
            scheme.check(stored.hash());
            return Optional.empty();
        } catch (RuntimeException malformed) {
            return Optional.of(String.valueOf(malformed.getMessage()));
        }
    }

    private record Stored(String scheme, String hash) {
    }

    /** {@code {SCHEME}hash}, the scheme in upper case. */
    private static Stored split(String storedHash) {
        if (storedHash == null || storedHash.isEmpty()) {
            throw new IllegalArgumentException("no password set");
        }
        int close = storedHash.indexOf('}');
        if (!storedHash.startsWith("{") || close < 0) {
            throw new IllegalArgumentException("no {SCHEME} prefix");
        }
        return new Stored(storedHash.substring(1, close).toUpperCase(Locale.ROOT), storedHash.substring(close + 1));
    }
}
