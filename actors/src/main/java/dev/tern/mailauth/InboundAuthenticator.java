package dev.tern.mailauth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import dev.tern.protocol.ReversePath;
import dev.tern.protocol.Replies;
import dev.tern.protocol.SmtpReply;
import dev.tern.protocol.dmarc.DmarcEvaluator;
import dev.tern.protocol.dmarc.DmarcPolicy;
import dev.tern.protocol.dmarc.DmarcResult;
import dev.tern.protocol.dmarc.DmarcVerdict;
import dev.tern.protocol.dmarc.FromDomain;
import dev.tern.protocol.mailauth.AuthenticationResults;
import dev.tern.protocol.mailauth.DnsLookup;
import dev.tern.protocol.spf.SpfResult;
import dev.tern.store.StagedCopy;
import dev.tern.store.StagedMessage;

/**
 * Authenticates a message received from outside before it is stored: SPF, DKIM and DMARC,
 * the results in an Authentication-Results: field (RFC 8601) in front of a copy of the staged
 * message from which fields carrying our authserv-id were removed (§5). File work runs on the
 * blocking executor, DNS asynchronously; every DNS failure or deadline is a temperror, never a
 * refusal. In {@link InboundAuthMode#ENFORCE} a DMARC failure whose disposition is reject is
 * refused (550 5.7.1, RFC 7489 §6.7) and one whose disposition is quarantine is delivered marked
 * {@value #QUARANTINE_FIELD}.
 */
public final class InboundAuthenticator {

    /** The header that marks a message the From domain asked to quarantine (enforce mode). */
    public static final String QUARANTINE_FIELD = "X-Tern-Quarantine: dmarc";

    /** What a message came with: its client, HELO, MAIL FROM and staged octets. */
    public record Inbound(String messageId, InetAddress client, String helo, ReversePath sender,
                          StagedMessage staged) {
    }

    /** What becomes of the message. */
    public sealed interface Outcome {
    }

    /** Store this staged file (a new one, with the results in it) instead of the one received. */
    public record Deliver(StagedMessage staged, String summary) implements Outcome {
    }

    /** Refuse the message with this reply; nothing is stored. */
    public record Refuse(SmtpReply reply, String summary) implements Outcome {
    }

    /** The staged file could not be read or copied. */
    public record Failed(String reason) implements Outcome {
    }

    private final boolean checkLoopback;
    private final String authservId;
    private final InboundAuthMode mode;
    private final Executor blocking;
    private final Duration deadline;
    private final SpfChecks spf;
    private final DkimChecks dkim;
    private final DmarcEvaluator dmarc;

    /**
     * @param dns      the resolver (relay's settings)
     * @param hostname this server's name: the authserv-id
     * @param deadline the longest SPF, DKIM or DMARC may take each before it is a temperror
     */
    /**
     * @param checkLoopback whether clients on loopback addresses are checked too ({@code tern.inbound-auth-loopback}):
     *                      by default they are not, as Postfix's policyd-spf and OpenDMARC skip localhost
     */
    public InboundAuthenticator(boolean checkLoopback, DnsLookup dns, String hostname, InboundAuthMode mode,
                                Executor blocking, Duration deadline, Clock clock) {
        this.checkLoopback = checkLoopback;
        this.authservId = hostname.toLowerCase(Locale.ROOT);
        this.mode = mode;
        this.blocking = blocking;
        this.deadline = deadline;
        this.spf = new SpfChecks(dns, deadline);
        this.dkim = new DkimChecks(dns, clock, blocking);
        this.dmarc = new DmarcEvaluator(dns, () -> ThreadLocalRandom.current().nextInt(100));
    }

    /** Whether mail from this client is checked: from anywhere but loopback, unless loopback is asked for. */
    public boolean appliesTo(InetAddress client) {
        return checkLoopback || !client.isLoopbackAddress();
    }

    /** Never completes exceptionally. */
    public CompletionStage<Outcome> check(Inbound message) {
        CompletableFuture<MessageScan.Facts> scan = CompletableFuture.supplyAsync(() -> {
            try {
                return MessageScan.scan(message.staged().file(), message.staged().relayOffset(), authservId);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, blocking);
        CompletableFuture<List<SpfChecks.Check>> spfChecks =
                spf.check(message.client(), message.helo(), message.sender()).toCompletableFuture();
        CompletableFuture<List<DkimOutcome>> dkimOutcomes = scan.thenCompose(dkim::verify).toCompletableFuture()
                .completeOnTimeout(List.of(), deadline.toMillis(), TimeUnit.MILLISECONDS);
        return scan.thenCompose(facts -> spfChecks.thenCombine(dkimOutcomes, (spfResults, dkimResults) ->
                        new Results(facts, spfResults, timedOut(facts, dkimResults))))
                .thenCompose(results -> withDmarc(results, message))
                .thenApplyAsync(results -> outcome(message, results), blocking)
                .exceptionally(e -> new Failed(String.valueOf(e.getCause() != null ? e.getCause() : e)));
    }

    /** A DKIM check past the deadline: every signature temperror. */
    private static List<DkimOutcome> timedOut(MessageScan.Facts facts, List<DkimOutcome> outcomes) {
        if (outcomes.size() == facts.signatures().size()) {
            return outcomes;
        }
        return facts.signatures().stream().map(s -> new DkimOutcome("temperror",
                s.parsed() == null ? null : s.parsed().domain(), s.parsed() == null ? null : s.parsed().selector(),
                "not finished in time")).toList();
    }

    private record Results(MessageScan.Facts facts, List<SpfChecks.Check> spf, List<DkimOutcome> dkim,
                           DmarcVerdict dmarc) {
        Results(MessageScan.Facts facts, List<SpfChecks.Check> spf, List<DkimOutcome> dkim) {
            this(facts, spf, dkim, null);
        }
    }

    private CompletionStage<Results> withDmarc(Results results, Inbound message) {
        List<String> from = results.facts().from();
        Optional<String> fromDomain = from.size() == 1 ? FromDomain.of(from.get(0)) : Optional.empty();
        if (fromDomain.isEmpty()) {
            // RFC 7489 §6.6.1: no single author domain to apply a policy to
            return CompletableFuture.completedFuture(new Results(results.facts(), results.spf(), results.dkim(),
                    new DmarcVerdict(DmarcResult.PERMERROR, "", DmarcPolicy.NONE, DmarcPolicy.NONE)));
        }
        // §3.1.2: the SPF identifier is MAIL FROM's domain, HELO's for the null sender
        SpfChecks.Check identity = results.spf().get(0);
        String spfPass = identity.result().result() == SpfResult.PASS ? identity.domain() : null;
        List<String> dkimPass = results.dkim().stream().filter(DkimOutcome::passed).map(DkimOutcome::domain).toList();
        String domain = fromDomain.get();
        return dmarc.evaluate(domain, spfPass, dkimPass).toCompletableFuture()
                .completeOnTimeout(new DmarcVerdict(DmarcResult.TEMPERROR, domain, DmarcPolicy.NONE, DmarcPolicy.NONE),
                        deadline.toMillis(), TimeUnit.MILLISECONDS)
                .thenApply(verdict -> new Results(results.facts(), results.spf(), results.dkim(), verdict));
    }

    private Outcome outcome(Inbound message, Results results) {
        String summary = summary(results);
        DmarcVerdict verdict = results.dmarc();
        boolean enforce = mode == InboundAuthMode.ENFORCE && verdict.result() == DmarcResult.FAIL;
        if (enforce && verdict.disposition() == DmarcPolicy.REJECT) {
            return new Refuse(Replies.dmarcRejected(ascii(verdict.fromDomain())), summary);
        }
        if (mode == InboundAuthMode.ENFORCE && verdict.result() == DmarcResult.PERMERROR
                && verdict.fromDomain().isEmpty()) {
            // §6.6.1: a message without exactly one author domain could pass for anyone's; enforce refuses it
            return new Refuse(Replies.noSingleAuthor(), summary);
        }
        String header = AuthenticationResults.field(authservId, methods(results));
        if (enforce && verdict.disposition() == DmarcPolicy.QUARANTINE) {
            header += QUARANTINE_FIELD + "\r\n";
        }
        Path staged = message.staged().file();
        Path copy = staged.resolveSibling(staged.getFileName() + ".auth");
        try {
            return new Deliver(StagedCopy.write(message.staged(), copy, header.getBytes(StandardCharsets.UTF_8),
                    results.facts().forged()), summary);
        } catch (IOException e) {
            return new Failed("cannot write " + copy + ": " + e);
        }
    }

    private static List<AuthenticationResults.Method> methods(Results results) {
        List<AuthenticationResults.Method> methods = new ArrayList<>();
        results.spf().forEach(check -> methods.add(check.method()));
        if (results.dkim().isEmpty()) {
            methods.add(new AuthenticationResults.Method("dkim", "none", null, List.of()));
        }
        for (DkimOutcome outcome : results.dkim()) {
            List<String> properties = outcome.domain() == null ? List.of()
                    : List.of("header.d=" + ascii(outcome.domain()), "header.s=" + ascii(outcome.selector()));
            methods.add(new AuthenticationResults.Method("dkim", outcome.result(), outcome.reason(), properties));
        }
        DmarcVerdict verdict = results.dmarc();
        String comment = verdict.result() == DmarcResult.PASS || verdict.result() == DmarcResult.FAIL
                ? "p=" + verdict.published().keyword() + " dis=" + verdict.disposition().keyword() : null;
        methods.add(new AuthenticationResults.Method("dmarc", verdict.result().keyword(), comment,
                verdict.fromDomain().isEmpty() ? List.of() : List.of("header.from=" + ascii(verdict.fromDomain()))));
        return methods;
    }

    private static String summary(Results results) {
        StringBuilder text = new StringBuilder();
        results.spf().forEach(c -> text.append("spf=").append(c.result().result().keyword()).append(" (")
                .append(printable(c.result().reason())).append(") "));
        results.dkim().forEach(d -> text.append("dkim=").append(d.result()).append(' '));
        return text.append("dmarc=").append(results.dmarc().result().keyword()).toString();
    }

    /** A reason for the log: at most 200 characters, control characters shown as '?' (DNS text may carry any). */
    private static String printable(String text) {
        String shown = text.length() > 200 ? text.substring(0, 200) + "..." : text;
        return shown.replaceAll("[^\\x20-\\x7e]", "?");
    }

    /** What may stand in a header property or a reply: printable ASCII without specials. */
    private static String ascii(String text) {
        return text == null ? "" : text.replaceAll("[^A-Za-z0-9._-]", "_");
    }
}
