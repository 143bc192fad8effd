package dev.tern.http;

import java.util.Map;
import java.util.Set;

/**
 * What the web page and the JSON API need to know of the service.
 *
 * @param admins   user-db names allowed to administer ({@code --admin})
 * @param domains  the local domains: every user has an address in each
 * @param hostname the name MX records must point at
 */
public record HttpSettings(Set<String> admins, Set<String> domains, String hostname, Map<String, String> dkimRecords) {

    public HttpSettings {
        admins = Set.copyOf(admins);
        domains = Set.copyOf(domains);
        dkimRecords = Map.copyOf(dkimRecords);
    }

    /** Without DKIM keys. */
    public HttpSettings(Set<String> admins, Set<String> domains, String hostname) {
        this(admins, domains, hostname, Map.of());
    }

    public boolean isAdmin(String user) {
        return admins.contains(user);
    }
}
