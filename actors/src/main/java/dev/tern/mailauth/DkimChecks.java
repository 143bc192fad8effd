package dev.tern.mailauth;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

import dev.tern.protocol.dkim.DkimKeyRecord;
import dev.tern.protocol.dkim.DkimSignature;
import dev.tern.protocol.dkim.DkimSyntaxException;
import dev.tern.protocol.dkim.DkimVerifier;
import dev.tern.protocol.mailauth.DnsLookup;
import dev.tern.protocol.mailauth.DnsResult;

/**
 * Verifies the signatures a {@link MessageScan} found (RFC 6376 §6.1): each key from
 * {@code <s>._domainkey.<d>} TXT (asked in parallel), then the check of part A's
 * {@link DkimVerifier}. A DNS failure is temperror (§6.1.2), a missing or broken key permerror.
 */
final class DkimChecks {

    private final DnsLookup dns;
    private final Clock clock;
    private final Executor blocking;

    /** @param blocking where the hashing and signature checks run: never a DNS resolver's own thread */
    DkimChecks(DnsLookup dns, Clock clock, Executor blocking) {
        this.dns = dns;
        this.clock = clock;
        this.blocking = blocking;
    }

    /** Never completes exceptionally; one outcome per signature, in the message's order. */
    CompletionStage<List<DkimOutcome>> verify(MessageScan.Facts facts) {
        List<CompletableFuture<DkimOutcome>> outcomes = new ArrayList<>();
        for (MessageScan.Signature signature : facts.signatures()) {
            outcomes.add(verify(facts, signature).toCompletableFuture());
        }
        return CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new))
                .thenApply(done -> outcomes.stream().map(CompletableFuture::join).toList());
    }

    private CompletionStage<DkimOutcome> verify(MessageScan.Facts facts, MessageScan.Signature signature) {
        DkimSignature parsed = signature.parsed();
        if (parsed == null) {
            return done(new DkimOutcome("permerror", null, null, signature.problem()));
        }
        if (facts.tooLarge()) {
            return done(outcome(parsed, "permerror", "header section too large to verify"));
        }
        String keyName = parsed.selector() + "._domainkey." + parsed.domain();
        return dns.txt(keyName).thenApplyAsync(answer -> {
            if (answer instanceof DnsResult.Failed<String> failed) {
                return outcome(parsed, "temperror", "key lookup: " + failed.reason());
            }
            if (!(answer instanceof DnsResult.Records<String> records)) {
                return outcome(parsed, "permerror", "no key at " + keyName);
            }
            DkimKeyRecord key;
            try {
                key = DkimKeyRecord.parse(records.values().get(0));
            } catch (DkimSyntaxException e) {
                return outcome(parsed, "permerror", "key record: " + e.getMessage());
            }
            if (key.key().isEmpty()) {
                return outcome(parsed, "permerror", "key revoked"); // §3.6.1: empty p=
            }
            DkimVerifier.Result result = DkimVerifier.verify(facts.headers(), parsed, signature.bodyHash(), key,
                    clock.instant());
            return result instanceof DkimVerifier.Fail fail
                    ? outcome(parsed, "fail", fail.reason()) : outcome(parsed, "pass", null);
        }, blocking).exceptionally(e -> outcome(parsed, "temperror", "verification failed"));
    }

    private static DkimOutcome outcome(DkimSignature signature, String result, String reason) {
        return new DkimOutcome(result, signature.domain(), signature.selector(), reason);
    }

    private static CompletionStage<DkimOutcome> done(DkimOutcome outcome) {
        return CompletableFuture.completedFuture(outcome);
    }
}
