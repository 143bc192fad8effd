package dev.tern.transport.mtasts;

import dev.tern.streams.client.TlsFailure;

/** What MTA-STS says about one destination domain at one moment. */
public sealed interface StsOutcome {

    /**
     * A policy applies (its mode may still be {@code none}).
     *
     * @param how for the log: "fetched", "cached", or "cached; ..." with why the live record or
     *            policy was not used
     */
    record Applies(CachedPolicy policy, String how) implements StsOutcome {
    }

    /** The domain publishes no (usable) {@code _mta-sts} record and nothing is cached. */
    record NoPolicy(String reason) implements StsOutcome {
    }

    /**
     * The domain announces a policy that could not be fetched, and none is cached: mail goes
     * as without a policy (RFC 8461 §5.1), and TLS-RPT learns of the failure (RFC 8460 §4.3.2.1).
     */
    record Unavailable(String id, TlsFailure problem, String reason) implements StsOutcome {
    }
}
