package dev.tern.transport.mtasts;

import dev.tern.protocol.mtasts.StsPolicy;
import dev.tern.streams.client.TlsFailure;

/** What one fetch of {@code https://mta-sts.DOMAIN/.well-known/mta-sts.txt} gave. */
public sealed interface FetchOutcome {

    /** A valid policy file. */
    record Fetched(StsPolicy policy) implements FetchOutcome {
    }

    /** No valid policy; {@code reason} is for the log and the queue entry. */
    record Failed(TlsFailure problem, String reason) implements FetchOutcome {
    }
}
