package dev.tern.tlsrpt;

import java.nio.file.Path;
import java.time.Duration;

import com.typesafe.config.Config;

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

    /** Reads {@code tern.tls-rpt}; the contact is postmaster@ the host name unless set. */
    public static TlsRptSettings from(Config tlsRpt, String hostname, Path dataDir) {
        String contact = tlsRpt.getString("contact");
        return new TlsRptSettings(tlsRpt.getBoolean("enabled"), tlsRpt.getDuration("interval"),
                tlsRpt.getDuration("jitter"), tlsRpt.getDuration("save-interval"), tlsRpt.getInt("max-domains"),
                tlsRpt.getInt("max-failure-details"), tlsRpt.getDuration("http-timeout"), hostname,
                contact.isBlank() ? "postmaster@" + hostname : contact,
                dataDir.resolve("tls-rpt").resolve("counts.json"));
    }

    boolean daily() {
        return interval.compareTo(DAY) >= 0;
    }
}
