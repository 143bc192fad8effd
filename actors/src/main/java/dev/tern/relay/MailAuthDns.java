package dev.tern.relay;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.ReverseMap;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

import dev.tern.dns.DnsAnswer;
import dev.tern.dns.DnsQueries;
import dev.tern.protocol.mailauth.DnsLookup;
import dev.tern.protocol.mailauth.DnsResult;

/**
 * The DNS questions of SPF, DKIM and DMARC through the same dnsjava resolver settings as
 * relaying ({@code --dns}, {@code tern.relay.dns-timeout}): asynchronous, each question bounded
 * by the timeout, every failure a {@link DnsResult.Failed}.
 */
public final class MailAuthDns implements DnsLookup {

    private final DnsQueries dns;

    public MailAuthDns(List<InetSocketAddress> servers, Duration timeout) {
        this.dns = new DnsQueries(List.copyOf(servers), timeout);
    }

    @Override
    public CompletionStage<DnsResult<String>> txt(String name) {
        // RFC 7208 §3.3, RFC 6376 §3.6.2.2: a record's strings are joined without spaces
        return ask(name, Type.TXT, r -> r instanceof TXTRecord txt ? String.join("", txt.getStrings()) : null);
    }

    @Override
    public CompletionStage<DnsResult<InetAddress>> addresses(String name, boolean ipv6) {
        return ask(name, ipv6 ? Type.AAAA : Type.A, r -> r instanceof AAAARecord aaaa ? aaaa.getAddress()
                : r instanceof ARecord a ? a.getAddress() : null);
    }

    @Override
    public CompletionStage<DnsResult<String>> mx(String name) {
        return ask(name, Type.MX, r -> r instanceof MXRecord mx ? DnsAnswer.text(mx.getTarget()) : null);
    }

    @Override
    public CompletionStage<DnsResult<String>> ptr(InetAddress address) {
        return ask(ReverseMap.fromAddress(address), Type.PTR,
                r -> r instanceof PTRRecord ptr ? DnsAnswer.text(ptr.getTarget()) : null);
    }

    private <T> CompletionStage<DnsResult<T>> ask(String name, int type, Function<Record, T> value) {
        Name absolute;
        try {
            absolute = Name.fromString(name.toLowerCase(Locale.ROOT), Name.root);
        } catch (TextParseException e) {
            // a name DNS cannot carry (a label over 63 octets): it has no records
            return CompletableFuture.completedFuture(new DnsResult.None<>(true));
        }
        return ask(absolute, type, value);
    }

    private <T> CompletionStage<DnsResult<T>> ask(Name name, int type, Function<Record, T> value) {
        return dns.query(name, type).thenApply(answer -> {
            if (answer instanceof DnsAnswer.Found found) {
                List<T> values = new ArrayList<>();
                for (Record r : found.records()) {
                    T v = value.apply(r);
                    if (v != null) {
                        values.add(v);
                    }
                }
                return DnsResult.of(values);
            }
            if (answer instanceof DnsAnswer.Failed failed) {
                return new DnsResult.Failed<>(failed.reason());
            }
            return new DnsResult.None<>(answer instanceof DnsAnswer.NoSuchDomain);
        });
    }
}
