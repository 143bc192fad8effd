/*
 * Latency.java - end-of-DATA latency of an SMTP server (JDK only; run as a single-file program):
 *
 *   java bench/Latency.java --target 127.0.0.1:3625 --sessions 20 --messages 2000 --size 4096 \
 *        [--recipients 1] [--domain bench.test] [--users 10] [--warmup 0] [--connection-per-message]
 *
 * Opens --sessions SMTP sessions at once (one thread each, EHLO once), and sends --messages
 * messages in total over them (split evenly), one transaction after another per session.
 * For every message it measures the time from writing the final "\r\n.\r\n" to reading the
 * complete reply to it - the time the server takes to make the message durable and say
 * 250 - and prints one line:
 *
 *   lat_n= lat_p50_ms= lat_p99_ms= lat_max_ms= lat_mean_ms= lat_errors= lat_wall_s= lat_msgs_s=
 *
 * Recipients follow the bench's mailboxes: message j of session i goes to uK@domain with
 * K = (i + j) mod users + 1, plus 2uK..RuK when --recipients R > 1 (smtp-source -r R's naming).
 * The body is --size bytes of 76-character lines (no header counted, as smtp-source -l).
 * Any unexpected reply counts as an error and ends that session; the exit status is then 1.
 * --warmup W: each session first sends W messages that are not measured.
 *
 * --connection-per-message: each session thread sends its messages one per connection, one
 * connection after another (connect, 220, EHLO, MAIL, RCPT, DATA, body, final dot -> 250,
 * QUIT -> 221, close), as smtp-source does by default and as MTA-to-MTA traffic mostly is.
 * Per message it measures
 *   connect: from before the TCP connect to having read the complete 220 greeting;
 *   eod:     from writing the final "\r\n.\r\n" to reading the 250 (as in the default mode);
 *   session: from before the TCP connect to having read the 221 reply to QUIT;
 * and prints, after the lat_* line (whose figures are then the eod ones), a second line:
 *
 *   conn_p50_ms= conn_p99_ms= eod_p50_ms= eod_p99_ms= sess_p50_ms= sess_p99_ms= sess_max_ms= sess_n= sess_errors=
 *
 * sess_n counts the complete sessions (221 read). An unexpected reply or I/O error ends that
 * connection only, counts in sess_errors (and lat_errors), and the thread goes on with its next
 * message on a new connection; the exit status is then 1. Warm-up messages are not measured.
 */

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

public class Latency {
    static String host;
    static int port;
    static int sessions = 20, messages = 1000, size = 4096, recipients = 1, users = 10, warmup = 0;
    static boolean connectionPerMessage;
    static String domain = "bench.test";
    static byte[] body;
    static final AtomicInteger errors = new AtomicInteger();

    public static void main(String[] args) throws Exception {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--connection-per-message")) {   // the only flag without a value
                connectionPerMessage = true;
                continue;
            }
            String v = i + 1 < args.length ? args[i + 1] : null;
            if (v == null) usage(args[i] + " needs a value");
            switch (args[i]) {
                case "--target" -> {
                    int c = v.lastIndexOf(':');
                    host = v.substring(0, c).replace("[", "").replace("]", "");
                    port = Integer.parseInt(v.substring(c + 1));
                }
                case "--sessions" -> sessions = Integer.parseInt(v);
                case "--messages" -> messages = Integer.parseInt(v);
                case "--size" -> size = Integer.parseInt(v);
                case "--recipients" -> recipients = Integer.parseInt(v);
                case "--users" -> users = Integer.parseInt(v);
                case "--domain" -> domain = v;
                case "--warmup" -> warmup = Integer.parseInt(v);
                default -> usage("unknown argument " + args[i]);
            }
            i++;
        }
        if (host == null) usage("--target is required");
        if (!(host.startsWith("127.") || host.equals("::1"))) usage("refusing non-loopback target " + host);
        body = makeBody(size);

        long[][] lat = new long[sessions][];
        long[][] conn = new long[sessions][], sess = new long[sessions][];   // --connection-per-message
        CountDownLatch done = new CountDownLatch(sessions);
        long t0 = System.nanoTime();
        for (int s = 0; s < sessions; s++) {
            int id = s;
            int n = messages / sessions + (s < messages % sessions ? 1 : 0);
            Thread t = new Thread(() -> {
                try {
                    if (connectionPerMessage) {
                        long[][] r = connections(id, n);
                        conn[id] = r[0];
                        lat[id] = r[1];
                        sess[id] = r[2];
                    } else {
                        lat[id] = session(id, n);
                    }
                } catch (Exception e) {
                    errors.incrementAndGet();
                    System.err.println("Latency: session " + id + ": " + e.getMessage());
                    lat[id] = new long[0];
                    conn[id] = new long[0];
                    sess[id] = new long[0];
                } finally {
                    done.countDown();
                }
            }, "session-" + s);
            t.start();
        }
        done.await();
        double wall = (System.nanoTime() - t0) / 1e9;
        long[] all = sorted(lat);
        double mean = all.length == 0 ? Double.NaN : Arrays.stream(all).average().orElse(0) / 1e6;
        System.out.printf("lat_n=%d lat_p50_ms=%.3f lat_p99_ms=%.3f lat_max_ms=%.3f lat_mean_ms=%.3f lat_errors=%d lat_wall_s=%.3f lat_msgs_s=%.1f%n",
                all.length, pct(all, 50) / 1e6, pct(all, 99) / 1e6,
                all.length == 0 ? Double.NaN : all[all.length - 1] / 1e6, mean, errors.get(), wall, all.length / wall);
        if (connectionPerMessage) {
            long[] c = sorted(conn), e = all, w = sorted(sess);
            System.out.printf("conn_p50_ms=%.3f conn_p99_ms=%.3f eod_p50_ms=%.3f eod_p99_ms=%.3f sess_p50_ms=%.3f sess_p99_ms=%.3f sess_max_ms=%.3f sess_n=%d sess_errors=%d%n",
                    pct(c, 50) / 1e6, pct(c, 99) / 1e6, pct(e, 50) / 1e6, pct(e, 99) / 1e6,
                    pct(w, 50) / 1e6, pct(w, 99) / 1e6, w.length == 0 ? Double.NaN : w[w.length - 1] / 1e6,
                    w.length, errors.get());
        }
        System.exit(errors.get() == 0 ? 0 : 1);
    }

    /** All measured values (negative = not measured) of all threads, sorted. */
    static long[] sorted(long[][] perThread) {
        return Arrays.stream(perThread).flatMapToLong(Arrays::stream).filter(x -> x >= 0).sorted().toArray();
    }

    /** Nearest-rank percentile of sorted nanosecond values. */
    static double pct(long[] sorted, int p) {
        if (sorted.length == 0) return Double.NaN;
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    static byte[] makeBody(int n) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(n + 80);
        byte[] line = ("x".repeat(76) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        while (b.size() + line.length <= n) b.writeBytes(line);
        int rest = n - b.size();   // a last, shorter line (at least "y\r\n") to reach n bytes
        if (rest > 0) b.writeBytes(("y".repeat(Math.max(1, rest - 2)) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        return b.toByteArray();
    }

    /** A connection to the target whose 220 greeting has been read. */
    static final class Connection implements AutoCloseable {
        final Socket sock = new Socket();
        final InputStream in;
        final OutputStream out;

        private Connection() throws IOException {
            sock.setTcpNoDelay(true);
            sock.connect(new InetSocketAddress(host, port), 10_000);
            sock.setSoTimeout(120_000);
            in = new BufferedInputStream(sock.getInputStream(), 8192);
            out = new BufferedOutputStream(sock.getOutputStream(), 65536);
        }

        static Connection open() throws IOException {
            Connection c = new Connection();
            try {
                expect(c.in, "220", "greeting");
                return c;
            } catch (IOException e) {
                c.close();
                throw e;
            }
        }

        @Override
        public void close() throws IOException {
            sock.close();
        }
    }

    /** One session: EHLO, then n measured transactions (after the warm-up ones). */
    static long[] session(int id, int n) throws IOException {
        try (Connection c = Connection.open()) {
            InputStream in = c.in;
            OutputStream out = c.out;
            command(out, in, "EHLO latency.bench.test", "250");
            long[] lat = new long[n];
            for (int j = 0; j < warmup + n; j++) {
                long t = transaction(out, in, id, j);
                if (j >= warmup) lat[j - warmup] = t;
            }
            command(out, in, "QUIT", "221");
            return lat;
        }
    }

    /**
     * --connection-per-message: n measured messages (after the warm-up ones), each on its own
     * connection, one after another. Returns {connect, eod, session} nanoseconds per message;
     * -1 where a message failed (not counted; the error is).
     */
    static long[][] connections(int id, int n) {
        long[] conn = new long[n], eod = new long[n], sess = new long[n];
        Arrays.fill(conn, -1);
        Arrays.fill(eod, -1);
        Arrays.fill(sess, -1);
        for (int j = 0; j < warmup + n; j++) {
            long start = System.nanoTime();
            try (Connection c = Connection.open()) {
                InputStream in = c.in;
                OutputStream out = c.out;
                long connect = System.nanoTime() - start;
                command(out, in, "EHLO latency.bench.test", "250");
                long e = transaction(out, in, id, j);
                command(out, in, "QUIT", "221");
                long total = System.nanoTime() - start;
                if (j >= warmup) {
                    conn[j - warmup] = connect;
                    eod[j - warmup] = e;
                    sess[j - warmup] = total;
                }
            } catch (IOException x) {
                errors.incrementAndGet();
                System.err.println("Latency: session " + id + ", message " + j + ": " + x.getMessage());
            }
        }
        return new long[][] {conn, eod, sess};
    }

    /** One transaction (MAIL, RCPT..., DATA, body); returns final dot -> 250 in nanoseconds. */
    static long transaction(OutputStream out, InputStream in, int id, int j) throws IOException {
        int k = (id + j) % users + 1;
        command(out, in, "MAIL FROM:<latency@sender.test>", "250");
        StringBuilder to = new StringBuilder();
        for (int r = 1; r <= recipients; r++) {
            String rcpt = (r == 1 ? "" : Integer.toString(r)) + "u" + k + "@" + domain;
            command(out, in, "RCPT TO:<" + rcpt + ">", "250");
            to.append(r == 1 ? "" : ", ").append(rcpt);
        }
        command(out, in, "DATA", "354");
        String head = "From: <latency@sender.test>\r\nTo: " + to + "\r\nSubject: latency " + id + "." + j
                + "\r\nMessage-ID: <lat." + id + "." + j + "." + System.nanoTime() + "@latency.bench.test>\r\n\r\n";
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.write(body, 0, body.length - 2);   // all but the body's last CRLF ...
        out.flush();
        long t0 = System.nanoTime();
        out.write(END);                        // ... which is part of "\r\n.\r\n"
        out.flush();
        expect(in, "250", "end of data");
        return System.nanoTime() - t0;
    }

    static final byte[] END = "\r\n.\r\n".getBytes(StandardCharsets.US_ASCII);

    static void command(OutputStream out, InputStream in, String line, String code) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        expect(in, code, line);
    }

    /** Reads a (possibly multi-line) reply and checks its code. */
    static void expect(InputStream in, String code, String what) throws IOException {
        String line;
        do {
            line = readLine(in);
            if (line == null) throw new IOException("connection closed, waiting for the reply to " + what);
        } while (line.length() > 3 && line.charAt(3) == '-');
        if (!line.startsWith(code)) throw new IOException("reply to " + what + ": " + line);
    }

    static String readLine(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') return b.toString();
            if (c != '\r') b.append((char) c);
        }
        return b.length() == 0 ? null : b.toString();
    }

    static void usage(String why) {
        System.err.println("Latency: " + why);
        System.err.println("usage: java Latency.java --target HOST:PORT [--sessions N] [--messages M] [--size BYTES]"
                + " [--recipients R] [--users U] [--domain D] [--warmup W] [--connection-per-message]");
        System.exit(2);
    }
}
