package dev.tern.streams.client;

import java.net.IDN;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * Whether a server certificate names a host, as RFC 6125 §6.4 and RFC 7672 §3.2.3 say for
 * SMTP: the DNS-ID subjectAltNames, or the subject CN only when there is no DNS-ID; names
 * compared as A-labels without case; a wildcard only as the whole leftmost label, standing
 * for exactly one label ({@code *.example.com} covers {@code mx.example.com}, not
 * {@code example.com} nor {@code a.mx.example.com}).
 */
public final class CertificateNames {

    private static final int DNS_NAME = 2;

    private CertificateNames() {
    }

    /** The DNS names the certificate is for: its DNS-IDs, else its subject CNs. */
    public static List<String> of(X509Certificate certificate) {
        List<String> names = new ArrayList<>();
        try {
            Collection<List<?>> alternatives = certificate.getSubjectAlternativeNames();
            if (alternatives != null) {
                for (List<?> alternative : alternatives) {
                    if (alternative.size() >= 2 && Integer.valueOf(DNS_NAME).equals(alternative.get(0))
                            && alternative.get(1) instanceof String name) {
                        names.add(name);
                    }
                }
            }
        } catch (CertificateParsingException unreadable) {
            return List.of();
        }
        if (!names.isEmpty()) {
            return names;
        }
        try {
            for (Rdn rdn : new LdapName(certificate.getSubjectX500Principal().getName()).getRdns()) {
                if ("CN".equalsIgnoreCase(rdn.getType()) && rdn.getValue() instanceof String name) {
                    names.add(name);
                }
            }
        } catch (InvalidNameException unreadable) {
            return List.of();
        }
        return names;
    }

    /** Whether {@code certificate} is valid for any of {@code referenceIds}. */
    public static boolean matchesAny(X509Certificate certificate, Collection<String> referenceIds) {
        for (String presented : of(certificate)) {
            for (String reference : referenceIds) {
                if (matches(presented, reference)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** One presented name against one reference identifier. */
    public static boolean matches(String presented, String reference) {
        String pattern = normalized(presented);
        String host = normalized(reference);
        if (pattern == null || host == null || host.contains("*")) {
            return false;
        }
        if (!pattern.startsWith("*.")) {
            return !pattern.contains("*") && pattern.equals(host);
        }
        String suffix = pattern.substring(1); // ".example.com"
        if (suffix.indexOf('*') >= 0 || suffix.chars().filter(c -> c == '.').count() < 2) {
            return false; // a wildcard elsewhere, or over a single label such as *.com
        }
        int dot = host.indexOf('.');
        return dot > 0 && host.substring(dot).equals(suffix);
    }

    /** Lower-case A-labels without a trailing dot; null when not a host name at all. */
    private static String normalized(String name) {
        if (name == null || name.isEmpty()) {
            return null;
        }
        String trimmed = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        try {
            return IDN.toASCII(trimmed, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException notAName) {
            return null;
        }
    }
}
