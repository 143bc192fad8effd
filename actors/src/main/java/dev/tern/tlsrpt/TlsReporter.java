package dev.tern.tlsrpt;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.random.RandomGenerator;

import javax.net.ssl.SSLContext;

import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

import dev.tern.files.AtomicFiles;
import dev.tern.files.PrivateFiles;
import dev.tern.protocol.mailauth.DnsLookup;
import dev.tern.protocol.mailauth.DnsResult;
import dev.tern.protocol.tlsrpt.ReportUri;
import dev.tern.protocol.tlsrpt.TlsRptRecord;
import dev.tern.streams.client.TlsFailure;
import dev.tern.transport.PolicyRef;
import dev.tern.transport.TlsResults;

/**
 * SMTP TLS Reporting (RFC 8460): counts every outbound session's TLS outcome per UTC day, policy domain and
 * policy, and once a day sends each policy domain that asks for it (its {@code _smtp._tls} TXT record, §3) the
 * aggregate report of §4.4, gzipped: to mailto addresses as a message through the queue (§5.3), to https URIs
 * as a POST (§5.2), to at most {@link TlsRptRecord#MAX_RUA} URIs. A domain without a record gets nothing; its
 * counts are dropped.
 *
 * <p>Relays report through {@link #results(ActorRef)}, which only sends a message: it never blocks. Memory is
 * bounded ({@link TlsCounts}); the counts are written to a 0600 file at most every {@code save-interval}, and
 * read back at start, so a restart loses at most that much. A report's counts are dropped once it is handed on
 * (sent, queued, or refused): a report is sent at most once, as RFC 8460 allows.
 */
public final class TlsReporter extends AbstractBehavior<TlsReporter.Command> {

    public sealed interface Command {
    }

    /** Where mailed reports enter the queue; until this arrives, mailto reports are not sent. */
    public record MailThrough(MailEntry entry) implements Command {
    }

    /**
     * Report everything counted so far, today included, now (tests and operators); answered once every
     * report has been handed on (posted, queued, or failed).
     */
    public record ReportNow(ActorRef<Done> replyTo) implements Command {
    }

    private record Succeeded(PolicyRef policy, String mxHost, Instant at) implements Command {
    }

    private record Failed(PolicyRef policy, String mxHost, InetAddress receivingIp, TlsFailure failure,
                          String reason, Instant at) implements Command {
    }

    private enum Save implements Command {
        INSTANCE
    }

    private enum Scheduled implements Command {
        INSTANCE
    }

    private record Discovered(DomainPeriod period, DnsResult<String> txt, Optional<ActorRef<Done>> replyTo)
            implements Command {
    }

    private record Sent(String domain, ReportUri uri, String outcome, Optional<ActorRef<Done>> replyTo)
            implements Command {
    }

    /** The relays' sink: each outcome becomes a message to the reporter. */
    public static TlsResults results(ActorRef<Command> reporter, Clock clock) {
        return new TlsResults() {
            @Override
            public void success(PolicyRef policy, String mxHost) {
                reporter.tell(new Succeeded(policy, mxHost, clock.instant()));
            }

            @Override
            public void failure(PolicyRef policy, String mxHost, InetAddress receivingIp, TlsFailure failure,
                                String reason) {
                reporter.tell(new Failed(policy, mxHost, receivingIp, failure, reason, clock.instant()));
            }
        };
    }

    /** A period whose report is due, waiting for its domain's lookup; who asked for it, if anyone. */
    private record Due(DomainPeriod period, Optional<ActorRef<Done>> replyTo) {
    }

    /** DNS lookups of {@code _smtp._tls} records out at once, at most. */
    private static final int MAX_LOOKUPS = 16;

    private final ActorContext<Command> context;
    private final TimerScheduler<Command> timers;
    private final Deque<Due> waiting = new ArrayDeque<>();
    private int lookups;
    private final TlsRptSettings settings;
    private final DnsLookup dns;
    private final HttpsReports https;
    private final MailedReports mail;
    private final Clock clock;
    private final RandomGenerator random;
    private final TlsCounts counts;
    private Optional<MailEntry> mailEntry = Optional.empty();
    private boolean dirty;
    private long overflowLogged;
    /** Reports (and lookups) still out per ReportNow request, to answer it when all are done. */
    private final Map<ActorRef<Done>, Integer> outstanding = new HashMap<>();

    private TlsReporter(ActorContext<Command> context, TimerScheduler<Command> timers, TlsRptSettings settings,
                        DnsLookup dns, HttpsReports https, MailedReports mail, Clock clock, RandomGenerator random) {
        super(context);
        this.context = context;
        this.timers = timers;
        this.settings = settings;
        this.dns = dns;
        this.https = https;
        this.mail = mail;
        this.clock = clock;
        this.random = random;
        this.counts = new TlsCounts(settings.maxDomains(), settings.maxDetails());
        load();
        timers.startTimerWithFixedDelay(Save.INSTANCE, Save.INSTANCE, settings.saveInterval());
        scheduleReports();
    }

    /**
     * @param dns         asks for the {@code _smtp._tls} TXT records (through {@code --dns})
     * @param trust       verifies the certificates of https report servers
     * @param incomingDir where mailed reports are staged before the router takes them
     */
    public static Behavior<Command> create(TlsRptSettings settings, DnsLookup dns, SSLContext trust,
                                           Path incomingDir, Clock clock, RandomGenerator random) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers -> new TlsReporter(context, timers, settings,
                dns, new HttpsReports(context.getSystem(), trust, settings.httpTimeout()),
                new MailedReports(settings, incomingDir, clock, context.getSystem().scheduler()), clock, random)));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Succeeded.class, this::onSucceeded)
                .onMessage(Failed.class, this::onFailed)
                .onMessage(MailThrough.class, through -> {
                    mailEntry = Optional.of(through.entry());
                    return this;
                })
                .onMessage(Save.class, save -> {
                    saveIfChanged();
                    return this;
                })
                .onMessage(Scheduled.class, this::onScheduled)
                .onMessage(ReportNow.class, now -> report(counts.takeBefore(LocalDate.MAX),
                        Optional.of(now.replyTo())))
                .onMessage(Discovered.class, this::onDiscovered)
                .onMessage(Sent.class, this::onSent)
                .onSignal(PostStop.class, stop -> {
                    saveIfChanged(); // a clean stop loses nothing
                    return this;
                })
                .build();
    }

    private Behavior<Command> onSucceeded(Succeeded success) {
        counts.success(day(success.at()), success.policy());
        return changed();
    }

    private Behavior<Command> onFailed(Failed failed) {
        counts.failure(day(failed.at()), failed.policy(), failed.mxHost(), failed.receivingIp(), failed.failure(),
                failed.reason());
        return changed();
    }

    private Behavior<Command> changed() {
        dirty = true;
        long overflow = counts.overflowSessions() + counts.overflowDetails() + counts.overflowPolicies()
                + counts.cutPolicies();
        // logged the first time, then each time the number doubles: visible, but not once a session
        if ((overflow > 0 && overflowLogged == 0) || (overflowLogged > 0 && overflow >= 2 * overflowLogged)) {
            overflowLogged = overflow;
            context.getLog().warn("tls-rpt: limits reached: {} sessions not counted (max-domains {}), {} failures"
                            + " without detail rows (max-failure-details {}), {} sessions not counted (more than {}"
                            + " policies of one domain a day), {} policies with their strings cut to {} octets",
                    counts.overflowSessions(), settings.maxDomains(), counts.overflowDetails(),
                    settings.maxDetails(), counts.overflowPolicies(), TlsCounts.MAX_POLICIES, counts.cutPolicies(),
                    TlsCounts.MAX_POLICY_OCTETS);
        }
        return this;
    }

    private static LocalDate day(Instant at) {
        return LocalDate.ofInstant(at, ZoneOffset.UTC);
    }

    /** Daily: after the next UTC midnight plus jitter; a shorter interval: every interval. */
    private void scheduleReports() {
        Duration delay = settings.interval();
        if (settings.daily()) {
            Instant now = clock.instant();
            Instant midnight = day(now).plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
            long jitter = settings.jitter().isZero() ? 0 : random.nextLong(settings.jitter().toMillis());
            delay = Duration.between(now, midnight).plusMillis(jitter);
        }
        timers.startSingleTimer(Scheduled.INSTANCE, Scheduled.INSTANCE, delay);
    }

    private Behavior<Command> onScheduled(Scheduled tick) {
        scheduleReports();
        return report(settings.daily() ? counts.takeBefore(day(clock.instant())) : counts.takeBefore(LocalDate.MAX),
                Optional.empty());
    }

    private Behavior<Command> report(List<DomainPeriod> periods, Optional<ActorRef<Done>> replyTo) {
        if (!periods.isEmpty()) {
            context.getLog().info("tls-rpt: {} report(s) due, one per policy domain and UTC day", periods.size());
            dirty = true;
            saveIfChanged(); // taken: a restart from here on does not report them twice
        }
        replyTo.ifPresent(r -> outstanding.merge(r, periods.size(), Integer::sum));
        periods.forEach(period -> waiting.add(new Due(period, replyTo)));
        lookUp();
        replyTo.ifPresent(this::answerIfDone);
        return this;
    }

    /** Starts lookups while fewer than {@link #MAX_LOOKUPS} are out: at midnight thousands of domains may be due. */
    private void lookUp() {
        while (lookups < MAX_LOOKUPS && !waiting.isEmpty()) {
            Due due = waiting.poll();
            lookups++;
            context.pipeToSelf(dns.txt(TlsRptRecord.name(due.period().policyDomain())),
                    (txt, error) -> new Discovered(due.period(), txt != null ? txt
                            : new DnsResult.Failed<>(String.valueOf(error)), due.replyTo()));
        }
    }

    private Behavior<Command> onDiscovered(Discovered discovered) {
        lookups--;
        lookUp();
        DomainPeriod period = discovered.period();
        String domain = period.policyDomain();
        if (discovered.txt() instanceof DnsResult.Failed<String> failed) {
            // a temporary DNS error: keep the counts for the next round rather than lose them
            context.getLog().warn("tls-rpt: {} not reported now: _smtp._tls lookup failed: {}; kept for the next"
                    + " report", domain, failed.reason());
            counts.add(period);
            dirty = true;
            done(discovered.replyTo(), 1);
            return this;
        }
        TlsRptRecord.Discovery discovery = TlsRptRecord.discover(discovered.txt() instanceof DnsResult.Records<String> records
                ? records.values() : List.of());
        if (discovery instanceof TlsRptRecord.NotPublished none) {
            context.getLog().debug("tls-rpt: {} takes no reports: {}", domain, none.why());
            done(discovered.replyTo(), 1);
            return this;
        }
        List<ReportUri> rua = ((TlsRptRecord.Published) discovery).record().rua();
        String reportId = period.day() + "." + HexFormat.of().toHexDigits(random.nextLong()) + "@"
                + settings.submitter();
        Report report = new Report(period, reportId, ReportJson.gzip(ReportJson.report(period,
                settings.submitter(), settings.contact(), reportId)));
        discovered.replyTo().ifPresent(r -> outstanding.merge(r, rua.size(), Integer::sum));
        for (ReportUri uri : rua) {
            if (uri instanceof ReportUri.Https post) {
                context.pipeToSelf(https.post(post.uri(), report.gzippedJson()), (outcome, error) -> new Sent(domain,
                        uri, outcome instanceof HttpsReports.Accepted ok ? "posted (HTTP " + ok.status() + ")"
                        : outcome instanceof HttpsReports.Refused refused ? "not posted: " + refused.why()
                        : "not posted: " + error, discovered.replyTo()));
            } else if (mailEntry.isPresent()) {
                context.pipeToSelf(mail.send(report, ((ReportUri.Mailto) uri).address(), mailEntry.get()),
                        (outcome, error) -> new Sent(domain, uri, outcome != null ? outcome : "not sent: " + error,
                                discovered.replyTo()));
            } else {
                context.getLog().warn("tls-rpt: report {} for {} to {} not sent: this node does not relay", reportId,
                        domain, uri);
                done(discovered.replyTo(), 1);
            }
        }
        done(discovered.replyTo(), 1);
        return this;
    }

    private Behavior<Command> onSent(Sent sent) {
        context.getLog().info("tls-rpt: report for {} to {}: {}", sent.domain(), sent.uri(), sent.outcome());
        done(sent.replyTo(), 1);
        return this;
    }

    private void done(Optional<ActorRef<Done>> replyTo, int finished) {
        replyTo.ifPresent(r -> {
            outstanding.merge(r, -finished, Integer::sum);
            answerIfDone(r);
        });
    }

    private void answerIfDone(ActorRef<Done> replyTo) {
        Integer left = outstanding.get(replyTo);
        if (left != null && left <= 0) {
            outstanding.remove(replyTo);
            replyTo.tell(Done.getInstance());
        }
    }

    private void load() {
        try {
            String text = Files.readString(settings.stateFile(), StandardCharsets.UTF_8);
            ReportJson.readCounts(text).forEach(counts::add);
        } catch (NoSuchFileException absent) {
            // nothing counted yet
        } catch (IOException | RuntimeException e) {
            context.getLog().error("tls-rpt: {} unreadable ({}); counting starts afresh", settings.stateFile(),
                    e.toString());
        }
    }

    private void saveIfChanged() {
        if (!dirty) {
            return;
        }
        try {
            PrivateFiles.createDirectories(settings.stateFile().getParent());
            AtomicFiles.write(settings.stateFile(), ReportJson.counts(counts.snapshot()), PrivateFiles.FILE);
            dirty = false;
        } catch (IOException e) {
            context.getLog().error("tls-rpt: cannot save the counts to {}: {}", settings.stateFile(), e.toString());
        }
    }
}
