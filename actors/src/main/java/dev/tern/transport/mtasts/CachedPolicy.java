package dev.tern.transport.mtasts;

import java.time.Instant;

import dev.tern.protocol.mtasts.StsPolicy;

/**
 * A policy as fetched, with the TXT record id it was fetched under (RFC 8461 §5.1: a new id
 * means a new policy to fetch) and when, which with {@code max_age} says how long it holds.
 *
 * @param domain    the policy domain, lower case
 * @param id        the {@code _mta-sts} TXT record's id when the policy was fetched
 * @param fetchedAt when the policy host served it
 * @param policy    the parsed file
 */
public record CachedPolicy(String domain, String id, Instant fetchedAt, StsPolicy policy) {

    /** The end of the policy's life: {@code max_age} seconds after it was fetched. */
    public Instant expires() {
        return fetchedAt.plusSeconds(policy.maxAge());
    }

    /** Whether the policy still applies at {@code now}. */
    public boolean isFresh(Instant now) {
        return now.isBefore(expires());
    }

    /**
     * Whether more than half its life is gone: then it is refetched in the background though the
     * id has not changed, so that a domain's max_age renews before the policy lapses (§5.1).
     */
    public boolean isAging(Instant now) {
        return now.isAfter(fetchedAt.plusSeconds(policy.maxAge() / 2));
    }
}
