package dev.tern.users;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import dev.tern.files.AtomicFiles;
import dev.tern.files.PrivateFiles;

/**
 * The user db: a Dovecot passwd-file, one {@code name:{SCHEME}hash} a line (further
 * colon-separated fields are kept as they are). An immutable snapshot of the file.
 */
public final class UserDb {

    /** Names that are safe as a directory under the mail root and as an address local part. */
    private static final Pattern VALID_NAME = Pattern.compile("[a-z0-9][a-z0-9._+-]{0,63}");

    private final Map<String, String> lines;

    private UserDb(Map<String, String> lines) {
        this.lines = Collections.unmodifiableMap(lines);
    }

    public static UserDb empty() {
        return new UserDb(new LinkedHashMap<>());
    }

    /** Reads the file; a missing file is an empty db. Comments (#, also indented) and blank lines are skipped. */
    public static UserDb read(Path file) throws IOException {
        Map<String, String> lines = new LinkedHashMap<>();
        List<String> content;
        try {
            content = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException missing) {
            return empty();
        }
        for (String line : content) {
            // Indented comments too: names are stripped, so "  #x:..." would be a user "#x", which write() turns
            // into the comment "#x:..." and the next read drops (found by fuzzing, UserDbFuzzTest)
            if (line.isBlank() || line.strip().startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            String name = key((colon < 0 ? line : line.substring(0, colon)).strip());
            if (!name.isEmpty()) {
                lines.put(name, colon < 0 ? "" : line.substring(colon + 1));
            }
        }
        return new UserDb(lines);
    }

    /**
     * A name as the db keys it: lower-cased and, for a UTF-8 name a Dovecot file may hold, in
     * Unicode NFC, the form a UTF-8 local part is looked up by (MailAddress#mailboxName, RFC 6530 §10.1).
     */
    private static String key(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return Normalizer.isNormalized(lower, Normalizer.Form.NFC) ? lower : Normalizer.normalize(lower, Normalizer.Form.NFC);
    }

    public static Optional<String> problemWithName(String name) {
        if (!VALID_NAME.matcher(name).matches() || name.contains("..")) {
            return Optional.of("user name '" + name + "' must be 1-64 characters of a-z 0-9 . _ + - "
                    + "starting with a letter or digit");
        }
        return Optional.empty();
    }

    public boolean contains(String name) {
        return lines.containsKey(key(name));
    }

    public List<String> names() {
        return new ArrayList<>(lines.keySet());
    }

    /** The stored {@code {SCHEME}hash}, without any extra fields. */
    public Optional<String> passwordHash(String name) {
        String rest = lines.get(key(name));
        if (rest == null) {
            return Optional.empty();
        }
        int colon = rest.indexOf(':');
        return Optional.of(colon < 0 ? rest : rest.substring(0, colon));
    }

    public UserDb withUser(String name, String passwordHash) {
        Map<String, String> next = new LinkedHashMap<>(lines);
        String rest = next.getOrDefault(name, "");
        int colon = rest.indexOf(':');
        next.put(name, passwordHash + (colon < 0 ? "" : rest.substring(colon)));
        return new UserDb(next);
    }

    public UserDb without(String name) {
        Map<String, String> next = new LinkedHashMap<>(lines);
        next.remove(key(name));
        return new UserDb(next);
    }

    /** Writes the db atomically (temp file, fsync, rename) with mode 0600: it holds password hashes. */
    public void write(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        AtomicFiles.write(file, text(), PrivateFiles.FILE);
    }

    /** The file's content as {@link #write} writes it. */
    String text() {
        StringBuilder text = new StringBuilder();
        lines.forEach((name, rest) -> text.append(name).append(':').append(rest).append('\n'));
        return text.toString();
    }
}
