package dev.tern.protocol.dmarc;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A DMARC policy record (RFC 7489 §6.3): the tags that decide a message's fate. Reporting tags
 * (rua, ruf, fo, rf, ri) are read past: Tern sends no reports.
 *
 * @param policy        p
 * @param subdomainPolicy sp, or {@code policy} when absent
 * @param strictDkim    adkim=s
 * @param strictSpf     aspf=s
 * @param percent       pct, 0..100 (100 when absent)
 */
public record DmarcRecord(DmarcPolicy policy, DmarcPolicy subdomainPolicy, boolean strictDkim, boolean strictSpf,
                          int percent) {

    /** §6.6.3: a TXT record starting "v=DMARC1" (then ";", space or its end) is a DMARC record. */
    static boolean isDmarc(String txt) {
        String t = txt.trim();
        if (!t.startsWith("v")) {
            return false;
        }
        int semicolon = t.indexOf(';');
        String first = (semicolon < 0 ? t : t.substring(0, semicolon)).replace(" ", "").replace("\t", "");
        return first.equals("v=DMARC1");
    }

    /**
     * The record, or empty when it has no usable policy: §6.6.3 then applies no DMARC
     * processing (Tern sends no reports, so a record with only "rua" is as good as none).
     */
    static Optional<DmarcRecord> parse(String txt) {
        Map<String, String> tags = new HashMap<>();
        for (String part : txt.split(";")) {
            int eq = part.indexOf('=');
            if (eq < 0) {
                continue; // an empty part after the last ';'
            }
            tags.putIfAbsent(part.substring(0, eq).trim().toLowerCase(Locale.ROOT), part.substring(eq + 1).trim());
        }
        DmarcPolicy p = tags.containsKey("p") ? DmarcPolicy.parse(tags.get("p")) : null;
        if (p == null) {
            return Optional.empty();
        }
        DmarcPolicy sp = tags.containsKey("sp") ? DmarcPolicy.parse(tags.get("sp")) : p;
        if (sp == null) {
            sp = p; // §6.3: an invalid sp is ignored
        }
        int pct = 100;
        String percent = tags.get("pct");
        if (percent != null && percent.matches("[0-9]{1,3}")) {
            pct = Math.min(100, Integer.parseInt(percent));
        }
        return Optional.of(new DmarcRecord(p, sp, "s".equalsIgnoreCase(tags.get("adkim")),
                "s".equalsIgnoreCase(tags.get("aspf")), pct));
    }
}
