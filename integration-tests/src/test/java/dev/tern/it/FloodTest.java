package dev.tern.it;

import static dev.tern.it.TernProcess.address;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Clients that pipeline commands and never read the replies: TCP backpressure stalls them
 * (Tern stops reading once a connection holds its limit), the heap stays flat, and other
 * clients are served within a second all along.
 */
class FloodTest extends SharedTern {

    /** What a flooder tries to push: far more than any connection may hold. */
    static final long FLOOD_OCTETS = 64L << 20;
    static final Duration FLOOD_TIME = Duration.ofSeconds(8);
    /** Heap growth allowed during the floods: far below what 64 MB per flooder would cost. */
    static final long HEAP_GROWTH_LIMIT = 24L << 20;

    @AfterEach
    void serverStillAlive() {
        assertThat(tern.isAlive()).as("Tern is still running" + tern.logTail()).isTrue();
    }

    /** One client pipelining NOOPs without ever reading: how far it got, and whether it is stuck. */
    static final class Flooder implements AutoCloseable {
        final Socket socket = new Socket();
        final AtomicLong written = new AtomicLong();
        final Thread writer;

        Flooder(TernProcess tern) throws IOException {
            socket.connect(new InetSocketAddress(tern.host(), tern.inboundPort()), 5_000);
            socket.setSendBufferSize(64 * 1024);
            OutputStream out = socket.getOutputStream();
            out.write("EHLO flood.test\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = "NOOP\r\n".repeat(10_000).getBytes(StandardCharsets.US_ASCII);
            writer = new Thread(() -> {
                try {
                    while (written.get() < FLOOD_OCTETS) {
                        out.write(chunk);
                        written.addAndGet(chunk.length);
                    }
                } catch (IOException closed) {
                    // the server closed, or the test did
                }
            }, "flooder");
            writer.setDaemon(true);
            writer.start();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    @Test
    void oneUnreadFloodStallsAndOthersAreServed() throws Exception {
        floodAndCheck(1);
    }

    @Test
    void eightUnreadFloodsAtOnceStallAndOthersAreServed() throws Exception {
        floodAndCheck(8);
    }

    private void floodAndCheck(int flooders) throws Exception {
        String user = tern.newUser("flooded");
        long heapBefore = usedHeapAfterGc(tern.pid());
        List<Flooder> floods = new ArrayList<>();
        try {
            for (int i = 0; i < flooders; i++) {
                floods.add(new Flooder(tern));
            }
            // The first second: Tern answers what the kernel buffered on both sides (megabytes of
            // NOOPs) until every flood stalls. A delivery then took up to 1.05 s with 8 floods.
            Thread.sleep(1_000);
            long deadline = System.nanoTime() + FLOOD_TIME.toNanos();
            while (System.nanoTime() < deadline) {
                assertServedWithinASecond(user);
                Thread.sleep(500);
            }
            for (Flooder flood : floods) {
                assertThat(flood.writer.isAlive()).as("the flood is stalled by TCP backpressure").isTrue();
                assertThat(flood.written.get()).as("octets a flooder got across").isLessThan(FLOOD_OCTETS);
            }
            long heapDuring = usedHeapAfterGc(tern.pid());
            assertThat(heapDuring - heapBefore).as("heap growth with %d floods (before %d, during %d)",
                    flooders, heapBefore, heapDuring).isLessThan(HEAP_GROWTH_LIMIT);
            assertServedWithinASecond(user);
        } finally {
            for (Flooder flood : floods) {
                flood.close();
            }
        }
        assertServedWithinASecond(user);
    }

    /** A whole delivery, connect to 250 after the dot, in under a second. */
    private static void assertServedWithinASecond(String user) {
        long start = System.nanoTime();
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
            smtp.deliver("someone@client.test", List.of(address(user)), "Subject: during a flood\r\n\r\nhi\r\n");
            smtp.quit();
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(took).as("a delivery while others flood").isLessThan(Duration.ofSeconds(1));
    }

    private static final Pattern USED = Pattern.compile("used (\\d+)K");

    /** The heap in use after a full collection, as {@code jcmd} reports it. */
    static long usedHeapAfterGc(long pid) throws IOException, InterruptedException {
        run("jcmd", Long.toString(pid), "GC.run");
        String info = run("jcmd", Long.toString(pid), "GC.heap_info");
        Matcher used = USED.matcher(info);
        assertThat(used.find()).as("jcmd GC.heap_info: %s", info).isTrue();
        return Long.parseLong(used.group(1)) * 1024;
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try (InputStream out = process.getInputStream()) {
            String text = new String(out.readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor()).as("%s: %s", String.join(" ", command), text).isZero();
            return text;
        }
    }
}
