package dev.tern.users;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** Dovecot's {@code {PLAIN}} and {@code {CLEARTEXT}}: the password itself (for tests and migrations only). */
enum PlainText implements PasswordScheme {
    INSTANCE;

    @Override
    public void check(String hash) {
        // any text is a password
    }

    @Override
    public boolean matches(String hash, byte[] password) {
        return MessageDigest.isEqual(hash.getBytes(StandardCharsets.UTF_8), password);
    }
}
