package dev.tern.protocol;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What a server's EHLO reply advertises (RFC 5321 §4.1.1.1): the first line names the
 * server, every further line is an extension keyword with optional parameters. Keywords
 * are case-insensitive and kept upper-cased; parameters keep their case.
 *
 * @param domain   the first word of the reply's first line (the server's name for itself)
 * @param keywords upper-cased keyword to its parameters, in the order advertised
 */
public record EhloCapabilities(String domain, Map<String, List<String>> keywords) {

    public EhloCapabilities {
        keywords = Collections.unmodifiableMap(new LinkedHashMap<>(keywords));
    }

    /** A server that answered HELO, or EHLO with nothing advertised: no extensions at all. */
    public static EhloCapabilities none(String domain) {
        return new EhloCapabilities(domain, Map.of());
    }

    /** Reads a positive EHLO reply; lines that are blank are skipped, duplicate keywords keep the first. */
    public static EhloCapabilities parse(SmtpReply ehlo) {
        List<String> lines = ehlo.lines();
        Map<String, List<String>> keywords = new LinkedHashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] words = line.strip().split("\\s+");
            if (words[0].isEmpty()) {
                continue;
            }
            keywords.putIfAbsent(words[0].toUpperCase(Locale.ROOT), List.of(words).subList(1, words.length));
        }
        return new EhloCapabilities(ehlo.firstWord(), keywords);
    }

    public boolean has(String keyword) {
        return keywords.containsKey(keyword.toUpperCase(Locale.ROOT));
    }

    /** The keyword's parameters, empty when it was not advertised. */
    public Optional<List<String>> parameters(String keyword) {
        return Optional.ofNullable(keywords.get(keyword.toUpperCase(Locale.ROOT)));
    }

    /** RFC 3207. */
    public boolean startTls() {
        return has("STARTTLS");
    }

    /** RFC 2920. */
    public boolean pipelining() {
        return has("PIPELINING");
    }

    /** RFC 6152. */
    public boolean eightBitMime() {
        return has("8BITMIME");
    }

    /** RFC 3030: BDAT may carry the message. */
    public boolean chunking() {
        return has("CHUNKING");
    }

    /** RFC 1870: SIZE is advertised, so {@code MAIL FROM} may carry {@code SIZE=}. */
    public boolean size() {
        return has("SIZE");
    }

    /**
     * RFC 1870 fixed maximum message size in octets. Empty when SIZE is not advertised, has no
     * number, or advertises {@code 0} ("no fixed maximum"), or an unreadable number.
     */
    public OptionalLong sizeLimit() {
        List<String> parameters = keywords.get("SIZE");
        if (parameters == null || parameters.isEmpty()) {
            return OptionalLong.empty();
        }
        try {
            long limit = Long.parseLong(parameters.get(0));
            return limit > 0 ? OptionalLong.of(limit) : OptionalLong.empty();
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }
}
