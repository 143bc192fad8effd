/**
 * MTA-STS (RFC 8461) as values: the {@code _mta-sts} TXT record, the policy file and the
 * matching of MX host names against its {@code mx} patterns. Fetching, caching and applying a
 * policy live in the actors module ({@code dev.tern.transport.mtasts}).
 */
package dev.tern.protocol.mtasts;
