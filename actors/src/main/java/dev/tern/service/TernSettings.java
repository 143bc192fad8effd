package dev.tern.service;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;

import dev.tern.dkim.DkimKeys;
import dev.tern.http.Autoconfig;
import dev.tern.mailauth.InboundAuthMode;
import dev.tern.protocol.RecipientDelimiter;
import dev.tern.protocol.SubmissionSenderPolicy;
import dev.tern.relay.RelaySettings;
import dev.tern.session.ConnectionLimits;
import dev.tern.tlsrpt.TlsRptSettings;
import dev.tern.transport.dane.TrustAnchors;
import dev.tern.users.UserDb;

/**
 * The service's settings, resolved once at start from three layers: built-in defaults
 * (application.conf), the user's HOCON file ({@code -c}), the command line.
 */
record TernSettings(Config config, Path dataDir, Path mailRoot, StoreFormat store, Set<String> domains,
                    Path usersFile, List<InetSocketAddress> inbound, List<InetSocketAddress> outbound,
                    List<InetSocketAddress> smtps, Path tlsCert, Path tlsKey, String hostname, long maxMessageSize,
                    long minFreeSpace, int maxRecipients, int maxErrors, Duration idleTimeout, Duration shutdownGrace,
                    RelaySettings relay, ConnectionLimits connectionLimits, Submission submission,
                    List<InetSocketAddress> http, Set<String> admins, ClusterSettings cluster) {

    enum StoreFormat { MAILDIR, NUMBERED }

    /**
     * The listener keys, one per listener option. CLI.md: their defaults apply only when none
     * of them is given at all (command line or config file); once one is, only those named are bound.
     */
    static final List<String> LISTENER_KEYS = List.of("inbound", "outbound", "smtps", "submission", "http");

    /**
     * The mail submission listeners (RFC 6409) and which envelope senders their users may give.
     */
    record Submission(List<InetSocketAddress> listeners, SubmissionSenderPolicy.Ownership senders) {
    }

    /** Where the self-signed certificate lives when no --tls-cert is given. */
    Path tlsDir() {
        return dataDir.resolve("tls");
    }

    Path incomingDir() {
        return dataDir.resolve("spool").resolve("incoming");
    }

    /** The IMAP server Thunderbird's autoconfig names ({@code tern.autoconfig.imap-host}, checked at load). */
    Autoconfig.ImapServer imapServer() {
        return Autoconfig.ImapServer.parse(config.getString(Autoconfig.IMAP_HOST_KEY), hostname);
    }

    /** {@code --aliases}: the file given, else DATA/aliases (watched even while missing). */
    Path aliasesFile() {
        return derivedPath(config.getConfig("tern"), "aliases", dataDir.resolve("aliases"));
    }

    /** {@code --dkim-key}: the signing keys, read from their files (checked at load). */
    DkimKeys dkimKeys() throws UsageException {
        return dkimKeys(config.getConfig("tern"));
    }

    private static DkimKeys dkimKeys(Config tern) throws UsageException {
        try {
            return DkimKeys.load(tern.getStringList("dkim-keys"));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--dkim-key: " + e.getMessage());
        }
    }

    /** {@code tern.dns-trust-anchor}: DANE's DNSSEC trust anchors, the file's or the built-in root's (checked at load). */
    TrustAnchors dnsTrustAnchors() {
        try {
            return dnsTrustAnchors(config.getConfig("tern"));
        } catch (UsageException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    private static TrustAnchors dnsTrustAnchors(Config tern) throws UsageException {
        String file = tern.getString("dns-trust-anchor");
        if (file.isBlank()) {
            return TrustAnchors.builtIn();
        }
        try {
            return TrustAnchors.fromFile(Path.of(file));
        } catch (IOException | InvalidPathException e) {
            throw new UsageException("tern.dns-trust-anchor: " + e.getMessage());
        }
    }

    /** {@code --recipient-delimiter}, checked at load. */
    RecipientDelimiter recipientDelimiter() {
        return new RecipientDelimiter(config.getString("tern.recipient-delimiter"));
    }

    /** {@code --inbound-auth}, checked at load. */
    InboundAuthMode inboundAuth() {
        return InboundAuthMode.parse(config.getString("tern.inbound-auth")).orElseThrow();
    }

    /** What the actor system runs on: the settings, and in a cluster the member's address and seeds over them. */
    Config actorSystemConfig() {
        return cluster.pekkoConfig().withFallback(config);
    }

    /** {@code --admin} names in the order given: postmaster's fallback is the first that is a user. */
    List<String> adminsInOrder() {
        return config.getStringList("tern.admins").stream().map(name -> name.strip().toLowerCase(Locale.ROOT))
                .distinct().toList();
    }

    static TernSettings load(CommandLine.Parsed parsed) throws UsageException {
        Config config = layered(parsed);
        try {
            return fromConfig(config.resolve());
        } catch (ConfigException e) {
            throw new UsageException("configuration: " + e.getMessage());
        }
    }

    private static Config layered(CommandLine.Parsed parsed) throws UsageException {
        Map<String, Object> fromCommandLine = new HashMap<>();
        for (Map.Entry<CommandLine.Option, List<String>> given : parsed.options().entrySet()) {
            CommandLine.Option option = given.getKey();
            if (option.configKey == null) {
                continue;
            }
            Object value = option.kind == CommandLine.Kind.REPEATABLE ? given.getValue() : parsed.value(option).orElseThrow();
            fromCommandLine.put("tern." + option.configKey, value);
        }
        Config file = ConfigFactory.empty();
        if (parsed.value(CommandLine.Option.CONFIG).isPresent()) {
            File path = new File(parsed.value(CommandLine.Option.CONFIG).get());
            if (!path.isFile()) {
                throw new UsageException("--config: no such file: " + path);
            }
            try {
                file = ConfigFactory.parseFile(path, ConfigParseOptions.defaults().setAllowMissing(false));
            } catch (ConfigException e) {
                throw new UsageException("--config: " + e.getMessage());
            }
        }
        return ConfigFactory.parseMap(fromCommandLine, "command line")
                .withFallback(file)
                .withFallback(ConfigFactory.load());
    }

    private static TernSettings fromConfig(Config config) throws UsageException {
        Config tern = config.getConfig("tern");
        Path dataDir = Path.of(tern.getString("data-dir"));
        Path mailRoot = derivedPath(tern, "mail-root", dataDir.resolve("mail"));
        Path users = derivedPath(tern, "users", dataDir.resolve("users"));
        StoreFormat store = switch (tern.getString("store").toLowerCase(Locale.ROOT)) {
            case "maildir" -> StoreFormat.MAILDIR;
            case "numbered" -> StoreFormat.NUMBERED;
            default -> throw new UsageException("--store: '" + tern.getString("store") + "' is not maildir or numbered");
        };
        String hostname = tern.getString("hostname").isBlank() ? machineName() : tern.getString("hostname");
        if (!hostname.matches("[A-Za-z0-9]([A-Za-z0-9.-]{0,252})")) {
            throw new UsageException("--hostname: '" + hostname + "' is not a host name");
        }
        Set<String> domains = new LinkedHashSet<>();
        for (String domain : tern.getStringList("domains")) {
            if (!domain.matches("[A-Za-z0-9]([A-Za-z0-9.-]{0,252})")) {
                throw new UsageException("--domain: '" + domain + "' is not a domain name");
            }
            domains.add(domain.toLowerCase(Locale.ROOT));
        }
        if (domains.isEmpty()) {
            domains.add("localhost");
            domains.add(hostname.toLowerCase(Locale.ROOT));
        }
        // CLI.md "More listeners": once any listener is named (command line or file), only the ones named are bound.
        boolean named = LISTENER_KEYS.stream().anyMatch(key -> names(config, key));
        List<InetSocketAddress> inbound = listeners(config, "inbound", named);
        List<InetSocketAddress> outbound = listeners(config, "outbound", named);
        List<InetSocketAddress> smtps = listeners(config, "smtps", named);
        Submission submission = new Submission(listeners(config, "submission", named), submissionSenders(tern));
        List<InetSocketAddress> http = listeners(config, "http", named);
        Path tlsCert = derivedPath(tern, "tls-cert", null);
        Path tlsKey = derivedPath(tern, "tls-key", null);
        if ((tlsCert == null) != (tlsKey == null)) {
            throw new UsageException(tlsCert == null ? "--tls-key needs --tls-cert" : "--tls-cert needs --tls-key");
        }
        for (InetSocketAddress address : outbound) {
            if (!address.getAddress().isLoopbackAddress()) {
                throw new UsageException("--outbound: " + ListenAddress.format(address)
                        + " is not a loopback address; the relaying listener only binds 127.0.0.0/8 or ::1");
            }
        }
        try {
            Autoconfig.ImapServer.parse(config.getString(Autoconfig.IMAP_HOST_KEY), hostname);
        } catch (IllegalArgumentException e) {
            throw new UsageException(Autoconfig.IMAP_HOST_KEY + ": " + e.getMessage());
        }
        checkAliasOptions(tern);
        if (InboundAuthMode.parse(tern.getString("inbound-auth")).isEmpty()) {
            throw new UsageException("--inbound-auth: '" + tern.getString("inbound-auth") + "' is not record, enforce or off");
        }
        dkimKeys(tern); // a key file that cannot be used is a usage error, naming the file
        dnsTrustAnchors(tern);
        long maxSize = positive(tern, "max-message-size", "--max-message-size");
        long minFree = notNegative(tern, "min-free-space", "--min-free-space");
        tlsRpt(config, hostname, dataDir); // checked at load: a value that cannot be used is a usage error
        return new TernSettings(config, dataDir, mailRoot, store, Set.copyOf(domains), users, inbound, outbound,
                smtps, tlsCert, tlsKey, hostname, maxSize, minFree, (int) positive(tern, "max-recipients", "tern.max-recipients"),
                (int) positive(tern, "max-errors", "tern.max-errors"),
                tern.getDuration("idle-timeout"), tern.getDuration("shutdown-grace"),
                RelaySettingsParser.parse(tern, dataDir, hostname), connectionLimits(tern), submission, http, admins(tern),
                ClusterSettings.parse(tern));
    }

    /** The TLS-RPT settings ({@code tern.tls-rpt}). */
    TlsRptSettings tlsRpt() throws UsageException {
        return tlsRpt(config, hostname, dataDir);
    }

    private static TlsRptSettings tlsRpt(Config config, String hostname, Path dataDir) throws UsageException {
        try {
            return TlsRptSettings.from(config.getConfig("tern.tls-rpt"), hostname, dataDir);
        } catch (IllegalArgumentException | ConfigException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private static SubmissionSenderPolicy.Ownership submissionSenders(Config tern) throws UsageException {
        String value = tern.getString("submission-sender");
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "own" -> SubmissionSenderPolicy.Ownership.OWN;
            case "own-local" -> SubmissionSenderPolicy.Ownership.OWN_LOCAL;
            case "any" -> SubmissionSenderPolicy.Ownership.ANY;
            default -> throw new UsageException("tern.submission-sender: '" + value + "' is not own, own-local or any");
        };
    }

    /** Whether the user gave this listener key ({@code off} names no listener, so it keeps the others' defaults). */
    private static boolean names(Config config, String key) {
        return !isBuiltIn(config, "tern." + key) && !config.getStringList("tern." + key).equals(List.of("off"));
    }

    /** A listener key's addresses: none for a default once some listener is named, none for {@code off}. */
    private static List<InetSocketAddress> listeners(Config config, String key, boolean named) throws UsageException {
        boolean builtIn = isBuiltIn(config, "tern." + key);
        List<String> texts = config.getStringList("tern." + key);
        if (builtIn && named || texts.equals(List.of("off"))) {
            return List.of();
        }
        return listeners("--" + key, texts, builtIn);
    }

    /** An aliases file named must exist (DATA/aliases need not); a delimiter is atext specials, not a name. */
    private static void checkAliasOptions(Config tern) throws UsageException {
        String aliases = tern.getString("aliases");
        if (!aliases.isBlank() && !Files.isRegularFile(Path.of(aliases))) {
            throw new UsageException("--aliases: no such file: " + aliases);
        }
        String delimiter = tern.getString("recipient-delimiter");
        for (char c : delimiter.toCharArray()) {
            if ("!#$%&'*+-/=?^_`{|}~".indexOf(c) < 0) { // RFC 5321 §4.1.2 atext, less letters and digits
                throw new UsageException("--recipient-delimiter: '" + delimiter
                        + "': use characters of !#$%&'*+-/=?^_`{|}~ (e.g. +), or empty for none");
            }
        }
    }

    /** {@code --admin}: user-db names. */
    private static Set<String> admins(Config tern) throws UsageException {
        Set<String> admins = new LinkedHashSet<>();
        for (String name : tern.getStringList("admins")) {
            String admin = name.strip().toLowerCase(Locale.ROOT);
            if (UserDb.problemWithName(admin).isPresent()) {
                throw new UsageException("--admin: " + UserDb.problemWithName(admin).get());
            }
            admins.add(admin);
        }
        return Set.copyOf(admins);
    }

    /** {@code max-connections = 0} means: as many as the heap can hold at their worst. */
    private static ConnectionLimits connectionLimits(Config tern) throws UsageException {
        long total = tern.getLong("max-connections");
        if (total < 0) {
            throw new UsageException("tern.max-connections: must be 0 (sized to the heap) or positive");
        }
        return new ConnectionLimits(total == 0 ? ConnectionLimits.totalForHeap(Runtime.getRuntime().maxMemory())
                : (int) Math.min(total, Integer.MAX_VALUE),
                (int) positive(tern, "max-connections-per-client", "tern.max-connections-per-client"),
                tern.getBoolean("limit-loopback-clients"));
    }

    private static boolean isBuiltIn(Config config, String key) {
        String origin = config.getValue(key).origin().description();
        return origin.contains("application.conf");
    }

    private static Path derivedPath(Config tern, String key, Path fallback) {
        String value = tern.getString(key);
        return value.isBlank() ? fallback : Path.of(value);
    }

    private static long positive(Config tern, String key, String option) throws UsageException {
        try {
            long value = tern.getLong(key);
            if (value > 0) {
                return value;
            }
        } catch (ConfigException.WrongType e) {
            // reported below
        }
        throw new UsageException(option + ": '" + tern.getValue(key).unwrapped() + "' is not a positive number");
    }

    private static long notNegative(Config tern, String key, String option) throws UsageException {
        try {
            long value = tern.getLong(key);
            if (value >= 0) {
                return value;
            }
        } catch (ConfigException.WrongType e) {
            // reported below
        }
        throw new UsageException(option + ": '" + tern.getValue(key).unwrapped() + "' is not a number of octets (0 or more)");
    }

    /**
     * The built-in listeners include IPv6 addresses; on a host without IPv6 they fall back
     * ([::] to 0.0.0.0) or are dropped ([::1]). Addresses the user chose are kept as given.
     */
    private static List<InetSocketAddress> listeners(String option, List<String> texts, boolean builtIn)
            throws UsageException {
        List<InetSocketAddress> addresses = new ArrayList<>();
        for (String text : texts) {
            InetSocketAddress address = ListenAddress.parse(option, text);
            if (builtIn && address.getAddress() instanceof java.net.Inet6Address && !Ipv6.available()) {
                if (address.getAddress().isAnyLocalAddress()) {
                    addresses.add(new InetSocketAddress("0.0.0.0", address.getPort()));
                }
                continue;
            }
            addresses.add(address);
        }
        return addresses;
    }

    private static String machineName() {
        try {
            String name = InetAddress.getLocalHost().getHostName();
            if (name != null && !name.isBlank()) {
                return name;
            }
        } catch (java.io.IOException ignored) {
            // fall through
        }
        return "localhost";
    }

    /** Whether this host can bind IPv6 sockets at all. */
    static final class Ipv6 {
        private Ipv6() {
        }

        static boolean available() {
            return Files.exists(Path.of("/proc/net/if_inet6"));
        }
    }
}
