package dev.tern.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Supplier;

/** Waits until a server we started greets on its port: the sign that it is up. */
final class Greeting {
    private Greeting() {
    }

    /**
     * Connects (again and again, bounded by {@code timeout}) until the first line the server
     * sends starts with {@code expectedStart}; fails with {@code logs} when the process exits
     * first or the time runs out.
     */
    static void await(Process process, String name, String host, int port, String expectedStart, Duration timeout,
                      Supplier<String> logs) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError(name + " exited with " + process.exitValue() + logs.get());
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(host, port), 1000);
                socket.setSoTimeout(5000);
                InputStream in = socket.getInputStream();
                ByteArrayOutputStream line = new ByteArrayOutputStream();
                int b;
                while ((b = in.read()) != -1 && b != '\n') {
                    line.write(b);
                }
                last = line.toString(StandardCharsets.ISO_8859_1);
                if (last.startsWith(expectedStart)) {
                    return;
                }
            } catch (IOException e) {
                last = e.toString();
            }
            TernProcess.sleep(100);
        }
        throw new AssertionError(name + " did not greet on " + host + ":" + port + " within " + timeout
                + " (last: " + last + ")" + logs.get());
    }
}
