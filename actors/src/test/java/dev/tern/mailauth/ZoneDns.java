package dev.tern.mailauth;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import dev.tern.protocol.mailauth.DnsLookup;
import dev.tern.protocol.mailauth.DnsResult;

/** TXT and A records from maps, for tests; a name marked failing answers SERVFAIL, a silent one never. */
final class ZoneDns implements DnsLookup {

    private final Map<String, List<String>> txt = new HashMap<>();
    private final Map<String, List<InetAddress>> a = new HashMap<>();
    private final Set<String> failing = new HashSet<>();
    private final Set<String> silent = new HashSet<>();

    ZoneDns txt(String name, String text) {
        txt.computeIfAbsent(name, n -> new ArrayList<>()).add(text);
        return this;
    }

    ZoneDns fail(String name) {
        failing.add(name);
        return this;
    }

    /** TXT questions about {@code name} are never answered. */
    ZoneDns silent(String name) {
        silent.add(name);
        return this;
    }

    @Override
    public CompletionStage<DnsResult<String>> txt(String name) {
        if (silent.contains(name)) {
            return new CompletableFuture<>();
        }
        if (failing.contains(name)) {
            return CompletableFuture.completedFuture(new DnsResult.Failed<>("SERVFAIL"));
        }
        return CompletableFuture.completedFuture(DnsResult.of(txt.getOrDefault(name, List.of())));
    }

    @Override
    public CompletionStage<DnsResult<InetAddress>> addresses(String name, boolean ipv6) {
        return CompletableFuture.completedFuture(DnsResult.of(a.getOrDefault(name, List.of()).stream()
                .filter(x -> ipv6 != (x instanceof Inet4Address)).toList()));
    }

    @Override
    public CompletionStage<DnsResult<String>> mx(String name) {
        return CompletableFuture.completedFuture(new DnsResult.None<>(false));
    }

    @Override
    public CompletionStage<DnsResult<String>> ptr(InetAddress address) {
        return CompletableFuture.completedFuture(new DnsResult.None<>(false));
    }
}
