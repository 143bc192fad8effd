package dev.tern.tlsrpt;

import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BiFunction;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;

/**
 * The {@code tern.tls-rpt} settings (documented in application.conf).
 *
 * @param enabled      count sessions and send reports at all
 * @param interval     one day: each UTC day's reports go out after midnight plus up to {@code jitter}; shorter
 *                     (tests): every interval, with whatever has been counted so far, today included
 * @param jitter       the most a daily report waits after midnight, so that senders do not all post at 00:00
 * @param saveInterval how often changed counts are written to {@code stateFile}
 * @param maxDomains   policy domains held per day at most; sessions to more are not counted
 * @param maxDetails   failure-detail rows held at most; failures beyond them count in the totals only
 * @param httpTimeout  the most one https POST may take, response included
 * @param submitter    this host's name: organization-name and TLS-Report-Submitter
 * @param contact      contact-info, and the From: of mailed reports
 * @param stateFile    where the counts are kept between restarts (0600)
 */
public record TlsRptSettings(boolean enabled, Duration interval, Duration jitter, Duration saveInterval,
                             int maxDomains, int maxDetails, Duration httpTimeout, String submitter, String contact,
                             Path stateFile) {

    public static final Duration DAY = Duration.ofDays(1);

    public TlsRptSettings {
        positive("interval", interval);
        positive("save-interval", saveInterval);
        positive("http-timeout", httpTimeout);
        if (jitter.isNegative()) {
            throw new IllegalArgumentException("tern.tls-rpt.jitter: must not be negative");
        }
        if (maxDomains < 1 || maxDetails < 1) {
            throw new IllegalArgumentException("tern.tls-rpt.max-domains and max-failure-details: at least 1");
        }
        if (!contact.matches("[^@\\s]+@[A-Za-z0-9.-]+")) {
            throw new IllegalArgumentException("tern.tls-rpt.contact: '" + contact + "' is not a mail address");
        }
    }

    private static void positive(String key, Duration value) {
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException("tern.tls-rpt." + key + ": must be more than 0");
        }
    }

    /**
     * Reads {@code tern.tls-rpt}; the contact is postmaster@ the host name unless set.
     *
     * @throws IllegalArgumentException naming the key whose value cannot be used
     */
    public static TlsRptSettings from(Config tlsRpt, String hostname, Path dataDir) {
        String contact = value(tlsRpt, "contact", Config::getString);
        return new TlsRptSettings(value(tlsRpt, "enabled", Config::getBoolean),
                value(tlsRpt, "interval", Config::getDuration), value(tlsRpt, "jitter", Config::getDuration),
                value(tlsRpt, "save-interval", Config::getDuration), value(tlsRpt, "max-domains", Config::getInt),
                value(tlsRpt, "max-failure-details", Config::getInt),
                value(tlsRpt, "http-timeout", Config::getDuration), hostname,
                contact.isBlank() ? "postmaster@" + hostname : contact,
                dataDir.resolve("tls-rpt").resolve("counts.json"));
    }

    /** One key's value; a value of the wrong type is an error naming the key in full. */
    private static <T> T value(Config tlsRpt, String key, BiFunction<Config, String, T> get) {
        try {
            return get.apply(tlsRpt, key);
        } catch (ConfigException e) {
            throw new IllegalArgumentException("tern.tls-rpt." + key + ": " + e.getMessage(), e);
        }
    }

    boolean daily() {
        return interval.compareTo(DAY) >= 0;
    }
}
