package dev.tern.http;

import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Thunderbird's autoconfig file (Mozilla's {@code config-v1.1.xml} format, as the ISPDB
 * serves it): where a mail client reads mail (the IMAP server, Dovecot on Tern's
 * Maildir) and where it submits mail (Tern's {@code --submission} listeners, STARTTLS, then
 * its {@code --smtps} ones, implicit TLS). Every server is named by Tern's host name, since
 * that is what its certificate names; the ports are those the listeners bound. User names
 * are the address's local part ({@code %EMAILLOCALPART%}), as AUTH and Dovecot's
 * passwd-file know users.
 *
 * @param hostname        {@code --hostname}: the outgoing servers' host
 * @param domains         Tern's local domains, each a {@code <domain>} the file serves
 * @param submissionPorts ports of the submission listeners (STARTTLS), in order, no repeats
 * @param smtpsPorts      ports of the implicit-TLS listeners, in order, no repeats
 * @param imap            the IMAP server ({@code tern.autoconfig.imap-host})
 */
public record Autoconfig(String hostname, List<String> domains, List<Integer> submissionPorts,
                         List<Integer> smtpsPorts, ImapServer imap) {

    /** The configuration key that names the IMAP server. */
    public static final String IMAP_HOST_KEY = "tern.autoconfig.imap-host";

    /** Thunderbird's placeholder: the part of the address before the {@code @}. */
    private static final String LOCAL_PART = "%EMAILLOCALPART%";
    /** An address's domain beyond this many characters is not a domain (RFC 1035: 253). */
    private static final int MAX_DOMAIN = 253;
    private static final String PROVIDER_FIELD = "    ";
    private static final String SERVER_FIELD = "      ";

    public Autoconfig {
        domains = List.copyOf(domains);
        submissionPorts = List.copyOf(submissionPorts);
        smtpsPorts = List.copyOf(smtpsPorts);
    }

    /**
     * @param submission the submission listeners' addresses (bound ones, so that port 0 shows
     *                   as the port it got); the same port on two addresses is named once
     * @param smtps      the implicit-TLS listeners' addresses, likewise
     */
    public static Autoconfig of(String hostname, Collection<String> domains, List<InetSocketAddress> submission,
                                List<InetSocketAddress> smtps, ImapServer imap) {
        return new Autoconfig(hostname, domains.stream().sorted().toList(), ports(submission), ports(smtps), imap);
    }

    /** The IMAP server a client reads from: port 143 with STARTTLS, any other with implicit TLS (993). */
    public record ImapServer(String host, int port) {

        public static final int IMAPS = 993;
        public static final int IMAP = 143;
        private static final Pattern HOST_AND_PORT = Pattern.compile("([A-Za-z0-9][A-Za-z0-9.-]{0,252})(?::(\\d{1,5}))?");

        /**
         * @param value    {@code HOST} or {@code HOST:PORT}; blank for Tern's own host name on 993
         * @param hostname Tern's host name
         * @throws IllegalArgumentException naming what is wrong with {@code value}
         */
        public static ImapServer parse(String value, String hostname) {
            if (value.isBlank()) {
                return new ImapServer(hostname, IMAPS);
            }
            Matcher matcher = HOST_AND_PORT.matcher(value.strip());
            if (!matcher.matches()) {
                throw new IllegalArgumentException("'" + value + "' is not HOST or HOST:PORT");
            }
            int port = matcher.group(2) == null ? IMAPS : Integer.parseInt(matcher.group(2));
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("'" + value + "': port " + port + " is out of range");
            }
            return new ImapServer(matcher.group(1), port);
        }

        String socketType() {
            return port == IMAP ? "STARTTLS" : "SSL";
        }
    }

    /**
     * The file for one client.
     *
     * @param emailAddress the address the client asks about ({@code ?emailaddress=}), or null:
     *                     its domain is served too, and names the provider
     */
    public String xml(String emailAddress) {
        Set<String> served = new LinkedHashSet<>();
        String asked = domainOf(emailAddress);
        if (asked != null) {
            served.add(asked);
        }
        served.addAll(domains);
        String provider = served.isEmpty() ? hostname : served.iterator().next();
        StringBuilder xml = new StringBuilder(1024);
        xml.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        xml.append("<clientConfig version=\"1.1\">\n");
        xml.append("  <emailProvider id=\"").append(XmlText.escape(provider)).append("\">\n");
        served.forEach(domain -> element(xml, PROVIDER_FIELD, "domain", domain));
        element(xml, PROVIDER_FIELD, "displayName", provider + " mail (Tern on " + hostname + ")");
        element(xml, PROVIDER_FIELD, "displayShortName", provider);
        server(xml, "incomingServer", "imap", imap.host(), imap.port(), imap.socketType());
        submissionPorts.forEach(port -> server(xml, "outgoingServer", "smtp", hostname, port, "STARTTLS"));
        smtpsPorts.forEach(port -> server(xml, "outgoingServer", "smtp", hostname, port, "SSL"));
        xml.append("  </emailProvider>\n");
        xml.append("</clientConfig>\n");
        return xml.toString();
    }

    private static void server(StringBuilder xml, String element, String type, String host, int port,
                               String socketType) {
        xml.append("    <").append(element).append(" type=\"").append(type).append("\">\n");
        element(xml, SERVER_FIELD, "hostname", host);
        element(xml, SERVER_FIELD, "port", Integer.toString(port));
        element(xml, SERVER_FIELD, "socketType", socketType);
        element(xml, SERVER_FIELD, "username", LOCAL_PART);
        element(xml, SERVER_FIELD, "authentication", "password-cleartext"); // inside TLS: AUTH PLAIN, IMAP LOGIN
        xml.append("    </").append(element).append(">\n");
    }

    /** {@code <name>text</name>} on a line of its own. */
    private static void element(StringBuilder xml, String indent, String name, String text) {
        xml.append(indent).append('<').append(name).append('>').append(XmlText.escape(text))
                .append("</").append(name).append(">\n");
    }

    private static String domainOf(String emailAddress) {
        if (emailAddress == null) {
            return null;
        }
        int at = emailAddress.lastIndexOf('@');
        String domain = emailAddress.substring(at + 1).strip().toLowerCase(Locale.ROOT);
        return domain.isEmpty() || domain.length() > MAX_DOMAIN ? null : domain;
    }

    private static List<Integer> ports(List<InetSocketAddress> listeners) {
        return listeners.stream().map(InetSocketAddress::getPort).distinct().toList();
    }
}
