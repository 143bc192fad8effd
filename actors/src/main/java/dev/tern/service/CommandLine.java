package dev.tern.service;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Tern's command line (shared/CLI.md is the contract): getopt-style short and long
 * options, {@code --opt value} or {@code --opt=value}. Options that set configuration map
 * to the {@code tern.*} key of the same name, so a HOCON file and the command line speak
 * one language; the command line wins.
 */
final class CommandLine {

    /** How an option is used. */
    enum Kind { FLAG, VALUE, REPEATABLE }

    /** Every option Tern knows, with its configuration key where it has one. */
    enum Option {
        CONFIG("-c", "--config", Kind.VALUE, null, "FILE", "HOCON file layered over the built-in defaults"),
        DATA_DIR(null, "--data-dir", Kind.VALUE, "data-dir", "DIR", "base for the defaults below (default ./var)"),
        MAIL_ROOT("-m", "--mail-root", Kind.VALUE, "mail-root", "DIR", "mailbox root (default DATA/mail)"),
        STORE(null, "--store", Kind.VALUE, "store", "maildir|numbered", "mailbox format (default maildir)"),
        DOMAIN("-d", "--domain", Kind.REPEATABLE, "domains", "DOMAIN", "a local domain (default localhost + host name)"),
        USERS("-u", "--users", Kind.VALUE, "users", "FILE", "user db, name:{SCHEME}hash a line (default DATA/users)"),
        INBOUND(null, "--inbound", Kind.REPEATABLE, "inbound", "ADDR:PORT", "local-users listener (default [::]:2525)"),
        OUTBOUND(null, "--outbound", Kind.REPEATABLE, "outbound", "ADDR:PORT",
                "loopback listener that may relay (default 127.0.0.1:2587, [::1]:2587)"),
        SMTPS(null, "--smtps", Kind.REPEATABLE, "smtps", "ADDR:PORT",
                "implicit-TLS listener, inbound policy unless authenticated (default [::]:4465)"),
        SUBMISSION(null, "--submission", Kind.REPEATABLE, "submission", "ADDR:PORT",
                "mail submission listener (RFC 6409): STARTTLS, AUTH before MAIL, then any recipient (default: none)"),
        HTTP(null, "--http", Kind.REPEATABLE, "http", "ADDR:PORT|off",
                "web page and JSON API listener; off: none (default 127.0.0.1:8025)"),
        ADMIN(null, "--admin", Kind.REPEATABLE, "admins", "NAME", "user-db name allowed to administer (web page, API)"),
        ALIASES(null, "--aliases", Kind.VALUE, "aliases", "FILE",
                "aliases, name: target, target a line; re-read on change (default DATA/aliases if present)"),
        RECIPIENT_DELIMITER(null, "--recipient-delimiter", Kind.VALUE, "recipient-delimiter", "C",
                "alice+tag@ is delivered to alice; empty: no sub-addresses (default +)"),
        INBOUND_AUTH(null, "--inbound-auth", Kind.VALUE, "inbound-auth", "record|enforce|off",
                "record: Authentication-Results: (SPF, DKIM, DMARC) on mail from outside; enforce: also refuse "
                        + "DMARC p=reject failures (550 5.7.1) and mark quarantine; off: no checks (default record)"),
        DKIM_KEY(null, "--dkim-key", Kind.REPEATABLE, "dkim-keys", "DOMAIN:SELECTOR:FILE",
                "sign mail whose From: is in DOMAIN with this PEM key, RSA or Ed25519 (default: none)"),
        TLS_CERT(null, "--tls-cert", Kind.VALUE, "tls-cert", "FILE", "PEM certificate chain (default: self-signed in DATA/tls)"),
        TLS_KEY(null, "--tls-key", Kind.VALUE, "tls-key", "FILE", "PEM private key, PKCS#8 or PKCS#1"),
        HOSTNAME(null, "--hostname", Kind.VALUE, "hostname", "NAME", "name in banner, EHLO and Received: (default: machine's name)"),
        DNS(null, "--dns", Kind.REPEATABLE, "dns", "ADDR[:PORT]", "DNS resolver to query for relaying (default: system resolvers)"),
        REMOTE_PORT(null, "--remote-port", Kind.VALUE, "remote-port", "PORT", "TCP port of remote MX hosts (default 25)"),
        OUTBOUND_TLS(null, "--outbound-tls", Kind.VALUE, "outbound-tls", "opportunistic|required|verify|off",
                "STARTTLS toward remote MX; verify: also a certificate valid for the MX host name, else defer "
                        + "(default opportunistic)"),
        TLS_TRUST(null, "--tls-trust", Kind.VALUE, "tls-trust", "FILE",
                "PEM CA certificates trusted besides the system's, for outbound TLS and MTA-STS policy fetches "
                        + "(default: none)"),
        MTA_STS(null, "--mta-sts", Kind.VALUE, "mta-sts", "on|off",
                "honour destinations' MTA-STS policies (RFC 8461) (default on)"),
        QUEUE_DIR(null, "--queue-dir", Kind.VALUE, "queue-dir", "DIR", "outbound queue spool (default DATA/queue)"),
        QUEUE_DB(null, "--queue-db", Kind.VALUE, "queue-db", "URL",
                "JDBC URL of a shared PostgreSQL queue, e.g. jdbc:postgresql://HOST:5432/tern?user=U&password=P; "
                        + "Tern creates its tables (default: the queue is --queue-dir files)"),
        CLUSTER_BIND(null, "--cluster-bind", Kind.VALUE, "cluster-bind", "HOST:PORT",
                "this node's cluster address (Pekko Cluster over TCP); turns cluster mode on, needs --cluster-seed "
                        + "and --queue-db (default: one node)"),
        CLUSTER_SEED(null, "--cluster-seed", Kind.REPEATABLE, "cluster-seed", "HOST:PORT",
                "a seed node to join (a node may name itself; the first forms the cluster)"),
        RETRY_INITIAL(null, "--retry-initial", Kind.VALUE, "retry-initial", "DUR", "first retry delay (default 1m)"),
        RETRY_MAX(null, "--retry-max", Kind.VALUE, "retry-max", "DUR", "longest retry delay (default 1h)"),
        QUEUE_LIFETIME(null, "--queue-lifetime", Kind.VALUE, "queue-lifetime", "DUR",
                "give up and bounce after this long in the queue (default 5d)"),
        MAX_MESSAGE_SIZE(null, "--max-message-size", Kind.VALUE, "max-message-size", "BYTES",
                "SIZE limit (default 36700160)"),
        MIN_FREE_SPACE(null, "--min-free-space", Kind.VALUE, "min-free-space", "BYTES",
                "below this free on mail root, spool or queue, MAIL gets 452 4.3.1; 0: off (default 67108864)"),
        SELECTOR(null, "--selector", Kind.VALUE, null, "S", "dkim keygen: the key's selector (default tern-YYYYMM)"),
        ALGORITHM(null, "--algorithm", Kind.VALUE, null, "rsa|ed25519", "dkim keygen: key type (default rsa, 2048 bits)"),
        PASSWORD_STDIN(null, "--password-stdin", Kind.FLAG, null, null, "user add/passwd: read the password from stdin"),
        ALL(null, "--all", Kind.FLAG, null, null, "check: print every tern.* setting, not only those differing from the defaults"),
        HELP("-h", "--help", Kind.FLAG, null, null, "show this help"),
        VERSION(null, "--version", Kind.FLAG, null, null, "print the version");

        final String shortName;
        final String longName;
        final Kind kind;
        final String configKey;
        final String valueName;
        final String description;

        Option(String shortName, String longName, Kind kind, String configKey, String valueName, String description) {
            this.shortName = shortName;
            this.longName = longName;
            this.kind = kind;
            this.configKey = configKey;
            this.valueName = valueName;
            this.description = description;
        }

        static Optional<Option> named(String name) {
            for (Option option : values()) {
                if (name.equals(option.longName) || name.equals(option.shortName)) {
                    return Optional.of(option);
                }
            }
            return Optional.empty();
        }
    }

    /** The command words (e.g. {@code user add alice}) and the options given, in order. */
    record Parsed(List<String> words, Map<Option, List<String>> options) {
        boolean has(Option option) {
            return options.containsKey(option);
        }

        Optional<String> value(Option option) {
            List<String> values = options.get(option);
            return values == null ? Optional.empty() : Optional.of(values.get(values.size() - 1));
        }
    }

    private CommandLine() {
    }

    static Parsed parse(String[] args) throws UsageException {
        List<String> words = new ArrayList<>();
        Map<Option, List<String>> options = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--")) {
                words.addAll(List.of(args).subList(i + 1, args.length));
                break;
            }
            if (!arg.startsWith("-") || arg.equals("-")) {
                words.add(arg);
                continue;
            }
            String name = arg;
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                name = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            }
            String given = name;
            Option option = Option.named(name).orElseThrow(() -> new UsageException(
                    "unknown option " + given + " (see ./tern --help)"));
            if (option.kind == Kind.FLAG) {
                if (value != null) {
                    throw new UsageException(option.longName + " takes no value");
                }
                options.computeIfAbsent(option, o -> new ArrayList<>()).add("true");
                continue;
            }
            if (value == null) {
                if (i + 1 >= args.length) {
                    throw new UsageException(option.longName + " needs a value: " + option.valueName);
                }
                value = args[++i];
            }
            if (option.kind == Kind.VALUE && options.containsKey(option)) {
                throw new UsageException(option.longName + " given twice");
            }
            options.computeIfAbsent(option, o -> new ArrayList<>()).add(value);
        }
        return new Parsed(List.copyOf(words), options);
    }

    static String help() {
        StringBuilder text = new StringBuilder("""
                Usage: ./tern [run] [OPTIONS]          run the mail server (foreground, SIGTERM stops)
                       ./tern user add NAME [--password-stdin]
                       ./tern user del NAME
                       ./tern user list
                       ./tern user passwd NAME --password-stdin
                       ./tern queue list                  queued mail: recipients, attempts, next try, last error
                       ./tern queue flush                 retry all queued mail now (running service)
                       ./tern queue remove ID             delete one queue entry without a bounce
                       ./tern dkim keygen DOMAIN [--selector S] [--algorithm rsa|ed25519]
                                                          write DATA/dkim/DOMAIN.S.key, print its DNS TXT record
                       ./tern check [OPTIONS] [--all]     validate the configuration and print the tern.* settings
                                                          that differ from the built-in defaults (key = value, sorted)

                Options:
                """);
        for (Option option : Option.values()) {
            String names = (option.shortName == null ? "    " : option.shortName + ", ") + option.longName
                    + (option.valueName == null ? "" : " " + option.valueName);
            text.append(String.format("  %-40s %s%s%n", names, option.description,
                    option.kind == Kind.REPEATABLE ? "; repeatable" : ""));
        }
        text.append("""

                Exit codes: 0 success, 1 runtime failure, 2 bad option or value.
                A line 'ready' on stdout means every listener is bound.
                """);
        return text.toString();
    }
}
