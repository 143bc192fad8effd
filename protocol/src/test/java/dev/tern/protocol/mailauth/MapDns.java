package dev.tern.protocol.mailauth;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** A {@link DnsLookup} from maps, for tests: names are lower case, without trailing dots. */
public final class MapDns implements DnsLookup {

    private final Map<String, List<String>> txt = new HashMap<>();
    private final Map<String, List<InetAddress>> addresses = new HashMap<>();
    private final Map<String, List<String>> mx = new HashMap<>();
    private final Map<String, List<String>> ptr = new HashMap<>();
    private final Set<String> failing = new HashSet<>();
    private final List<String> asked = new ArrayList<>();

    public MapDns txt(String name, String text) {
        txt.computeIfAbsent(name, n -> new ArrayList<>()).add(text);
        return this;
    }

    public MapDns a(String name, String address) {
        addresses.computeIfAbsent(name, n -> new ArrayList<>()).add(ip(address));
        return this;
    }

    public MapDns mx(String name, String host) {
        mx.computeIfAbsent(name, n -> new ArrayList<>()).add(host);
        return this;
    }

    public MapDns ptr(String address, String name) {
        ptr.computeIfAbsent(ip(address).getHostAddress(), n -> new ArrayList<>()).add(name);
        return this;
    }

    /** Every question about {@code name} fails (SERVFAIL). */
    public MapDns fail(String name) {
        failing.add(name);
        return this;
    }

    /** The questions asked, e.g. {@code "TXT example.org"}. */
    public List<String> asked() {
        return List.copyOf(asked);
    }

    public static InetAddress ip(String text) {
        try {
            return InetAddress.getByName(text); // literals only in tests
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    @Override
    public CompletionStage<DnsResult<String>> txt(String name) {
        return answer("TXT", name, txt);
    }

    @Override
    public CompletionStage<DnsResult<InetAddress>> addresses(String name, boolean ipv6) {
        asked.add((ipv6 ? "AAAA " : "A ") + name);
        if (failing.contains(name)) {
            return CompletableFuture.completedFuture(new DnsResult.Failed<>("SERVFAIL"));
        }
        List<InetAddress> found = addresses.getOrDefault(name, List.of()).stream()
                .filter(a -> ipv6 != (a instanceof Inet4Address)).toList();
        return CompletableFuture.completedFuture(DnsResult.of(found));
    }

    @Override
    public CompletionStage<DnsResult<String>> mx(String name) {
        return answer("MX", name, mx);
    }

    @Override
    public CompletionStage<DnsResult<String>> ptr(InetAddress address) {
        return answer("PTR", address.getHostAddress(), ptr);
    }

    private CompletionStage<DnsResult<String>> answer(String type, String name, Map<String, List<String>> zone) {
        asked.add(type + " " + name);
        if (failing.contains(name)) {
            return CompletableFuture.completedFuture(new DnsResult.Failed<>("SERVFAIL"));
        }
        return CompletableFuture.completedFuture(DnsResult.of(zone.getOrDefault(name, List.of())));
    }
}
