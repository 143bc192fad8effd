package dev.tern.protocol.mailauth;

import java.net.InetAddress;
import java.util.concurrent.CompletionStage;

/**
 * The DNS questions that SPF, DKIM and DMARC ask, as an interface so that their evaluation
 * stays pure and testable without a network. Implementations never complete exceptionally:
 * every outcome, timeouts included, is a {@link DnsResult}.
 */
public interface DnsLookup {

    /** TXT records of {@code name}, each record's strings joined (RFC 7208 §3.3, RFC 6376 §3.6.2.2). */
    CompletionStage<DnsResult<String>> txt(String name);

    /** A records ({@code ipv6} false) or AAAA records ({@code ipv6} true) of {@code name}. */
    CompletionStage<DnsResult<InetAddress>> addresses(String name, boolean ipv6);

    /** The exchange names of {@code name}'s MX records, without trailing dots. */
    CompletionStage<DnsResult<String>> mx(String name);

    /** The names that {@code address}'s PTR records (in-addr.arpa or ip6.arpa) point to. */
    CompletionStage<DnsResult<String>> ptr(InetAddress address);
}
