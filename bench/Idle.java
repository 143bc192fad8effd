/*
 * Idle.java - hold many idle SMTP sessions open and check that new ones are still served
 * promptly (JDK only, single-file program):
 *
 *   java bench/Idle.java --target 127.0.0.1:3625 --sessions 10000 [--pid PID] [--hold 15]
 *        [--probes 5] [--concurrency 200] [--domain bench.test]
 *
 * 1. Opens --sessions sessions from one thread with non-blocking sockets (at most
 *    --concurrency still connecting or waiting for their greeting / EHLO reply at a time, so
 *    the server's listen backlog is not flooded); each session reads the greeting, sends EHLO,
 *    reads the 250 and then stays idle.
 * 2. Prints "held sessions=... " (a caller may now measure the server), then holds them
 *    --hold seconds, noticing any the server closes.
 * 3. --probes times, with all of them open: a new session (blocking socket) connects and
 *    times the greeting, then a full transaction (EHLO, MAIL, RCPT, DATA, 4 KiB body,
 *    "." -> 250).
 * 4. Sends NOOP on every held session and counts the 250 replies (are they all still served?).
 * Prints key=value lines; with --pid, the server's RSS (VmRSS, and its peak VmHWM) from /proc.
 * The server's idle timeout (Tern: 5 minutes) must be longer than the whole run.
 */

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

public class Idle {
    static String host;
    static int port;
    static int sessions = 10_000, concurrency = 200, probes = 5;
    static long pid = -1;
    static double hold = 15;
    static String domain = "bench.test";

    /** One held session: its state and the bytes of the reply being read. */
    static final class Conn {
        final SocketChannel ch;
        int state;                      // 0 connecting, 1 greeting, 2 EHLO reply, 3 idle, 4 NOOP reply, 5 done, -1 dead
        final StringBuilder line = new StringBuilder();
        Conn(SocketChannel ch) { this.ch = ch; }
    }

    static final ByteBuffer READ = ByteBuffer.allocate(4096);
    static String firstError;
    static int closedByServer;

    public static void main(String[] args) throws Exception {
        for (int i = 0; i < args.length; i += 2) {
            String v = i + 1 < args.length ? args[i + 1] : "";
            switch (args[i]) {
                case "--target" -> {
                    int c = v.lastIndexOf(':');
                    host = v.substring(0, c).replace("[", "").replace("]", "");
                    port = Integer.parseInt(v.substring(c + 1));
                }
                case "--sessions" -> sessions = Integer.parseInt(v);
                case "--concurrency" -> concurrency = Integer.parseInt(v);
                case "--probes" -> probes = Integer.parseInt(v);
                case "--pid" -> pid = Long.parseLong(v);
                case "--hold" -> hold = Double.parseDouble(v);
                case "--domain" -> domain = v;
                default -> { System.err.println("Idle: unknown argument " + args[i]); System.exit(2); }
            }
        }
        if (host == null || !(host.startsWith("127.") || host.equals("::1"))) {
            System.err.println("Idle: --target must be a loopback HOST:PORT");
            System.exit(2);
        }
        System.out.println("before " + rss());

        // 1. open them all
        Selector sel = Selector.open();
        List<Conn> conns = new ArrayList<>(sessions);
        int started = 0, inFlight = 0, idle = 0, failed = 0;
        long t0 = System.nanoTime();
        long deadline = t0 + 300_000_000_000L;
        while (idle + failed < sessions && System.nanoTime() < deadline) {
            while (started < sessions && inFlight < concurrency) {
                SocketChannel ch = SocketChannel.open();
                ch.configureBlocking(false);
                Conn c = new Conn(ch);
                conns.add(c);
                started++;
                inFlight++;
                try {
                    if (ch.connect(new InetSocketAddress(host, port))) {
                        c.state = 1;
                        ch.register(sel, SelectionKey.OP_READ, c);
                    } else {
                        ch.register(sel, SelectionKey.OP_CONNECT, c);
                    }
                } catch (IOException e) {
                    fail(c, e.toString());
                    inFlight--;
                    failed++;
                }
            }
            sel.select(1000);
            for (Iterator<SelectionKey> it = sel.selectedKeys().iterator(); it.hasNext(); ) {
                SelectionKey k = it.next();
                it.remove();
                Conn c = (Conn) k.attachment();
                int before = c.state;
                step(c, k);
                if (before < 3 && c.state == 3) { inFlight--; idle++; }
                if (before >= 0 && before < 3 && c.state == -1) { inFlight--; failed++; }
            }
        }
        double openS = (System.nanoTime() - t0) / 1e9;
        System.out.printf("held sessions=%d failed=%d open_s=%.1f %s%s%n", idle, failed, openS, rss(),
                firstError == null ? "" : " first_error=\"" + firstError + "\"");
        System.out.flush();

        // 2. hold them, watching for sessions the server closes
        long holdEnd = System.nanoTime() + (long) (hold * 1e9);
        while (System.nanoTime() < holdEnd) {
            sel.select(Math.max(1, (holdEnd - System.nanoTime()) / 1_000_000));
            drain(sel);
        }

        // 3. new sessions while they are all open
        double[] greet = new double[probes], txn = new double[probes];
        int probeErrors = 0;
        for (int p = 0; p < probes; p++) {
            try {
                double[] r = probe(p);
                greet[p] = r[0];
                txn[p] = r[1];
            } catch (IOException e) {
                probeErrors++;
                greet[p] = txn[p] = Double.NaN;
                System.err.println("Idle: probe " + p + ": " + e.getMessage());
            }
            drain(sel);
        }
        System.out.printf("probes n=%d errors=%d greeting_ms=%s transaction_ms=%s greeting_max_ms=%.1f transaction_max_ms=%.1f%n",
                probes, probeErrors, fmt(greet), fmt(txn), max(greet), max(txn));

        // 4. are the held sessions still served? NOOP on each, count the 250s
        byte[] noop = "NOOP\r\n".getBytes(StandardCharsets.US_ASCII);
        int asked = 0;
        for (Conn c : conns) {
            if (c.state != 3) continue;
            try {
                c.ch.write(ByteBuffer.wrap(noop));     // 6 bytes: always fits the socket buffer
                c.state = 4;
                asked++;
            } catch (IOException e) {
                c.state = -1;
            }
        }
        long noopEnd = System.nanoTime() + 60_000_000_000L;
        long tn = System.nanoTime();
        while (count(conns, 4) > 0 && System.nanoTime() < noopEnd) {
            sel.select(1000);
            drain(sel);
        }
        int answered = count(conns, 5);
        System.out.printf("noop asked=%d answered=%d noop_all_s=%.1f closed_by_server=%d %s%n",
                asked, answered, (System.nanoTime() - tn) / 1e9, closedByServer, rss());
        for (Conn c : conns) try { c.ch.close(); } catch (IOException ignored) { }
        boolean ok = idle == sessions && probeErrors == 0 && answered == asked && asked == sessions;
        System.out.println("result ok=" + (ok ? 1 : 0));
        System.exit(ok ? 0 : 1);
    }

    static void drain(Selector sel) {
        for (Iterator<SelectionKey> it = sel.selectedKeys().iterator(); it.hasNext(); ) {
            SelectionKey k = it.next();
            it.remove();
            step((Conn) k.attachment(), k);
        }
    }

    /** Advances one session's state machine on readiness. */
    static void step(Conn c, SelectionKey k) {
        try {
            if (c.state == 0) {
                if (!c.ch.finishConnect()) return;
                c.state = 1;
                k.interestOps(SelectionKey.OP_READ);
                return;
            }
            READ.clear();
            int n = c.ch.read(READ);
            if (n < 0) {
                if (c.state >= 3) closedByServer++;
                fail(c, "closed by server in state " + c.state);
                k.cancel();
                return;
            }
            READ.flip();
            while (READ.hasRemaining()) {
                char ch = (char) READ.get();
                if (ch != '\n') { if (ch != '\r') c.line.append(ch); continue; }
                String line = c.line.toString();
                c.line.setLength(0);
                if (line.length() > 3 && line.charAt(3) == '-') continue;   // a multi-line reply goes on
                switch (c.state) {
                    case 1 -> {
                        if (!line.startsWith("220")) { fail(c, "greeting: " + line); return; }
                        c.ch.write(ByteBuffer.wrap(("EHLO idle.bench.test\r\n").getBytes(StandardCharsets.US_ASCII)));
                        c.state = 2;
                    }
                    case 2 -> {
                        if (!line.startsWith("250")) { fail(c, "EHLO: " + line); return; }
                        c.state = 3;
                    }
                    case 4 -> c.state = line.startsWith("250") ? 5 : -1;
                    default -> fail(c, "unexpected line in state " + c.state + ": " + line);
                }
            }
        } catch (IOException e) {
            fail(c, e.toString());
            k.cancel();
        }
    }

    static void fail(Conn c, String why) {
        if (firstError == null) firstError = why;
        c.state = -1;
        try { c.ch.close(); } catch (IOException ignored) { }
    }

    static int count(List<Conn> conns, int state) {
        int n = 0;
        for (Conn c : conns) if (c.state == state) n++;
        return n;
    }

    /** A new session: {ms to the greeting, ms for EHLO + one 4 KiB transaction}. */
    static double[] probe(int p) throws IOException {
        long t0 = System.nanoTime();
        try (Socket s = new Socket()) {
            s.setTcpNoDelay(true);
            s.setSoTimeout(60_000);
            s.connect(new InetSocketAddress(host, port), 60_000);
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            expect(in, "220");
            double greet = (System.nanoTime() - t0) / 1e6;
            long t1 = System.nanoTime();
            say(out, in, "EHLO probe.bench.test", "250");
            say(out, in, "MAIL FROM:<probe@sender.test>", "250");
            say(out, in, "RCPT TO:<u1@" + domain + ">", "250");
            say(out, in, "DATA", "354");
            StringBuilder m = new StringBuilder("Subject: probe " + p + "\r\n\r\n");
            while (m.length() < 4096) m.append("x".repeat(76)).append("\r\n");
            say(out, in, m + ".", "250");
            double txn = (System.nanoTime() - t1) / 1e6;
            say(out, in, "QUIT", "221");
            return new double[] {greet, txn};
        }
    }

    static void say(OutputStream out, InputStream in, String line, String code) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        expect(in, code);
    }

    static void expect(InputStream in, String code) throws IOException {
        String line;
        do {
            StringBuilder b = new StringBuilder();
            int c;
            while ((c = in.read()) != -1 && c != '\n') if (c != '\r') b.append((char) c);
            if (c == -1) throw new IOException("connection closed waiting for " + code);
            line = b.toString();
        } while (line.length() > 3 && line.charAt(3) == '-');
        if (!line.startsWith(code)) throw new IOException("expected " + code + ", got: " + line);
    }

    static String rss() {
        if (pid < 0) return "";
        try {
            String rss = "?", hwm = "?";
            for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (l.startsWith("VmRSS:")) rss = l.replaceAll("\\D", "");
                if (l.startsWith("VmHWM:")) hwm = l.replaceAll("\\D", "");
            }
            return "server_rss_kib=" + rss + " server_rss_peak_kib=" + hwm;
        } catch (IOException e) {
            return "server_rss_kib=? (" + e.getMessage() + ")";
        }
    }

    static String fmt(double[] v) {
        StringBuilder b = new StringBuilder();
        for (double x : v) b.append(b.length() == 0 ? "" : ",").append(String.format("%.1f", x));
        return b.toString();
    }

    static double max(double[] v) {
        return Arrays.stream(v).filter(x -> !Double.isNaN(x)).max().orElse(Double.NaN);
    }
}
