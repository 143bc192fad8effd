package dev.tern.protocol.mtasts;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An MTA-STS policy file (RFC 8461 §3.2), served at
 * {@code https://mta-sts.DOMAIN/.well-known/mta-sts.txt}:
 * <pre>
 * version: STSv1
 * mode: enforce
 * mx: mail.example.com
 * mx: *.example.net
 * max_age: 1296000
 * </pre>
 * Lines end in LF or CRLF; {@code key: value}, keys case-sensitive; unknown keys are ignored
 * (§3.2, for extensions). {@code version}, {@code mode} and {@code max_age} must appear once;
 * {@code mx} at least once unless the mode is {@code none}. Blank lines are tolerated.
 *
 * @param mode       what to do with hosts that fail validation
 * @param mx         the allowed MX patterns, in the file's order
 * @param maxAge     seconds the policy may be cached, capped at {@link #MAX_AGE_LIMIT}
 * @param lines      the file's non-blank lines without their terminators: the TLS-RPT
 *                   "policy-string" of RFC 8460 §4.4
 */
public record StsPolicy(StsMode mode, List<MxPattern> mx, long maxAge, List<String> lines) {

    /** RFC 8461 §3.2: "up to 31557600" seconds (one year); larger values are cut to this. */
    public static final long MAX_AGE_LIMIT = 31_557_600L;
    private static final int MAX_AGE_DIGITS = 10;

    public StsPolicy {
        mx = List.copyOf(mx);
        lines = List.copyOf(lines);
        if (maxAge < 0 || maxAge > MAX_AGE_LIMIT) {
            throw new IllegalArgumentException("max_age out of range: " + maxAge);
        }
    }

    /** Parses a policy file's text (already checked for size and media type by the fetcher). */
    public static StsPolicy parse(String text) throws StsSyntaxException {
        String version = null;
        StsMode mode = null;
        Long maxAge = null;
        List<MxPattern> mx = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        for (String raw : text.split("\n", -1)) {
            String line = raw.endsWith("\r") ? raw.substring(0, raw.length() - 1) : raw;
            if (line.isBlank()) {
                continue;
            }
            lines.add(line);
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new StsSyntaxException("line without key: value: " + StsSyntaxException.quote(line));
            }
            String key = line.substring(0, colon);
            String value = line.substring(colon + 1).strip();
            switch (key) {
                case "version" -> {
                    once(version, key);
                    if (!value.equals("STSv1")) {
                        throw new StsSyntaxException("unsupported version " + StsSyntaxException.quote(value));
                    }
                    version = value;
                }
                case "mode" -> {
                    once(mode, key);
                    mode = StsMode.of(value).orElseThrow(() -> new StsSyntaxException(
                            "mode " + StsSyntaxException.quote(value) + " is none of enforce, testing, none"));
                }
                case "max_age" -> {
                    once(maxAge, key);
                    maxAge = maxAge(value);
                }
                case "mx" -> mx.add(MxPattern.parse(value));
                default -> {
                    if (!StsRecord.isExtensionName(key)) {
                        throw new StsSyntaxException("invalid key " + StsSyntaxException.quote(key));
                    }
                }
            }
        }
        if (version == null) {
            throw new StsSyntaxException("no version field");
        }
        if (mode == null) {
            throw new StsSyntaxException("no mode field");
        }
        if (maxAge == null) {
            throw new StsSyntaxException("no max_age field");
        }
        if (mx.isEmpty() && mode != StsMode.NONE) {
            throw new StsSyntaxException("no mx field in a policy of mode " + mode.keyword());
        }
        return new StsPolicy(mode, mx, maxAge, lines);
    }

    private static void once(Object seen, String key) throws StsSyntaxException {
        if (seen != null) {
            throw new StsSyntaxException("field " + key + " appears twice");
        }
    }

    /** 1*10(DIGIT), capped at one year. */
    private static long maxAge(String value) throws StsSyntaxException {
        if (value.isEmpty() || value.length() > MAX_AGE_DIGITS || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new StsSyntaxException("max_age " + StsSyntaxException.quote(value) + " is not 1 to 10 digits");
        }
        return Math.min(Long.parseLong(value), MAX_AGE_LIMIT);
    }

    /** Whether MX host {@code host} matches one of the policy's {@code mx} patterns (§4.1). */
    public boolean allows(String host) {
        return matching(host).isPresent();
    }

    /** The first pattern matching {@code host}, if any. */
    public Optional<MxPattern> matching(String host) {
        for (MxPattern pattern : mx) {
            if (pattern.matches(host)) {
                return Optional.of(pattern);
            }
        }
        return Optional.empty();
    }

    /** The patterns as written, for messages and TLS-RPT's "mx-host". */
    public List<String> patterns() {
        return mx.stream().map(MxPattern::pattern).toList();
    }
}
