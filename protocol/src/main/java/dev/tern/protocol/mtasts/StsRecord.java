package dev.tern.protocol.mtasts;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code _mta-sts.DOMAIN} TXT record (RFC 8461 §3.1): {@code v=STSv1; id=20160831085700Z;}.
 * The id changes whenever the policy file does, so a sender refetches only then.
 *
 * @param id 1 to 32 letters and digits
 */
public record StsRecord(String id) {

    private static final String VERSION = "v=STSv1";
    private static final int MAX_ID = 32;
    private static final int MAX_EXTENSION_NAME = 32;

    /**
     * Picks the record among a name's TXT records (each one's strings already joined). Records
     * not beginning with {@code v=STSv1} are discarded; none left means no policy (empty). Several
     * left, or one that does not parse, also means no policy (§3.1: "senders MUST assume the
     * recipient domain does not have an available MTA-STS Policy"); that is thrown so the log
     * can say why.
     */
    public static Optional<StsRecord> discover(List<String> txtRecords) throws StsSyntaxException {
        List<String> candidates = new ArrayList<>();
        for (String txt : txtRecords) {
            if (isCandidate(txt)) {
                candidates.add(txt);
            }
        }
        if (candidates.isEmpty()) {
            return Optional.empty();
        }
        if (candidates.size() > 1) {
            throw new StsSyntaxException(candidates.size() + " v=STSv1 TXT records (exactly one is allowed)");
        }
        return Optional.of(parse(candidates.get(0)));
    }

    private static boolean isCandidate(String txt) {
        if (!txt.startsWith(VERSION)) {
            return false;
        }
        if (txt.length() == VERSION.length()) {
            return true; // "v=STSv1" alone: an STS record, and an invalid one (no id)
        }
        char next = txt.charAt(VERSION.length());
        return next == ';' || next == ' ' || next == '\t';
    }

    /**
     * Parses one record: {@code sts-version 1*(sts-field-delim sts-field) [sts-field-delim]},
     * with exactly one id; extension fields are checked for syntax and ignored.
     */
    public static StsRecord parse(String txt) throws StsSyntaxException {
        if (!isCandidate(txt)) {
            throw new StsSyntaxException("the record does not begin with v=STSv1: " + StsSyntaxException.quote(txt));
        }
        String rest = txt.substring(VERSION.length());
        List<String> fields = fields(rest, txt);
        String id = null;
        Set<String> seen = new HashSet<>();
        for (String field : fields) {
            int equals = field.indexOf('=');
            if (equals <= 0) {
                throw new StsSyntaxException("field without name=value: " + StsSyntaxException.quote(field));
            }
            String name = field.substring(0, equals);
            String value = field.substring(equals + 1);
            if (!seen.add(name)) {
                throw new StsSyntaxException("field " + StsSyntaxException.quote(name) + " appears twice");
            }
            if (name.equals("id")) {
                if (!isId(value)) {
                    throw new StsSyntaxException("invalid id " + StsSyntaxException.quote(value)
                            + " (1 to 32 letters and digits)");
                }
                id = value;
            } else if (!isExtensionName(name) || !isExtensionValue(value)) {
                throw new StsSyntaxException("invalid field " + StsSyntaxException.quote(field));
            }
        }
        if (id == null) {
            throw new StsSyntaxException("no id field in " + StsSyntaxException.quote(txt));
        }
        return new StsRecord(id);
    }

    /** Splits at {@code *WSP ";" *WSP}; the text after the version must start with a delimiter. */
    private static List<String> fields(String rest, String txt) throws StsSyntaxException {
        String trimmed = stripWsp(rest);
        if (!trimmed.startsWith(";")) {
            throw new StsSyntaxException("no ';' after v=STSv1 in " + StsSyntaxException.quote(txt));
        }
        String body = trimmed.substring(1);
        List<String> fields = new ArrayList<>();
        String[] parts = body.split(";", -1);
        for (int i = 0; i < parts.length; i++) {
            String field = stripWsp(parts[i]);
            boolean last = i == parts.length - 1;
            if (field.isEmpty()) {
                if (last && i > 0) {
                    break; // the optional trailing delimiter
                }
                throw new StsSyntaxException("empty field in " + StsSyntaxException.quote(txt));
            }
            fields.add(field);
        }
        return fields;
    }

    private static String stripWsp(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && (s.charAt(start) == ' ' || s.charAt(start) == '\t')) {
            start++;
        }
        while (end > start && (s.charAt(end - 1) == ' ' || s.charAt(end - 1) == '\t')) {
            end--;
        }
        return s.substring(start, end);
    }

    private static boolean isId(String value) {
        if (value.isEmpty() || value.length() > MAX_ID) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            if (!isAlphaDigit(value.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / "."), shared by the TXT record and the policy file. */
    static boolean isExtensionName(String name) {
        if (name.isEmpty() || name.length() > MAX_EXTENSION_NAME || !isAlphaDigit(name.charAt(0))) {
            return false;
        }
        for (int i = 1; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!isAlphaDigit(c) && c != '_' && c != '-' && c != '.') {
                return false;
            }
        }
        return true;
    }

    /** 1*(%x21-3A / %x3C / %x3E-7E): visible characters but ';' and '='. */
    private static boolean isExtensionValue(String value) {
        if (value.isEmpty()) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x21 || c > 0x7e || c == ';' || c == '=') {
                return false;
            }
        }
        return true;
    }

    private static boolean isAlphaDigit(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9';
    }
}
