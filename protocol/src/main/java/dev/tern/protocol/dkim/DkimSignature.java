package dev.tern.protocol.dkim;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A DKIM-Signature field (RFC 6376 §3.5) as a value: built by a signer, or parsed from a
 * received message with the field it came from kept for verifying.
 *
 * @param signedHeaders {@code h=}, lower case
 * @param identity      {@code i=}, or empty (then {@code @d}, §3.5)
 * @param timestamp     {@code t=}, seconds since the epoch, or empty
 * @param expiration    {@code x=}, or empty
 * @param length        {@code l=}, body octets signed, or empty (all)
 * @param field         the field this was parsed from, or for a built one the field with empty {@code b=}
 */
public record DkimSignature(DkimAlgorithm algorithm, String domain, String selector, Canonicalization headerCanonicalization,
                            Canonicalization bodyCanonicalization, List<String> signedHeaders, byte[] bodyHash,
                            byte[] signature, Optional<String> identity, OptionalLong timestamp,
                            OptionalLong expiration, OptionalLong length, HeaderField field) {

    public static final String FIELD_NAME = "DKIM-Signature";
    /** The most names a verified signature's {@code h=} may list. */
    public static final int MAX_SIGNED_FIELDS = 64;

    public DkimSignature {
        signedHeaders = List.copyOf(signedHeaders);
    }

    /**
     * Reads a DKIM-Signature field, checking what §6.1.1 asks before any DNS query or hashing.
     *
     * @throws DkimSyntaxException naming what is wrong (a permerror)
     */
    public static DkimSignature parse(HeaderField field) {
        TagList tags = TagList.parse(field.value());
        if (!tags.required("v").equals("1")) {
            throw new DkimSyntaxException("unsupported version v=" + Excerpt.of(tags.required("v")));
        }
        DkimAlgorithm algorithm = DkimAlgorithm.named(tags.required("a"));
        String domain = tags.required("d").toLowerCase(Locale.ROOT);
        String selector = tags.required("s");
        if (domain.isEmpty() || selector.isEmpty()) {
            throw new DkimSyntaxException("empty d= or s=");
        }
        List<String> signed = new ArrayList<>();
        String[] names = tags.required("h").split(":");
        if (names.length > MAX_SIGNED_FIELDS) {
            // a verifier's work grows with h=; no signer needs this many (RFC 6376 §8.4 lets a verifier limit it)
            throw new DkimSyntaxException("more than " + MAX_SIGNED_FIELDS + " fields in h=");
        }
        for (String name : names) {
            String trimmed = TagList.withoutWhitespace(name).toLowerCase(Locale.ROOT);
            if (!trimmed.isEmpty()) {
                signed.add(trimmed);
            }
        }
        if (!signed.contains("from")) {
            throw new DkimSyntaxException("From field not signed"); // §5.4: From MUST be signed
        }
        Canonicalization header = Canonicalization.SIMPLE;
        Canonicalization body = Canonicalization.SIMPLE;
        Optional<String> c = tags.get("c");
        if (c.isPresent()) {
            String[] parts = c.get().split("/", -1);
            if (parts.length > 2) {
                throw new DkimSyntaxException("bad c=" + Excerpt.of(c.get()));
            }
            header = Canonicalization.named(parts[0].strip());
            body = parts.length == 2 ? Canonicalization.named(parts[1].strip()) : Canonicalization.SIMPLE;
        }
        Optional<String> identity = tags.get("i");
        if (identity.isPresent()) {
            int at = identity.get().lastIndexOf('@');
            String identityDomain = at < 0 ? "" : identity.get().substring(at + 1).toLowerCase(Locale.ROOT);
            if (!identityDomain.equals(domain) && !identityDomain.endsWith("." + domain)) {
                throw new DkimSyntaxException("i= not within d=" + Excerpt.of(domain)); // §3.5 i=
            }
        }
        Optional<String> query = tags.get("q");
        if (query.isPresent() && !query.get().strip().toLowerCase(Locale.ROOT).startsWith("dns/txt")) {
            throw new DkimSyntaxException("unsupported q=" + Excerpt.of(query.get()));
        }
        OptionalLong timestamp = number(tags, "t");
        OptionalLong expiration = number(tags, "x");
        if (timestamp.isPresent() && expiration.isPresent() && expiration.getAsLong() < timestamp.getAsLong()) {
            throw new DkimSyntaxException("x= before t="); // §3.5 x=
        }
        return new DkimSignature(algorithm, domain, selector, header, body, signed,
                base64(tags.required("bh"), "bh"), base64(tags.required("b"), "b"), identity, timestamp, expiration,
                number(tags, "l"), field);
    }

    private static OptionalLong number(TagList tags, String name) {
        Optional<String> value = tags.get(name);
        if (value.isEmpty()) {
            return OptionalLong.empty();
        }
        String digits = value.get();
        if (digits.isEmpty() || digits.length() > 18 || !digits.chars().allMatch(Character::isDigit)) {
            throw new DkimSyntaxException("bad " + name + "=" + digits);
        }
        return OptionalLong.of(Long.parseLong(digits));
    }

    static byte[] base64(String value, String tag) {
        try {
            return Base64.getDecoder().decode(TagList.withoutWhitespace(value));
        } catch (IllegalArgumentException e) {
            throw new DkimSyntaxException("bad base64 in " + tag + "=");
        }
    }
}
