package dev.tern.mailauth;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import dev.tern.protocol.MailAddress;
import dev.tern.protocol.ReversePath;
import dev.tern.protocol.mailauth.AuthenticationResults;
import dev.tern.protocol.mailauth.DnsLookup;
import dev.tern.protocol.spf.SpfEvaluator;
import dev.tern.protocol.spf.SpfResult;
import dev.tern.protocol.spf.SpfVerdict;

/**
 * SPF for a received message (RFC 7208 §2.3, §2.4): the MAIL FROM identity, which is
 * {@code postmaster@<HELO>} for the null sender, and the HELO identity beside it when MAIL FROM
 * is not null. Each evaluation is bounded by a deadline; past it, temperror.
 */
final class SpfChecks {

    /**
     * @param result        the verdict
     * @param domain        the domain checked
     * @param property      {@code smtp.mailfrom} or {@code smtp.helo}
     * @param value         the property's value
     */
    record Check(SpfVerdict result, String domain, String property, String value) {

        AuthenticationResults.Method method() {
            return new AuthenticationResults.Method("spf", result.result().keyword(), null,
                    List.of(property + "=" + value));
        }
    }

    private final SpfEvaluator evaluator;
    private final Duration deadline;

    SpfChecks(DnsLookup dns, Duration deadline) {
        this.evaluator = new SpfEvaluator(dns);
        this.deadline = deadline;
    }

    /** The MAIL FROM check first; never completes exceptionally. */
    CompletionStage<List<Check>> check(InetAddress client, String helo, ReversePath sender) {
        String heloName = helo == null ? "" : helo.toLowerCase(Locale.ROOT);
        List<CompletableFuture<Check>> checks = new ArrayList<>();
        if (sender instanceof ReversePath.Sender s) {
            MailAddress address = s.address();
            String domain = address.asciiDomain();
            checks.add(bounded(evaluator.checkHost(client, domain, address.toString(), heloName), domain,
                    "smtp.mailfrom", propertyValue(address)));
        }
        if (isDomainName(heloName)) {
            checks.add(bounded(evaluator.checkHost(client, heloName, "postmaster@" + heloName, heloName), heloName,
                    "smtp.helo", heloName));
        } else if (checks.isEmpty()) {
            // §2.4 with no usable HELO name: nothing to check
            checks.add(CompletableFuture.completedFuture(new Check(new SpfVerdict(SpfResult.NONE,
                    "no domain to check"), "", "smtp.helo", heloName.isEmpty() ? "unknown" : safe(heloName))));
        }
        return CompletableFuture.allOf(checks.toArray(CompletableFuture[]::new))
                .thenApply(done -> checks.stream().map(CompletableFuture::join).toList());
    }

    private CompletableFuture<Check> bounded(CompletionStage<SpfVerdict> verdict, String domain, String property,
                                             String value) {
        return verdict.toCompletableFuture()
                .completeOnTimeout(new SpfVerdict(SpfResult.TEMPERROR, "not finished within " + deadline.toMillis()
                        + " ms"), deadline.toMillis(), TimeUnit.MILLISECONDS)
                .thenApply(v -> new Check(v, domain, property, value));
    }

    /** RFC 8601 §2.2 pvalue: the address when its local part is a plain dot-atom, else {@code @domain}. */
    private static String propertyValue(MailAddress address) {
        String local = address.localPart();
        return local.matches("[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
                ? local + "@" + address.asciiDomain() : "@" + address.asciiDomain();
    }

    private static boolean isDomainName(String name) {
        return name.matches("[a-z0-9_]([a-z0-9_-]{0,62})(\\.[a-z0-9_]([a-z0-9_-]{0,62}))+\\.?");
    }

    private static String safe(String text) {
        return text.replaceAll("[^A-Za-z0-9.:\\[\\]-]", "_");
    }
}
