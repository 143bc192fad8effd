package dev.tern.protocol.tlsrpt;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A domain's TLS-RPT policy: the {@code _smtp._tls.DOMAIN} TXT record of RFC 8460 §3, reduced to
 * the report URIs this MTA can use.
 *
 * <pre>
 * tlsrpt-record = "v=TLSRPTv1" 1*(field-delim tlsrpt-field) [field-delim]
 * field-delim   = *WSP ";" *WSP
 * tlsrpt-rua    = "rua=" tlsrpt-uri *(*WSP "," *WSP tlsrpt-uri)
 * </pre>
 *
 * <p>At most {@link #MAX_RUA} URIs are used: the first distinct mailto and https ones, in the record's order.
 * RFC 8460 sets no limit, but the record is the destination's to write, and without one a single domain could
 * have Tern send its reports (and the load of sending them) to hundreds of third parties. A domain needs one
 * or two (its own mailbox, a reporting service); DMARC, whose rua= this follows, lets receivers limit the URIs
 * they send to as long as they take at least two (RFC 7489 §6.2), and four leaves room beyond that.
 *
 * @param rua where reports go, in the record's order: mailto and https only, at least one, at most four
 */
public record TlsRptRecord(List<ReportUri> rua) {

    /** The TXT name that holds a domain's record (RFC 8460 §3). */
    public static String name(String domain) {
        return "_smtp._tls." + domain;
    }

    /** The most report URIs used from one record; the ones after are ignored. */
    public static final int MAX_RUA = 4;

    private static final String VERSION = "v=TLSRPTv1";
    private static final Pattern FIELD_DELIM = Pattern.compile("[ \t]*;[ \t]*");
    private static final Pattern URI_DELIM = Pattern.compile("[ \t]*,[ \t]*");
    // RFC 8460 §3 tlsrpt-ext-name and tlsrpt-ext-value
    private static final Pattern EXTENSION = Pattern.compile(
            "[A-Za-z0-9][A-Za-z0-9_.-]{0,31}=[\\x21-\\x3a\\x3c\\x3e-\\x7e]+");

    public TlsRptRecord {
        rua = List.copyOf(rua);
        if (rua.isEmpty() || rua.size() > MAX_RUA) {
            throw new IllegalArgumentException("a TLS-RPT record needs 1 to " + MAX_RUA + " usable rua");
        }
    }

    /** What the TXT records at {@code _smtp._tls.DOMAIN} say. */
    public sealed interface Discovery {
    }

    /** Exactly one record, and it names somewhere to report to. */
    public record Published(TlsRptRecord record) implements Discovery {
    }

    /** No report is owed: why, for the log. */
    public record NotPublished(String why) implements Discovery {
    }

    /**
     * RFC 8460 §3: TXT records that do not begin with {@code v=TLSRPTv1} are discarded; if not exactly one is
     * left, the domain does not take reports. A record that does not parse, or names only schemes other than
     * mailto and https, takes none either.
     *
     * @param texts the TXT records' texts, each one's strings already joined
     */
    public static Discovery discover(List<String> texts) {
        List<String> candidates = texts.stream().filter(TlsRptRecord::hasVersion).toList();
        if (candidates.isEmpty()) {
            return new NotPublished("no v=TLSRPTv1 record");
        }
        if (candidates.size() > 1) {
            return new NotPublished(candidates.size() + " v=TLSRPTv1 records (RFC 8460 §3: none applies)");
        }
        return parse(candidates.get(0));
    }

    private static boolean hasVersion(String text) {
        // "v=TLSRPTv1;" or the version alone, with the delimiter's optional white space (RFC 8460 §3)
        return text.startsWith(VERSION) && (text.length() == VERSION.length()
                || FIELD_DELIM.matcher(text.substring(VERSION.length())).lookingAt());
    }

    /** Parses one record's text. */
    public static Discovery parse(String text) {
        if (!hasVersion(text)) {
            return new NotPublished("does not begin with v=TLSRPTv1");
        }
        String[] fields = FIELD_DELIM.split(text.substring(VERSION.length()), -1);
        List<ReportUri> uris = null;
        for (int i = 1; i < fields.length; i++) { // fields[0] is what precedes the first delimiter: empty
            String field = fields[i];
            if (field.isEmpty() && i == fields.length - 1) {
                break; // the optional trailing delimiter
            }
            if (field.startsWith("rua=")) {
                if (uris != null) {
                    return new NotPublished("more than one rua=");
                }
                uris = new ArrayList<>();
                for (String uri : URI_DELIM.split(field.substring(4), -1)) {
                    ReportUri usable;
                    try {
                        usable = uri(uri);
                    } catch (IllegalArgumentException e) {
                        return new NotPublished("rua " + printable(uri) + ": " + e.getMessage());
                    }
                    // every URI is checked (a malformed one spoils the record), the first MAX_RUA used
                    if (usable != null && !uris.contains(usable) && uris.size() < MAX_RUA) {
                        uris.add(usable);
                    }
                }
            } else if (!EXTENSION.matcher(field).matches()) {
                return new NotPublished("malformed field " + printable(field));
            }
        }
        if (uris == null) {
            return new NotPublished("no rua=");
        }
        if (uris.isEmpty()) {
            return new NotPublished("no mailto: or https: rua");
        }
        return new Published(new TlsRptRecord(uris));
    }

    /** One URI of rua=: mailto and https are used, other schemes skipped (null), malformed ones refused. */
    private static ReportUri uri(String text) {
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a URI");
        }
        if (uri.getScheme() == null) {
            throw new IllegalArgumentException("no scheme"); // RFC 3986 URI, not a relative reference
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        if (scheme.equals("mailto")) {
            // RFC 6068: mailto:addr[?hfields]; the address may be %-encoded; one address is what RFC 8460 shows
            String address = uri.getRawSchemeSpecificPart();
            int query = address.indexOf('?');
            address = URLDecoder.decode(query < 0 ? address : address.substring(0, query), StandardCharsets.UTF_8);
            int at = address.lastIndexOf('@');
            if (at <= 0 || at == address.length() - 1 || address.contains(",") || !printableAscii(address)) {
                throw new IllegalArgumentException("not one mail address");
            }
            return new ReportUri.Mailto(address);
        }
        if (scheme.equals("https")) {
            if (uri.getHost() == null) {
                throw new IllegalArgumentException("no host");
            }
            return new ReportUri.Https(uri);
        }
        return null;
    }

    private static boolean printableAscii(String text) {
        return text.chars().allMatch(c -> c > 0x20 && c < 0x7f);
    }

    /** At most 60 printable characters of what came from DNS, for a log line. */
    private static String printable(String text) {
        String shown = text.length() > 60 ? text.substring(0, 60) + "..." : text;
        StringBuilder out = new StringBuilder(shown.length() + 2).append('"');
        shown.chars().forEach(c -> out.append(c >= 0x20 && c < 0x7f ? (char) c : '?'));
        return out.append('"').toString();
    }
}
