package dev.tern.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for servers that a test must name before they start (a Tern process, a PostgreSQL, a
 * cluster member). A port that the kernel picked for {@code bind(0)} lies in the ephemeral range,
 * where any outgoing connection of any process — a cluster node dialling its seeds, a JDBC pool —
 * may take it before the server binds (CI saw exactly that). So the port is drawn from below that
 * range, where only explicit binds land, is checked to be free, and is never handed out twice by
 * one JVM.
 */
public final class LoopbackPorts {
    private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    private static final int LOWEST = 10_000;
    private static final int FALLBACK_TOP = 32_768; // Linux's default ephemeral floor
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private LoopbackPorts() {
    }

    /** A TCP port free on the given loopback address, outside the ephemeral range. */
    public static int free(String loopbackAddress) {
        InetAddress address = address(loopbackAddress);
        int top = ephemeralFloor();
        if (top - LOWEST < 1_000) {
            return kernelPicked(address); // an unusual range: nothing better than the race
        }
        for (int attempt = 0; attempt < 1_000; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(LOWEST, top);
            if (HANDED_OUT.add(port) && bindable(address, port)) {
                return port;
            }
        }
        throw new IllegalStateException("no free loopback port between " + LOWEST + " and " + top);
    }

    public static int free() {
        return free("127.0.0.1");
    }

    private static boolean bindable(InetAddress address, int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(address, port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int kernelPicked(InetAddress address) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(address, 0));
            HANDED_OUT.add(socket.getLocalPort());
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int ephemeralFloor() {
        try {
            String[] range = Files.readString(EPHEMERAL_RANGE).trim().split("\\s+");
            return Integer.parseInt(range[0]);
        } catch (IOException | RuntimeException e) {
            return FALLBACK_TOP;
        }
    }

    private static InetAddress address(String loopbackAddress) {
        try {
            InetAddress address = InetAddress.getByName(loopbackAddress);
            if (!address.isLoopbackAddress()) {
                throw new IllegalArgumentException(loopbackAddress + " is not a loopback address");
            }
            return address;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
