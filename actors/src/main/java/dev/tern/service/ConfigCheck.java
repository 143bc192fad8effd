package dev.tern.service;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;

import dev.tern.aliases.AliasFile;
import dev.tern.aliases.AliasProblem;
import dev.tern.aliases.AliasTable;
import dev.tern.tls.PemCredentials;
import dev.tern.tls.TlsContexts;
import dev.tern.tls.TlsCredentials;
import dev.tern.tls.TlsCredentialsException;

/**
 * {@code tern check}: validates the configuration exactly as {@code run} does (the same
 * {@link TernSettings}), loads the TLS certificate and key if files are given, and prints the
 * effective {@code tern.*} settings as {@code postconf -n} does: one {@code key = value} a
 * line, sorted, those that differ from the built-in defaults ({@code --all}: every one).
 * Values are printed as HOCON, so a line can be pasted into a configuration file. Nothing is
 * bound, created or written. A key Tern does not know is a warning on stderr (a typo would be
 * ignored by {@code run}); an invalid value is a usage error naming the key.
 */
final class ConfigCheck {

    private static final ConfigRenderOptions HOCON_VALUE = ConfigRenderOptions.concise();

    private ConfigCheck() {
    }

    static int run(CommandLine.Parsed parsed, PrintStream out, PrintStream err) throws UsageException {
        TernSettings settings;
        try {
            settings = TernSettings.load(parsed);
        } catch (UsageException e) {
            throw new UsageException(namingTheKey(e.getMessage()));
        }
        checkTls(settings);
        checkAliases(settings, err);
        Config effective = settings.config().getConfig("tern");
        Config defaults = ConfigFactory.load().getConfig("tern");
        for (String unknown : unknownKeys(effective, defaults)) {
            err.println("tern: warning: tern." + unknown + " is not a setting Tern knows; it is ignored (a typo?)");
        }
        for (Map.Entry<String, String> line : settings(effective, defaults, parsed.has(CommandLine.Option.ALL))
                .entrySet()) {
            out.println("tern." + line.getKey() + " = " + line.getValue());
        }
        out.flush();
        return Main.OK;
    }

    /** Sorted key to rendered value: those differing from {@code defaults}, or every one. */
    static Map<String, String> settings(Config effective, Config defaults, boolean all) {
        Map<String, String> lines = new TreeMap<>();
        for (Map.Entry<String, ConfigValue> entry : effective.entrySet()) {
            String key = entry.getKey();
            if (!defaults.hasPathOrNull(key)) {
                continue; // warned about, not a setting
            }
            boolean isDefault = defaults.getValue(key).unwrapped().equals(entry.getValue().unwrapped());
            if (all || !isDefault) {
                lines.put(key, entry.getValue().render(HOCON_VALUE));
            }
        }
        return lines;
    }

    /** Keys set that no built-in default has, each named at its first unknown part ({@code relay.timeout}). */
    static Set<String> unknownKeys(Config effective, Config defaults) {
        Set<String> unknown = new TreeSet<>();
        for (String key : effective.entrySet().stream().map(Map.Entry::getKey).toList()) {
            List<String> parts = ConfigUtil.splitPath(key);
            for (int i = 1; i <= parts.size(); i++) {
                String prefix = ConfigUtil.joinPath(parts.subList(0, i));
                if (!defaults.hasPathOrNull(prefix)) {
                    unknown.add(prefix);
                    break;
                }
            }
        }
        return unknown;
    }

    /** The certificate and key as run would load them, each error naming the key of the file at fault. */
    private static void checkTls(TernSettings settings) throws UsageException {
        if (settings.tlsCert() == null) {
            return; // the self-signed pair is made (or reused) at start
        }
        try {
            PemCredentials.readCertificateChain(settings.tlsCert());
        } catch (TlsCredentialsException e) {
            throw new UsageException(keyAndOption(CommandLine.Option.TLS_CERT) + ": " + e.getMessage());
        }
        TlsCredentials credentials;
        try {
            credentials = PemCredentials.load(settings.tlsCert(), settings.tlsKey());
        } catch (TlsCredentialsException e) { // the chain read fine: the key is missing, malformed or not its key
            throw new UsageException(keyAndOption(CommandLine.Option.TLS_KEY) + ": " + e.getMessage());
        }
        try {
            TlsContexts.serverContext(credentials);
        } catch (TlsCredentialsException e) {
            throw new UsageException(keyAndOption(CommandLine.Option.TLS_CERT) + ": " + e.getMessage());
        }
    }

    /**
     * The aliases file as run would read it: each problem (syntax, loop, over-deep chain) on
     * stderr as {@code file:line: message}, then a usage error, as {@code postalias} fails.
     */
    private static void checkAliases(TernSettings settings, PrintStream err) throws UsageException {
        Path file = settings.aliasesFile();
        List<AliasProblem> problems;
        try {
            problems = AliasTable.of(file, AliasFile.read(file, settings.domains())).problems();
        } catch (IOException e) {
            throw new UsageException(keyAndOption(CommandLine.Option.ALIASES) + ": cannot read " + file + ": "
                    + e.getMessage());
        }
        for (AliasProblem problem : problems) {
            err.println("tern: error: " + problem);
        }
        if (!problems.isEmpty()) {
            throw new UsageException(keyAndOption(CommandLine.Option.ALIASES) + ": " + problems.size()
                    + (problems.size() == 1 ? " line" : " lines") + " in error in " + file
                    + " (left out when running)");
        }
    }

    /**
     * TernSettings' messages name the option ({@code --store: 'mbox' is not ...}); in a check
     * the value may as well come from the file, so the key goes first:
     * {@code tern.store (--store): 'mbox' is not ...}.
     */
    static String namingTheKey(String message) {
        for (CommandLine.Option option : CommandLine.Option.values()) {
            if (option.configKey != null && message.startsWith(option.longName + ":")) {
                return keyAndOption(option) + message.substring(option.longName.length());
            }
        }
        return message;
    }

    private static String keyAndOption(CommandLine.Option option) {
        return "tern." + option.configKey + " (" + option.longName + ")";
    }
}
