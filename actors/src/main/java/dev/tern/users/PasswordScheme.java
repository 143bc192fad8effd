package dev.tern.users;

/** One password scheme of the user db: what follows its {@code {SCHEME}} prefix, and checking a password. */
interface PasswordScheme {

    /**
     * Checks the form of a stored hash (without its {@code {SCHEME}} prefix), without hashing anything.
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    void check(String hash);

    /**
     * Whether the password (UTF-8, as the client sent it) matches the stored hash. A malformed hash
     * may give false or an {@link IllegalArgumentException}.
     */
    boolean matches(String hash, byte[] password);
}
