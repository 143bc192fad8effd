package dev.tern.users;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * bcrypt, Dovecot's {@code {BLF-CRYPT}}: {@code $2y$05$<22 characters salt><31 characters hash>}.
 *
 * <p>Bouncy Castle computes {@code $2a$}, {@code $2b$} and {@code $2y$} alike (the password's UTF-8
 * bytes plus a NUL, at most 72 bytes), which is what they mean for every password since OpenBSD's
 * and crypt_blowfish's fixes; {@code $2y$} is crypt_blowfish's name for the corrected algorithm and
 * what Dovecot writes. Bouncy Castle would also take {@code $2$} and {@code $2x$} but compute them
 * the same way, which is not what they mean (no NUL; crypt_blowfish's sign-extension bug), so
 * those are refused here.
 *
 * <p>A cost above {@link #MAX_COST} is refused as well: each step doubles the work, and cost 16
 * already takes seconds, so a hostile line in the user db could otherwise tie up a core per login.
 */
enum BlfCrypt implements PasswordScheme {
    INSTANCE;

    private static final Pattern FORM = Pattern.compile("\\$2[aby]\\$(0[4-9]|[12][0-9]|3[01])\\$[./A-Za-z0-9]{53}");

    /** Dovecot writes cost 5 by default; OWASP suggests 10 or more. */
    static final int MAX_COST = 16;

    @Override
    public void check(String hash) {
        Matcher form = FORM.matcher(hash);
        if (!form.matches()) {
            throw new IllegalArgumentException("not a bcrypt string $2y$NN$ + 53 characters of ./0-9A-Za-z "
                    + "(cost 04..31; $2a$, $2b$, $2y$)");
        }
        int cost = Integer.parseInt(form.group(1));
        if (cost > MAX_COST) {
            throw new IllegalArgumentException("cost " + cost + " exceeds the limit of " + MAX_COST);
        }
    }

    @Override
    public boolean matches(String hash, byte[] password) {
        check(hash);
        // compares the whole recomputed string in constant time (Strings.constantTimeAreEqual)
        return OpenBSDBCrypt.checkPassword(hash, password);
    }
}
