package dev.tern.service;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.InvalidPathException;
import java.security.cert.X509Certificate;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;

import dev.tern.relay.RelaySettings;
import dev.tern.streams.client.ClientTimeouts;
import dev.tern.supervision.BackoffCurve;
import dev.tern.transport.OutboundTls;
import dev.tern.transport.TransportSettings;
import dev.tern.transport.TrustedCertificates;

/** The relaying keys of {@code tern.*}, checked with option names in every message. */
final class RelaySettingsParser {

    /** Up to 20% more than the curve, so domains that failed together do not all retry together. */
    static final double RETRY_JITTER = 0.2;
    private static final int DNS_PORT = 53;

    private RelaySettingsParser() {
    }

    static RelaySettings parse(Config tern, Path dataDir, String hostname) throws UsageException {
        List<InetSocketAddress> dns = new ArrayList<>();
        for (String server : tern.getStringList("dns")) {
            dns.add(dnsServer(server));
        }
        int remotePort = Ports.parse("--remote-port", String.valueOf(tern.getValue("remote-port").unwrapped()), 1);
        OutboundTls outboundTls = switch (tern.getString("outbound-tls").toLowerCase(Locale.ROOT)) {
            case "opportunistic" -> OutboundTls.OPPORTUNISTIC;
            case "required" -> OutboundTls.REQUIRED;
            case "verify" -> OutboundTls.VERIFY;
            case "off" -> OutboundTls.OFF;
            default -> throw new UsageException("--outbound-tls: '" + tern.getString("outbound-tls")
                    + "' is not opportunistic, required, verify or off");
        };
        TransportSettings transport = new TransportSettings(outboundTls, trusted(tern), mtaSts(tern));
        String queueDir = tern.getString("queue-dir");
        Duration initial = duration(tern, "retry-initial", "--retry-initial");
        Duration max = duration(tern, "retry-max", "--retry-max");
        if (max.compareTo(initial) < 0) {
            throw new UsageException("--retry-max: " + tern.getString("retry-max")
                    + " is shorter than --retry-initial " + tern.getString("retry-initial"));
        }
        Config relay = tern.getConfig("relay");
        Config timeouts = relay.getConfig("timeouts");
        return new RelaySettings(
                List.copyOf(dns),
                remotePort,
                outboundTls.startTls(),
                queueDir.isBlank() ? dataDir.resolve("queue") : Path.of(queueDir),
                new BackoffCurve(initial, max, RETRY_JITTER),
                duration(tern, "queue-lifetime", "--queue-lifetime"),
                positiveInt(relay, "max-connections"),
                positiveInt(relay, "max-messages-per-connection"),
                duration(relay, "dns-timeout", "tern.relay.dns-timeout"),
                new ClientTimeouts(
                        duration(timeouts, "connect", "tern.relay.timeouts.connect"),
                        duration(timeouts, "greeting", "tern.relay.timeouts.greeting"),
                        duration(timeouts, "command", "tern.relay.timeouts.command"),
                        duration(timeouts, "mail", "tern.relay.timeouts.mail"),
                        duration(timeouts, "rcpt", "tern.relay.timeouts.rcpt"),
                        duration(timeouts, "data-init", "tern.relay.timeouts.data-init"),
                        duration(timeouts, "data-block", "tern.relay.timeouts.data-block"),
                        duration(timeouts, "data-end", "tern.relay.timeouts.data-end")),
                hostname,
                delayWarning(relay),
                transport);
    }

    /** {@code --tls-trust}: empty for none, else a PEM file of CA certificates that must read. */
    private static List<X509Certificate> trusted(Config tern) throws UsageException {
        String file = tern.getString("tls-trust");
        if (file.isBlank()) {
            return List.of();
        }
        try {
            return TrustedCertificates.read(Path.of(file));
        } catch (IOException | InvalidPathException e) {
            throw new UsageException("--tls-trust: " + e.getMessage());
        }
    }

    /** {@code --mta-sts on|off}; HOCON reads a bare on/off as a boolean. */
    private static boolean mtaSts(Config tern) throws UsageException {
        Object value = tern.getValue("mta-sts").unwrapped();
        if (value instanceof Boolean on) {
            return on;
        }
        return switch (String.valueOf(value).toLowerCase(Locale.ROOT)) {
            case "on", "true", "yes" -> true;
            case "off", "false", "no" -> false;
            default -> throw new UsageException("--mta-sts: '" + value + "' is not on or off");
        };
    }

    /** {@code tern.relay.delay-warning}: a duration, or {@code off} (as 0) for no delay warnings. */
    private static Duration delayWarning(Config relay) throws UsageException {
        if (relay.getValue("delay-warning").unwrapped() instanceof Boolean on) {
            if (!on) {
                return Duration.ZERO; // HOCON reads a bare off as false
            }
            throw new UsageException("tern.relay.delay-warning: 'on' is not a duration or off");
        }
        String text = relay.getString("delay-warning");
        if (text.equalsIgnoreCase("off") || text.matches("0+[a-z]*")) {
            return Duration.ZERO;
        }
        return duration(relay, "delay-warning", "tern.relay.delay-warning");
    }

    /** {@code 127.0.0.1}, {@code 127.0.0.1:5353}, {@code ::1}, {@code [::1]:5353}: numeric, port 53 unless given. */
    static InetSocketAddress dnsServer(String text) throws UsageException {
        boolean bareIpv6 = !text.startsWith("[") && text.indexOf(':') != text.lastIndexOf(':');
        boolean hasPort = !bareIpv6 && (text.startsWith("[") ? text.contains("]:") : text.contains(":"));
        String withPort = hasPort ? text : (bareIpv6 ? "[" + text + "]" : text) + ":" + DNS_PORT;
        try {
            return ListenAddress.parse("--dns", withPort);
        } catch (UsageException e) {
            throw new UsageException("--dns: '" + text + "' is not ADDR or ADDR:PORT with a numeric address "
                    + "(e.g. 127.0.0.1, 127.0.0.1:5353, ::1, [::1]:5353)");
        }
    }

    private static Duration duration(Config config, String key, String option) throws UsageException {
        try {
            Duration value = config.getDuration(key);
            if (value.isNegative() || value.isZero()) {
                throw new UsageException(option + ": '" + config.getValue(key).unwrapped() + "' is not a positive duration");
            }
            return value;
        } catch (ConfigException.BadValue | ConfigException.WrongType e) {
            throw new UsageException(option + ": '" + config.getValue(key).unwrapped()
                    + "' is not a duration (e.g. 500ms, 30s, 5m, 5d)");
        }
    }

    private static int positiveInt(Config relay, String key) throws UsageException {
        try {
            int value = relay.getInt(key);
            if (value > 0) {
                return value;
            }
        } catch (ConfigException.WrongType e) {
            // reported below
        }
        throw new UsageException("tern.relay." + key + ": '" + relay.getValue(key).unwrapped() + "' is not a positive number");
    }
}
