/**
 * MTA-STS (RFC 8461) for outbound mail: discovering a destination's policy through Tern's DNS,
 * fetching it over validated HTTPS, caching it on disk for its max_age, and turning it into what
 * each MX connection requires. The policy's grammar is {@code dev.tern.protocol.mtasts}.
 */
package dev.tern.transport.mtasts;
