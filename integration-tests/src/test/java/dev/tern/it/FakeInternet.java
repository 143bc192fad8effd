package dev.tern.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import dev.tern.testing.FakeDnsServer;
import dev.tern.testing.PolicyServer;
import dev.tern.testing.ScriptedSmtpServer;
import dev.tern.testing.TestCa;

/**
 * The internet of the relaying tests, all on loopback: one {@link FakeDnsServer} and SMTP
 * servers on addresses 127.0.0.x (and ::1), every one on the same port, since Tern reaches
 * every MX host at one {@code --remote-port}. Each test takes fresh addresses from
 * {@link #nextAddress()} so that tests of one class never share a server.
 */
final class FakeInternet implements AutoCloseable {

    /** Short SMTP-client timeouts, so that dead hosts cost seconds, not the RFC's minutes. */
    static final String SHORT_TIMEOUTS = """
            tern.relay {
              dns-timeout = 1s
              timeouts { connect = 2s, greeting = 2s, command = 3s, mail = 3s, rcpt = 3s,
                         data-init = 3s, data-block = 3s, data-end = 5s }
            }
            """;

    private final FakeDnsServer dns;
    private final int smtpPort;
    private final Path dir;
    private final AtomicInteger hosts = new AtomicInteger(1);
    private final List<AutoCloseable> running = new CopyOnWriteArrayList<>();

    private FakeInternet(FakeDnsServer dns, int smtpPort, Path dir) {
        this.dns = dns;
        this.smtpPort = smtpPort;
        this.dir = dir;
    }

    static FakeInternet start() {
        try {
            return new FakeInternet(FakeDnsServer.start(), commonPort(), TestDirs.create("net"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    FakeDnsServer dns() {
        return dns;
    }

    /** The port of every MX host (Tern's --remote-port). */
    int smtpPort() {
        return smtpPort;
    }

    /** A loopback address no test of this class has used: 127.0.0.2, 127.0.0.3, ... */
    String nextAddress() {
        int n = hosts.incrementAndGet();
        if (n > 254) {
            throw new IllegalStateException("out of 127.0.0.x addresses");
        }
        return "127.0.0." + n;
    }

    /** Tern's options to relay into this internet: its DNS, its port, short retries and timeouts. */
    TernProcess.Options ternOptions(String retryInitial, String retryMax, String lifetime, String... extra) {
        return new TernProcess.Options()
                .config(config("relay.conf", SHORT_TIMEOUTS))
                .extra("--dns", "127.0.0.1:" + dns.address().getPort(), "--remote-port", Integer.toString(smtpPort),
                        "--retry-initial", retryInitial, "--retry-max", retryMax, "--queue-lifetime", lifetime)
                .extra(extra);
    }

    /**
     * {@link #ternOptions} for a Tern that trusts {@code ca} as well as the system's CAs when it verifies a certificate
     * ({@code --tls-trust}, the CA's certificate written to this internet's directory): the MX hosts and MTA-STS
     * policy hosts of the TLS tests present certificates that {@code ca} issued.
     */
    TernProcess.Options ternOptionsTrusting(TestCa ca, String retryInitial, String retryMax, String lifetime,
                                            String... extra) throws Exception {
        Path trust = ca.writePem(dir.resolve("ca.pem"));
        return ternOptions(retryInitial, retryMax, lifetime, extra).extra("--tls-trust", trust.toString());
    }

    /**
     * An MTA-STS policy host (RFC 8461 §3.3) on {@code address}:443 with a certificate from {@code ca} for
     * {@code names}, one per policy domain ({@code mta-sts.DOMAIN}); closed with this internet.
     */
    PolicyServer policyHost(String address, TestCa ca, String... names) throws Exception {
        PolicyServer policies = PolicyServer.start(address, ca.issue(names).serverContext());
        running.add(policies);
        return policies;
    }

    /** A HOCON file in this internet's directory (kept until {@link #close()}). */
    Path config(String name, String hocon) {
        try {
            return Files.writeString(dir.resolve(name), hocon, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A server builder bound to {@code address} at the common port. */
    ScriptedSmtpServer.Builder smtp(String address) {
        try {
            return ScriptedSmtpServer.builder().bind(address).port(smtpPort);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts the server and closes it with this internet. */
    ScriptedSmtpServer run(ScriptedSmtpServer.Builder builder) {
        try {
            ScriptedSmtpServer server = builder.start();
            running.add(server);
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A domain with one MX host at {@code address} (A or AAAA by its form). */
    FakeInternet mx(String domain, int preference, String host, String address) {
        dns.mx(domain, preference, host);
        return address(host, address);
    }

    FakeInternet address(String host, String address) {
        if (address.contains(":")) {
            dns.aaaa(host, address);
        } else {
            dns.a(host, address);
        }
        return this;
    }

    /** Something else that should end with this internet (e.g. an smtp-sink process). */
    void closeLater(AutoCloseable thing) {
        running.add(thing);
    }

    /** Polls {@code condition} until true or the deadline; returns whether it became true. */
    static boolean await(Duration timeout, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        do {
            if (condition.getAsBoolean()) {
                return true;
            }
            TernProcess.sleep(50);
        } while (System.nanoTime() < deadline);
        return condition.getAsBoolean();
    }

    /** Stops a Tern that relays into this internet, then this internet, even if stopping Tern fails. */
    static void close(TernProcess tern, FakeInternet net) {
        try {
            if (tern != null) {
                tern.close();
            }
        } finally {
            if (net != null) {
                net.close();
            }
        }
    }

    /** A domain whose one MX host runs a scripted server (defaults: accepts everything), at a fresh address. */
    ScriptedSmtpServer mxServer(String domain) {
        String address = nextAddress();
        mx(domain, 10, "mx." + domain, address);
        return run(smtp(address));
    }

    @Override
    public void close() {
        List<AutoCloseable> all = new ArrayList<>(running);
        for (AutoCloseable thing : all) {
            try {
                thing.close();
            } catch (Exception ignored) {
                // closing anyway
            }
        }
        dns.close();
        TestDirs.deleteQuietly(dir);
    }

    /**
     * A port free on 127.0.0.2 (and on ::1, when IPv6 works): nothing else on those
     * addresses is likely to want it, and 127.0.0.x addresses other than .1 see no
     * ephemeral client ports.
     */
    private static int commonPort() throws IOException {
        boolean ipv6 = TestDirs.ipv6LoopbackUsable();
        for (int attempt = 0; attempt < 20; attempt++) {
            int port;
            try (ServerSocket probe = new ServerSocket()) {
                probe.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0));
                port = probe.getLocalPort();
            }
            if (!ipv6 || freeOn("::1", port)) {
                return port;
            }
        }
        throw new IOException("no port free on both 127.0.0.2 and ::1");
    }

    private static boolean freeOn(String address, int port) {
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress(InetAddress.getByName(address), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
