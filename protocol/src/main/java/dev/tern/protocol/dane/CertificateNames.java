package dev.tern.protocol.dane;

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
 * The server name checks of RFC 7672 §3.2.3 (after RFC 6125): the DNS names of the
 * subjectAltName, or the subject's CN when there are none; a wildcard only as the whole
 * leftmost label, matching exactly one label.
 */
public final class CertificateNames {

    private static final int SAN_DNS_NAME = 2;

    private CertificateNames() {
    }

    /** True when the certificate names {@code referenceName} (compared without case and trailing dot). */
    public static boolean matches(X509Certificate certificate, String referenceName) {
        String reference = normalize(referenceName);
        if (reference.isEmpty()) {
            return false;
        }
        for (String presented : presentedNames(certificate)) {
            if (matches(normalize(presented), reference)) {
                return true;
            }
        }
        return false;
    }

    /** The DNS-IDs of the certificate, or its CN-IDs when it has no DNS-ID (RFC 6125 §6.4.4). */
    public static List<String> presentedNames(X509Certificate certificate) {
        List<String> dnsNames = new ArrayList<>();
        try {
            Collection<List<?>> alternatives = certificate.getSubjectAlternativeNames();
            if (alternatives != null) {
                for (List<?> entry : alternatives) {
                    if (entry.size() >= 2 && Integer.valueOf(SAN_DNS_NAME).equals(entry.get(0))
                            && entry.get(1) instanceof String name) {
                        dnsNames.add(name);
                    }
                }
            }
        } catch (CertificateParsingException e) {
            return List.of(); // an unreadable extension names nothing
        }
        if (!dnsNames.isEmpty()) {
            return dnsNames;
        }
        List<String> commonNames = new ArrayList<>();
        try {
            for (Rdn rdn : new LdapName(certificate.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN") && rdn.getValue() instanceof String cn) {
                    commonNames.add(cn);
                }
            }
        } catch (InvalidNameException e) {
            return List.of();
        }
        return commonNames;
    }

    static boolean matches(String presented, String reference) {
        if (presented.startsWith("*.")) {
            String rest = presented.substring(2);
            int dot = reference.indexOf('.');
            // "*" is the whole leftmost label and stands for exactly one non-empty label
            return !rest.isEmpty() && !rest.contains("*") && dot > 0 && reference.substring(dot + 1).equals(rest);
        }
        return !presented.contains("*") && presented.equals(reference);
    }

    private static String normalize(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }
}
