/*
 * FsCeiling.java - the storage ceiling for Maildir-style delivery (JDK only, single-file program):
 *
 *   java bench/FsCeiling.java DIR THREADS SECONDS [SIZE=4096]
 *
 * One operation = create DIR/t<N>/tmp/<name>, write SIZE bytes, fsync it (FileChannel.force(true),
 * as Tern does), close, rename it into DIR/t<N>/new/ (atomic move), fsync the new/ directory.
 * That is the least a durable MTA must do per delivered copy (a real one also fsyncs its own
 * queue or spool file before it answers 250). Each thread works in its own t<N> directory.
 * Runs SECONDS, prints: threads= size= secs= ops= ops_per_s= p50_us= p99_us=
 * and deletes what it wrote.
 */

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

public class FsCeiling {
    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: java FsCeiling.java DIR THREADS SECONDS [SIZE]");
            System.exit(2);
        }
        Path base = Path.of(args[0]);
        int threads = Integer.parseInt(args[1]);
        double secs = Double.parseDouble(args[2]);
        int size = args.length > 3 ? Integer.parseInt(args[3]) : 4096;
        byte[] data = new byte[size];
        Arrays.fill(data, (byte) 'x');

        long[][] lat = new long[threads][];
        int[] ops = new int[threads];
        Thread[] ts = new Thread[threads];
        AtomicBoolean failed = new AtomicBoolean();
        long end = System.nanoTime() + (long) (secs * 1e9);
        for (int t = 0; t < threads; t++) {
            int id = t;
            ts[t] = new Thread(() -> {
                try {
                    Path tmp = Files.createDirectories(base.resolve("t" + id).resolve("tmp"));
                    Path nw = Files.createDirectories(base.resolve("t" + id).resolve("new"));
                    long[] l = new long[1 << 20];
                    int i = 0;
                    try (FileChannel dir = FileChannel.open(nw, StandardOpenOption.READ)) {
                        for (long t0; (t0 = System.nanoTime()) < end && i < l.length; i++) {
                            Path a = tmp.resolve(id + "." + i);
                            try (FileChannel f = FileChannel.open(a, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                                ByteBuffer b = ByteBuffer.wrap(data);
                                while (b.hasRemaining()) f.write(b);
                                f.force(true);
                            }
                            Files.move(a, nw.resolve(id + "." + i), StandardCopyOption.ATOMIC_MOVE);
                            dir.force(true);
                            l[i] = System.nanoTime() - t0;
                        }
                    }
                    lat[id] = Arrays.copyOf(l, i);
                    ops[id] = i;
                } catch (IOException e) {
                    System.err.println("FsCeiling: thread " + id + ": " + e);
                    failed.set(true);
                    lat[id] = new long[0];
                }
            });
            ts[t].start();
        }
        for (Thread t : ts) t.join();
        long[] all = Arrays.stream(lat).flatMapToLong(Arrays::stream).sorted().toArray();
        long total = Arrays.stream(ops).sum();
        System.out.printf("threads=%d size=%d secs=%.1f ops=%d ops_per_s=%.0f p50_us=%d p99_us=%d%n",
                threads, size, secs, total, total / secs,
                all.length == 0 ? 0 : all[(int) Math.ceil(0.50 * all.length) - 1] / 1000,
                all.length == 0 ? 0 : all[(int) Math.ceil(0.99 * all.length) - 1] / 1000);
        try (Stream<Path> w = Files.walk(base)) {
            w.sorted(Comparator.reverseOrder()).filter(p -> !p.equals(base)).forEach(p -> p.toFile().delete());
        }
        System.exit(failed.get() ? 1 : 0);
    }
}
