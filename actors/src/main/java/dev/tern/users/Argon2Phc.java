package dev.tern.users;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Argon2, Dovecot's {@code {ARGON2ID}} and {@code {ARGON2I}}, in the PHC string form that Dovecot
 * (libsodium) and {@link PasswordHashes} write: {@code $argon2id$v=19$m=65536,t=3,p=1$<salt>$<hash>},
 * unpadded standard base64. A missing {@code v=} means version 1.0 (16), as in the reference code.
 *
 * <p>The parameters come from the string, within cost bounds so that a corrupt or hostile line cannot
 * make a login allocate gigabytes or spin for seconds: memory up to 256 MiB (Dovecot's default is
 * 64 MiB; libsodium's "moderate" is 256 MiB), at most 10 passes and 16 lanes. A string beyond them
 * is refused as if malformed. The derived hash is as long as the stored one.
 */
enum Argon2Phc implements PasswordScheme {
    ARGON2ID("argon2id", Argon2Parameters.ARGON2_id),
    ARGON2I("argon2i", Argon2Parameters.ARGON2_i);

    static final int MAX_MEMORY_KIB = 256 * 1024;
    static final int MAX_ITERATIONS = 10;
    static final int MAX_PARALLELISM = 16;
    static final int MIN_SALT_BYTES = 8;
    static final int MIN_HASH_BYTES = 4;
    static final int MAX_BYTES = 1024;

    private static final Pattern PHC = Pattern.compile(
            "\\$(argon2id|argon2i)(?:\\$v=([0-9]{1,9}))?\\$m=([0-9]{1,9}),t=([0-9]{1,9}),p=([0-9]{1,9})"
                    + "\\$([A-Za-z0-9+/]+)\\$([A-Za-z0-9+/]+)");

    private final String name;
    private final int type;

    Argon2Phc(String name, int type) {
        this.name = name;
        this.type = type;
    }

    @Override
    public void check(String hash) {
        parse(hash);
    }

    @Override
    public boolean matches(String hash, byte[] password) {
        Parsed parsed = parse(hash);
        byte[] stored = parsed.hash();
        Argon2BytesGenerator generator = new Argon2BytesGenerator();
        generator.init(parsed.parameters());
        byte[] derived = new byte[stored.length];
        generator.generateBytes(password, derived);
        boolean equal = MessageDigest.isEqual(derived, stored);
        Arrays.fill(derived, (byte) 0);
        return equal;
    }

    private record Parsed(Argon2Parameters parameters, byte[] hash) {
    }

    private Parsed parse(String phc) {
        Matcher m = PHC.matcher(phc);
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    "not a PHC string $" + name + "$v=19$m=...,t=...,p=...$salt$hash (unpadded base64)");
        }
        if (!m.group(1).equals(name)) {
            throw new IllegalArgumentException("$" + m.group(1) + "$ where $" + name + "$ belongs");
        }
        int version = m.group(2) == null ? Argon2Parameters.ARGON2_VERSION_10 : Integer.parseInt(m.group(2));
        if (version != Argon2Parameters.ARGON2_VERSION_10 && version != Argon2Parameters.ARGON2_VERSION_13) {
            throw new IllegalArgumentException("unknown version v=" + version + " (16 or 19 expected)");
        }
        int memory = Integer.parseInt(m.group(3));
        int iterations = Integer.parseInt(m.group(4));
        int parallelism = Integer.parseInt(m.group(5));
        if (parallelism < 1 || parallelism > MAX_PARALLELISM) {
            throw new IllegalArgumentException("p=" + parallelism + " is not within 1.." + MAX_PARALLELISM);
        }
        if (memory < 8 * parallelism || memory > MAX_MEMORY_KIB) {
            throw new IllegalArgumentException("m=" + memory + " is not within 8*p.." + MAX_MEMORY_KIB);
        }
        if (iterations < 1 || iterations > MAX_ITERATIONS) {
            throw new IllegalArgumentException("t=" + iterations + " is not within 1.." + MAX_ITERATIONS);
        }
        byte[] salt = decode(m.group(6), "salt", MIN_SALT_BYTES);
        byte[] hash = decode(m.group(7), "hash", MIN_HASH_BYTES);
        Argon2Parameters parameters = new Argon2Parameters.Builder(type)
                .withVersion(version)
                .withMemoryAsKB(memory)
                .withIterations(iterations)
                .withParallelism(parallelism)
                .withSalt(salt)
                .build();
        return new Parsed(parameters, hash);
    }

    private static byte[] decode(String base64, String what, int minBytes) {
        // the pattern has excluded padding and foreign characters; a length of 4n+1 is no base64 at all
        if (base64.length() % 4 == 1) {
            throw new IllegalArgumentException(what + " is not valid base64 (" + base64.length() + " characters)");
        }
        byte[] bytes = Base64.getDecoder().decode(base64);
        if (bytes.length < minBytes || bytes.length > MAX_BYTES) {
            throw new IllegalArgumentException(what + " is " + bytes.length + " bytes, not within "
                    + minBytes + ".." + MAX_BYTES);
        }
        return bytes;
    }
}
