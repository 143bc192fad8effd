package dev.tern.aliases;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import dev.tern.protocol.MailAddress;

/**
 * Reads the aliases file: {@code name: target, target} a line, as Postfix's aliases(5) without
 * its commands, files and includes. A target is a local name ({@code bob}, or {@code bob@} a local
 * domain) or a remote address, which is relayed. {@code #} comments and blank lines are skipped; a
 * line that starts with white space continues the one before. Names are case-insensitive. A line
 * in error is reported with its number and left out; the rest of the file is used.
 */
public final class AliasFile {

    /** A file of aliases, not of mail: more than this is a mistake, and is not read into the heap. */
    static final long MAX_FILE_SIZE = 4L * 1024 * 1024;

    /** What the file held, and what was wrong with it. */
    public record Parsed(List<AliasEntry> entries, List<AliasProblem> problems) {
        public Parsed {
            entries = List.copyOf(entries);
            problems = List.copyOf(problems);
        }

        public static Parsed empty() {
            return new Parsed(List.of(), List.of());
        }
    }

    private AliasFile() {
    }

    /** Reads {@code file}; a missing file has no aliases. */
    public static Parsed read(Path file, Set<String> localDomains) throws IOException {
        List<String> lines;
        try {
            if (Files.size(file) > MAX_FILE_SIZE) {
                throw new IOException("larger than " + MAX_FILE_SIZE + " bytes; not an aliases file?");
            }
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException missing) {
            return Parsed.empty();
        }
        return parse(file, lines, localDomains);
    }

    public static Parsed parse(Path file, List<String> lines, Set<String> localDomains) {
        Map<String, AliasEntry> entries = new LinkedHashMap<>();
        List<AliasProblem> problems = new ArrayList<>();
        int i = 0;
        while (i < lines.size()) {
            String text = lines.get(i);
            int first = i + 1;
            i++;
            if (text.isBlank() || text.strip().startsWith("#")) {
                continue;
            }
            if (Character.isWhitespace(text.charAt(0))) {
                problems.add(new AliasProblem(file, first, "continuation line without an alias before it"));
                continue;
            }
            StringBuilder logical = new StringBuilder(text);
            while (i < lines.size() && !lines.get(i).isEmpty() && Character.isWhitespace(lines.get(i).charAt(0))
                    && !lines.get(i).strip().startsWith("#")) {
                logical.append(' ').append(lines.get(i).strip());
                i++;
            }
            try {
                AliasEntry entry = entry(logical.toString(), first, localDomains);
                AliasEntry earlier = entries.putIfAbsent(entry.name(), entry);
                if (earlier != null) {
                    problems.add(new AliasProblem(file, first, "alias '" + entry.name()
                            + "' already defined on line " + earlier.line() + "; this one is ignored"));
                }
            } catch (IllegalArgumentException e) {
                problems.add(new AliasProblem(file, first, e.getMessage()));
            }
        }
        return new Parsed(List.copyOf(entries.values()), problems);
    }

    private static AliasEntry entry(String line, int number, Set<String> localDomains) {
        int colon = line.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("expected 'name: target, target...'");
        }
        // keyed as MailAddress.mailboxName keys a local part: lower case, NFC (RFC 6532 §3.1)
        String name = Normalizer.normalize(line.substring(0, colon).strip().toLowerCase(Locale.ROOT), Normalizer.Form.NFC);
        if (!validName(name)) {
            throw new IllegalArgumentException("'" + name + "' is not a valid alias name (a local part without @)");
        }
        List<AliasTarget> targets = new ArrayList<>();
        for (String part : line.substring(colon + 1).split(",", -1)) {
            String target = part.strip();
            if (target.isEmpty()) {
                continue; // "a: b," as Postfix: an empty element is nothing
            }
            targets.add(target(name, target, localDomains));
        }
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("alias '" + name + "' has no target");
        }
        return new AliasEntry(name, targets, number);
    }

    private static AliasTarget target(String name, String target, Set<String> localDomains) {
        if (target.startsWith("|") || target.startsWith("/") || target.startsWith(":include:")) {
            throw new IllegalArgumentException("alias '" + name + "': '" + target
                    + "': commands, files and includes are not supported; targets are names or addresses");
        }
        String bare = target.startsWith("<") && target.endsWith(">") ? target.substring(1, target.length() - 1) : target;
        if (bare.indexOf('@') < 0) {
            if (!validName(bare.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("alias '" + name + "': '" + target + "' is not a local name");
            }
            // the name a mailbox has: lower case, NFC (RFC 6532 §3.1), as MailAddress.mailboxName gives it
            return new AliasTarget.Local(MailAddress.parse(bare + "@localhost").orElseThrow().mailboxName());
        }
        Optional<MailAddress> address = MailAddress.parse(bare);
        if (address.isEmpty()) {
            throw new IllegalArgumentException("alias '" + name + "': '" + target + "' is not an address: "
                    + MailAddress.problemWith(bare));
        }
        return MailAddress.asciiDomains(localDomains).contains(address.get().asciiDomain())
                ? new AliasTarget.Local(address.get().mailboxName())
                : new AliasTarget.Remote(address.get());
    }

    /** A dot-atom local part (RFC 5321 §4.1.2), as a name valid in every local domain. */
    private static boolean validName(String name) {
        return !name.isEmpty() && name.indexOf('@') < 0 && MailAddress.parse(name + "@localhost").isPresent()
                && !name.startsWith("\"");
    }
}
