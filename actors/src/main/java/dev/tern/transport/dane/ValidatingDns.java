package dev.tern.transport.dane;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.ResolverConfig;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.dnssec.ValidatingResolver;

import dev.tern.dns.DnsQueries;
import dev.tern.supervision.Causes;

/**
 * DNS questions validated with DNSSEC by dnsjava's {@link ValidatingResolver}, asked of the same
 * upstream servers as the relay's MX lookups ({@code --dns}, or the system's). Those servers are
 * used as recursive resolvers that pass DNSSEC records through (the DO bit); the validation
 * itself, from the trust anchors down, happens here, so the upstream need not be trusted.
 *
 * <p>Each question is bounded by a deadline: the validator may ask several questions in a row
 * (DS and DNSKEY of each zone down from the anchor, then cached) before it answers.
 */
final class ValidatingDns {

    private final ValidatingResolver validator; // null when there is no server to ask
    private final Duration deadline;

    /**
     * @param servers DNS servers to ask; empty means the system's
     * @param timeout one upstream question's limit (the relay's DNS timeout); a validated answer
     *                may take a few of them
     * @param anchors where validation starts
     * @param clock   the validator's time: signature validity, and how long it keeps keys (a key
     *                that did not validate is kept 60 s)
     */
    ValidatingDns(List<InetSocketAddress> servers, Duration timeout, TrustAnchors anchors, Clock clock) {
        List<InetSocketAddress> targets =
                servers.isEmpty() ? ResolverConfig.getCurrentConfig().servers() : List.copyOf(servers);
        this.deadline = timeout.multipliedBy(3);
        if (targets.isEmpty()) {
            this.validator = null;
            return;
        }
        this.validator = new ValidatingResolver(DnsQueries.resolver(targets, timeout), clock);
        try {
            validator.loadTrustAnchors(new ByteArrayInputStream(anchors.zoneText()));
        } catch (IOException e) {
            throw new UncheckedIOException("trust anchors from " + anchors.source(), e); // parsed before already
        }
    }

    /** Never completes exceptionally. CNAMEs are not followed here (the upstream recursor does). */
    CompletionStage<DnssecAnswer> query(Name name, int type) {
        if (validator == null) {
            return CompletableFuture.completedFuture(new DnssecAnswer.Failed("no DNS servers configured"));
        }
        CompletionStage<Message> sent;
        try {
            sent = validator.sendAsync(Message.newQuery(Record.newRecord(name, type, DClass.IN)));
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(new DnssecAnswer.Failed(describe(e)));
        }
        return sent.<DnssecAnswer>handle((response, error) -> error == null
                        ? classify(response, type)
                        : new DnssecAnswer.Failed(describe(Causes.unwrap(error))))
                .toCompletableFuture()
                .completeOnTimeout(new DnssecAnswer.Failed("timed out after " + deadline.toMillis() + " ms"),
                        deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The validator sets AD only on secure answers and turns bogus ones into SERVFAIL with a reason. */
    static DnssecAnswer classify(Message response, int type) {
        int rcode = response.getHeader().getRcode();
        boolean secure = response.getHeader().getFlag(Flags.AD);
        if (rcode == Rcode.NOERROR || rcode == Rcode.NXDOMAIN) {
            List<Record> records = new ArrayList<>();
            for (Record r : response.getSection(Section.ANSWER)) {
                if (r.getType() == type) {
                    records.add(r);
                }
            }
            return secure ? new DnssecAnswer.Secure(records) : new DnssecAnswer.Insecure(records);
        }
        return new DnssecAnswer.Bogus(Rcode.string(rcode) + validationReason(response));
    }

    private static String validationReason(Message response) {
        for (Record r : response.getSection(Section.ADDITIONAL)) {
            if (r instanceof TXTRecord txt && r.getDClass() == ValidatingResolver.VALIDATION_REASON_QCLASS) {
                return ": " + String.join("", txt.getStrings());
            }
        }
        return "";
    }

    private static String describe(Throwable error) {
        String message = error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage();
        return message.toLowerCase(Locale.ROOT).contains("timed out") ? "timed out" : message;
    }
}
