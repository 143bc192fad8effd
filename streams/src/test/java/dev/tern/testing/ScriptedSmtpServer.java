package dev.tern.testing;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;


/**
 * A real SMTP server on a loopback address for tests of SMTP clients: blocking sockets, one
 * thread per connection, replies scripted per command, and a record of what it received.
 *
 * <pre>{@code
 * try (ScriptedSmtpServer server = ScriptedSmtpServer.builder()
 *         .pipelining(true).startTls(true)
 *         .rcptReplies("250 2.1.5 ok", "550 5.1.1 no such user")
 *         .start()) {
 *     ... connect to server.address() ...
 *     Transaction t = server.awaitTransactions(1, Duration.ofSeconds(5)).get(0);
 *     assertThat(t.data()).isEqualTo(expectedBytes);
 * }
 * }</pre>
 *
 * <p>Reply scripts are queues shared by all connections: each command takes the next reply
 * of its queue, and the default once the queue is empty. A scripted reply is the wire text
 * without the final CRLF (multi-line replies: lines joined with CRLF); {@link #NO_REPLY}
 * makes the connection go silent from then on (for timeouts), {@link #HANG_UP} closes it. A
 * 421 reply is followed by the server closing the connection.
 */
public final class ScriptedSmtpServer implements AutoCloseable {

    /** A scripted "reply" that is never sent: the connection stops answering. */
    public static final String NO_REPLY = "<no reply>";

    /** A scripted "reply" that closes the connection instead of answering. */
    public static final String HANG_UP = "<hang up>";

    private static final byte[] CRLF = {'\r', '\n'};
    private static volatile SSLContext tlsContext;

    private final Builder config;
    private final ServerSocket serverSocket;
    private final ExecutorService threads = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "scripted-smtp");
        thread.setDaemon(true);
        return thread;
    });
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger mostOpen = new AtomicInteger();
    private final List<Command> commands = new CopyOnWriteArrayList<>();
    private final List<Transaction> transactions = new ArrayList<>(); // guarded by itself
    private volatile boolean closed;

    /**
     * One received transaction, recorded at the end of its data.
     *
     * @param helo        the EHLO/HELO argument in force
     * @param tls         whether the data came through TLS
     * @param mailFrom    the reverse-path without brackets ({@code ""} for the null sender)
     * @param mailParameters what followed the path on MAIL, e.g. {@code "SIZE=1234"}, or {@code ""}
     * @param recipients  the accepted forward-paths without brackets, in order
     * @param data        the message octets after removing dot-stuffing, CRLF line ends,
     *                    without the terminating {@code ".\r\n"}; with BDAT, the chunks joined
     * @param reply       the reply given to the end of data
     */
    public record Transaction(String helo, boolean tls, String mailFrom, String mailParameters, List<String> recipients,
                              byte[] data, String reply) {

        public String dataAsString() {
            return new String(data, ISO_8859_1);
        }
    }

    /**
     * One command line as received.
     *
     * @param connection the connection's number, from 1
     * @param line       the line without CRLF
     * @param tls        received through TLS
     * @param pipelined  more input was already waiting when the line was read (RFC 2920 batching)
     */
    public record Command(int connection, String line, boolean tls, boolean pipelined) {
    }

    private ScriptedSmtpServer(Builder config) throws IOException {
        this.config = config;
        this.serverSocket = new ServerSocket();
        serverSocket.bind(new InetSocketAddress(config.bind, config.port));
        threads.execute(this::acceptLoop);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A port on {@code host} that nothing listens on (bound, then closed): for connection refused. */
    public static InetSocketAddress closedPort(String host) throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getByName(host), 0));
            return new InetSocketAddress(socket.getInetAddress(), socket.getLocalPort());
        }
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(serverSocket.getInetAddress(), serverSocket.getLocalPort());
    }

    public int port() {
        return serverSocket.getLocalPort();
    }

    /** The transactions received so far. */
    public List<Transaction> transactions() {
        synchronized (transactions) {
            return List.copyOf(transactions);
        }
    }

    /** Waits until at least {@code count} transactions arrived; fails the test otherwise. */
    public List<Transaction> awaitTransactions(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (transactions) {
            while (transactions.size() < count) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("expected " + count + " transactions within " + timeout + ", got "
                            + transactions.size() + "; commands: " + commandLines());
                }
                TimeUnit.NANOSECONDS.timedWait(transactions, left);
            }
            return List.copyOf(transactions);
        }
    }

    /** Every command received, across connections, in order. */
    public List<Command> commands() {
        return List.copyOf(commands);
    }

    /** The command lines only. */
    public List<String> commandLines() {
        return commands.stream().map(Command::line).toList();
    }

    /** How many TCP connections were accepted. */
    public int connections() {
        return connections.get();
    }

    /** The most connections that were open at one time (from accept to close). */
    public int mostConcurrentConnections() {
        return mostOpen.get();
    }

    @Override
    public void close() {
        closed = true;
        try {
            serverSocket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Socket socket : sockets) {
            closeQuietly(socket);
        }
        threads.shutdownNow();
        try {
            threads.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ------------------------------------------------------------------ the server

    private void acceptLoop() {
        while (!closed) {
            Socket socket;
            try {
                socket = serverSocket.accept();
            } catch (IOException e) {
                return; // closed
            }
            sockets.add(socket);
            int number = connections.incrementAndGet();
            mostOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
            threads.execute(() -> {
                try {
                    new Conversation(socket, number).run();
                } catch (IOException e) {
                    // the client went away
                } finally {
                    closeQuietly(socket);
                    sockets.remove(socket);
                    open.decrementAndGet();
                }
            });
        }
    }

    private final class Conversation {
        private final int number;
        private Socket socket;
        private LineReader in;
        private OutputStream out;
        private boolean tls;
        private String helo;
        private String mailFrom;
        private String mailParameters;
        private List<String> recipients;
        private final ByteArrayOutputStream chunks = new ByteArrayOutputStream();

        Conversation(Socket socket, int number) throws IOException {
            this.socket = socket;
            this.number = number;
            this.in = new LineReader(socket.getInputStream());
            this.out = socket.getOutputStream();
        }

        void run() throws IOException {
            if (config.silent || !reply(next(config.greetings, "220 " + config.hostname + " ESMTP scripted"))) {
                drain();
                return;
            }
            byte[] raw;
            while ((raw = in.readLine()) != null) {
                String line = new String(raw, ISO_8859_1);
                commands.add(new Command(number, line, tls, in.hasBuffered()));
                int space = line.indexOf(' ');
                String verb = (space < 0 ? line : line.substring(0, space)).toUpperCase(Locale.ROOT);
                String argument = space < 0 ? "" : line.substring(space + 1).strip();
                boolean answered;
                switch (verb) {
                    case "EHLO" -> answered = ehlo(argument);
                    case "HELO" -> {
                        helo = argument;
                        resetTransaction();
                        answered = reply(next(config.heloReplies, "250 " + config.hostname));
                    }
                    case "STARTTLS" -> {
                        if (!startTls()) {
                            return;
                        }
                        answered = true;
                    }
                    case "MAIL" -> answered = mail(argument);
                    case "RCPT" -> answered = rcpt(argument);
                    case "DATA" -> answered = data();
                    case "BDAT" -> answered = bdat(argument);
                    case "RSET" -> {
                        resetTransaction();
                        answered = reply(next(config.rsetReplies, "250 2.0.0 Ok"));
                    }
                    case "NOOP" -> answered = reply("250 2.0.0 Ok");
                    case "QUIT" -> {
                        reply("221 2.0.0 Bye");
                        return;
                    }
                    default -> answered = reply("500 5.5.2 Command unrecognized");
                }
                if (!answered) {
                    drain();
                    return;
                }
                if (socket.isClosed()) {
                    return;
                }
            }
        }

        private boolean ehlo(String argument) throws IOException {
            if (!config.ehlo) {
                return reply("502 5.5.1 EHLO not implemented");
            }
            helo = argument;
            resetTransaction();
            List<String> lines = new ArrayList<>();
            lines.add(config.hostname + " greets " + argument);
            if (config.pipelining) {
                lines.add("PIPELINING");
            }
            if (config.size != null) {
                lines.add(config.size == 0 ? "SIZE" : "SIZE " + config.size);
            }
            if (config.startTls && !tls) {
                lines.add("STARTTLS");
            }
            if (config.eightBitMime) {
                lines.add("8BITMIME");
            }
            lines.add("ENHANCEDSTATUSCODES");
            lines.addAll(config.extensions);
            if (config.chunking) {
                lines.add("CHUNKING");
            }
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < lines.size(); i++) {
                text.append(i > 0 ? "\r\n" : "").append(i < lines.size() - 1 ? "250-" : "250 ").append(lines.get(i));
            }
            return reply(text.toString());
        }

        /** False when the connection is finished. */
        private boolean startTls() throws IOException {
            String answer = config.startTls && !tls
                    ? next(config.startTlsReplies, "220 2.0.0 Ready to start TLS")
                    : "502 5.5.1 STARTTLS not available";
            if (!reply(answer)) {
                drain();
                return false;
            }
            if (!answer.startsWith("220")) {
                return !socket.isClosed();
            }
            if (config.breakTlsHandshake) {
                out.write("this is not a TLS record\r\n".getBytes(ISO_8859_1));
                out.flush();
                return false;
            }
            SSLSocket secure = (SSLSocket) (config.tls != null ? config.tls : serverTlsContext()).getSocketFactory().createSocket(socket, null, true);
            secure.setUseClientMode(false);
            try {
                secure.startHandshake();
            } catch (IOException e) {
                return false;
            }
            sockets.add(secure);
            socket = secure;
            in = new LineReader(secure.getInputStream()); // cleartext read ahead is discarded
            out = secure.getOutputStream();
            tls = true;
            helo = null;
            resetTransaction();
            return true;
        }

        private boolean mail(String argument) throws IOException {
            if (!argument.regionMatches(true, 0, "FROM:", 0, 5)) {
                return reply("501 5.5.4 Syntax: MAIL FROM:<address>");
            }
            String[] path = path(argument.substring(5));
            String answer = next(config.mailReplies, "250 2.1.0 Ok");
            if (answer.startsWith("2")) {
                mailFrom = path[0];
                mailParameters = path[1];
                recipients = new ArrayList<>();
            }
            return reply(answer);
        }

        private boolean rcpt(String argument) throws IOException {
            if (!argument.regionMatches(true, 0, "TO:", 0, 3)) {
                return reply("501 5.5.4 Syntax: RCPT TO:<address>");
            }
            if (recipients == null) {
                return reply("503 5.5.1 Error: need MAIL command");
            }
            String address = path(argument.substring(3))[0];
            String fixed = config.rcptByAddress.get(address.toLowerCase(Locale.ROOT));
            String answer = fixed != null ? fixed : next(config.rcptReplies, "250 2.1.5 Ok");
            if (answer.startsWith("2")) {
                recipients.add(address);
            }
            return reply(answer);
        }

        private boolean data() throws IOException {
            if (recipients == null) {
                return reply("503 5.5.1 Error: need RCPT command");
            }
            if (recipients.isEmpty()) {
                return reply("554 5.5.1 Error: no valid recipients");
            }
            String answer = next(config.dataReplies, "354 End data with <CR><LF>.<CR><LF>");
            if (!reply(answer)) {
                return false;
            }
            if (!answer.startsWith("354")) {
                return true;
            }
            if (config.stallData) {
                stall();
                return false;
            }
            ByteArrayOutputStream data = new ByteArrayOutputStream();
            byte[] line;
            while ((line = in.readLine()) != null) {
                if (line.length == 1 && line[0] == '.') {
                    break;
                }
                int from = line.length > 0 && line[0] == '.' ? 1 : 0;
                data.write(line, from, line.length - from);
                data.write(CRLF);
            }
            if (line == null) {
                return false; // the connection ended inside the data: no transaction
            }
            String result = next(config.endOfDataReplies, "250 2.0.0 Ok: queued");
            pauseBeforeEndOfDataReply();
            recordTransaction(data.toByteArray(), result);
            return reply(result);
        }

        /** The transaction is over: recorded with its data and final reply, and reset. */
        private void pauseBeforeEndOfDataReply() throws IOException {
            if (config.endOfDataDelay.isZero()) {
                return;
            }
            try {
                Thread.sleep(config.endOfDataDelay.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("server closed", e);
            }
        }

        private void recordTransaction(byte[] data, String reply) {
            synchronized (transactions) {
                transactions.add(new Transaction(helo, tls, mailFrom, mailParameters, List.copyOf(recipients),
                        data, reply));
                transactions.notifyAll();
            }
            resetTransaction();
        }

        /**
         * RFC 3030 BDAT: reads exactly the announced octets, whatever the reply; the chunks of a
         * transaction are concatenated and recorded as its data at LAST.
         */
        private boolean bdat(String argument) throws IOException {
            String[] words = argument.split(" +");
            long size = Long.parseLong(words[0]);
            boolean last = words.length > 1 && words[1].equalsIgnoreCase("LAST");
            byte[] octets = in.readExactly(size);
            if (octets == null) {
                return false;
            }
            if (recipients == null || recipients.isEmpty()) {
                return reply("503 5.5.1 Error: need RCPT command");
            }
            chunks.write(octets);
            String answer = next(config.bdatReplies, last ? "250 2.0.0 Ok: queued" : "250 2.0.0 " + size + " octets received");
            if (last || !answer.startsWith("2")) {
                recordTransaction(chunks.toByteArray(), answer);
            }
            return reply(answer);
        }

        private void resetTransaction() {
            chunks.reset();
            mailFrom = null;
            mailParameters = null;
            recipients = null;
        }

        /** Sends a scripted reply; false for {@link #NO_REPLY}. Closes after a 421 and for {@link #HANG_UP}. */
        private boolean reply(String text) throws IOException {
            if (NO_REPLY.equals(text)) {
                return false;
            }
            if (HANG_UP.equals(text)) {
                socket.close();
                return true;
            }
            out.write((text.endsWith("\r\n") ? text : text + "\r\n").getBytes(ISO_8859_1));
            out.flush();
            if (text.startsWith("421")) {
                socket.close();
            }
            return true;
        }

        /** Stops reading altogether, so the client's writes back up, until the server closes. */
        private void stall() {
            try {
                while (!closed && !socket.isClosed()) {
                    Thread.sleep(50);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** Reads and ignores everything until the client closes (or the server does). */
        private void drain() {
            try {
                while (in.readLine() != null) {
                    // not answering
                }
            } catch (IOException ignored) {
                // closed
            }
        }
    }

    /** {@code <path> params} → {path, params}. */
    private static String[] path(String text) {
        String trimmed = text.strip();
        int close = trimmed.indexOf('>');
        if (trimmed.startsWith("<") && close > 0) {
            return new String[] {trimmed.substring(1, close), trimmed.substring(close + 1).strip()};
        }
        int space = trimmed.indexOf(' ');
        return space < 0 ? new String[] {trimmed, ""} : new String[] {trimmed.substring(0, space), trimmed.substring(space + 1).strip()};
    }

    private static String next(Deque<String> script, String fallback) {
        synchronized (script) {
            String reply = script.poll();
            return reply != null ? reply : fallback;
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    /** Lines split at CRLF only (a bare LF stays in the line), with a look at what is already buffered. */
    private static final class LineReader {
        private final InputStream in;
        private final byte[] buffer = new byte[8192];
        private int position;
        private int limit;

        LineReader(InputStream in) {
            this.in = in;
        }

        /** The next line without CRLF, or null at the end of input. */
        byte[] readLine() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            boolean cr = false;
            while (true) {
                if (!fill()) {
                    return null;
                }
                byte b = buffer[position++];
                if (cr && b == '\n') {
                    return line.toByteArray();
                }
                if (cr) {
                    line.write('\r');
                }
                cr = b == '\r';
                if (!cr) {
                    line.write(b);
                }
            }
        }

        /** Makes sure the buffer holds an unread octet; false at the end of input. */
        private boolean fill() throws IOException {
            if (position == limit) {
                int read = in.read(buffer);
                if (read < 0) {
                    return false;
                }
                position = 0;
                limit = read;
            }
            return true;
        }

        /** Exactly {@code size} octets, or null when the input ends first. */
        byte[] readExactly(long size) throws IOException {
            ByteArrayOutputStream octets = new ByteArrayOutputStream();
            while (octets.size() < size) {
                if (!fill()) {
                    return null;
                }
                int take = (int) Math.min(limit - position, size - octets.size());
                octets.write(buffer, position, take);
                position += take;
            }
            return octets.toByteArray();
        }

        boolean hasBuffered() throws IOException {
            return position < limit || in.available() > 0;
        }
    }

    /** A server context with a fresh self-signed EC certificate for {@code localhost}, made once per JVM. */
    static SSLContext serverTlsContext() {
        SSLContext context = tlsContext;
        if (context == null) {
            synchronized (ScriptedSmtpServer.class) {
                if (tlsContext == null) {
                    tlsContext = selfSigned();
                }
                context = tlsContext;
            }
        }
        return context;
    }

    private static SSLContext selfSigned() {
        try {
            return TestTls.serverContext();
        } catch (Exception e) {
            throw new IllegalStateException("cannot make the test certificate", e);
        }
    }

    /** Configuration; every setting has a working default (a plain ESMTP server on 127.0.0.1 accepting all). */
    public static final class Builder {
        private InetAddress bind;
        private int port;
        private String hostname = "mx.scripted.test";
        private boolean silent;
        private boolean ehlo = true;
        private boolean pipelining;
        private Long size;
        private boolean startTls;
        private boolean breakTlsHandshake;
        private SSLContext tls;
        private boolean stallData;
        private Duration endOfDataDelay = Duration.ZERO;
        private boolean eightBitMime = true;
        private boolean chunking;
        private final Deque<String> bdatReplies = new ArrayDeque<>();
        private final Deque<String> greetings = new ArrayDeque<>();
        private final Deque<String> heloReplies = new ArrayDeque<>();
        private final Deque<String> startTlsReplies = new ArrayDeque<>();
        private final Deque<String> mailReplies = new ArrayDeque<>();
        private final Deque<String> rcptReplies = new ArrayDeque<>();
        private final Map<String, String> rcptByAddress = new HashMap<>();
        private final Deque<String> dataReplies = new ArrayDeque<>();
        private final Deque<String> endOfDataReplies = new ArrayDeque<>();
        private final Deque<String> rsetReplies = new ArrayDeque<>();
        private final List<String> extensions = new ArrayList<>();

        private Builder() {
            try {
                bind = InetAddress.getByName("127.0.0.1");
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        /** A loopback address: {@code 127.0.0.x} or {@code ::1}. */
        public Builder bind(String address) throws IOException {
            InetAddress parsed = InetAddress.getByName(address);
            if (!parsed.isLoopbackAddress()) {
                throw new IllegalArgumentException("tests bind loopback addresses only: " + address);
            }
            this.bind = parsed;
            return this;
        }

        /** 0 (the default) for an ephemeral port. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public Builder hostname(String hostname) {
            this.hostname = hostname;
            return this;
        }

        /** Accepts connections and reads, but never says a word. */
        public Builder silent() {
            this.silent = true;
            return this;
        }

        /** Advertises one more EHLO keyword (e.g. {@code DSN}); its parameters are recorded, not checked. */
        public Builder extension(String keyword) {
            this.extensions.add(keyword);
            return this;
        }

        /** false: EHLO is answered {@code 502 5.5.1}, so clients must fall back to HELO. */
        public Builder ehlo(boolean ehlo) {
            this.ehlo = ehlo;
            return this;
        }

        /** Whether EHLO offers 8BITMIME (it does unless told otherwise). */
        public Builder eightBitMime(boolean offered) {
            eightBitMime = offered;
            return this;
        }

        /** More EHLO keywords, after the usual ones (e.g. SMTPUTF8). */
        public Builder extensions(String... keywords) {
            extensions.addAll(List.of(keywords));
            return this;
        }

        public Builder pipelining(boolean pipelining) {
            this.pipelining = pipelining;
            return this;
        }

        /** Advertises {@code SIZE limit} ({@code SIZE} alone for 0). Not enforced: the client must. */
        public Builder size(long limit) {
            this.size = limit;
            return this;
        }

        /** Advertises STARTTLS and performs it with a self-signed certificate for {@code localhost}. */
        public Builder startTls(boolean startTls) {
            this.startTls = startTls;
            return this;
        }

        /** Advertises STARTTLS and performs it with this context's certificate (e.g. one of {@link TestCa}'s). */
        public Builder startTls(SSLContext context) {
            this.startTls = true;
            this.tls = context;
            return this;
        }

        /** Advertises STARTTLS, answers 220, then sends garbage instead of a handshake and closes. */
        public Builder breakTlsHandshake() {
            this.startTls = true;
            this.breakTlsHandshake = true;
            return this;
        }

        /** Advertises CHUNKING (RFC 3030) and takes BDAT; each transaction's data is its chunks joined. */
        public Builder chunking(boolean chunking) {
            this.chunking = chunking;
            return this;
        }

        /** Replies to BDAT chunks in order; default {@code 250 2.0.0 <n> octets received}, and queued for LAST. */
        public Builder bdatReplies(String... replies) {
            bdatReplies.addAll(Arrays.asList(replies));
            return this;
        }

        /** After answering DATA with 354, stops reading from the connection (for data-block timeouts). */
        public Builder stallData() {
            this.stallData = true;
            return this;
        }

        /** Waits this long after the terminating dot before replying: a slow MX, so that sessions overlap. */
        public Builder endOfDataDelay(Duration delay) {
            this.endOfDataDelay = delay;
            return this;
        }

        /** Greetings, one per connection; default {@code 220 <hostname> ESMTP scripted}. */
        public Builder greetings(String... replies) {
            greetings.addAll(Arrays.asList(replies));
            return this;
        }

        public Builder heloReplies(String... replies) {
            heloReplies.addAll(Arrays.asList(replies));
            return this;
        }

        /** Replies to STARTTLS, e.g. {@code 454 4.7.0 TLS not available}; default 220. */
        public Builder startTlsReplies(String... replies) {
            startTlsReplies.addAll(Arrays.asList(replies));
            return this;
        }

        public Builder mailReplies(String... replies) {
            mailReplies.addAll(Arrays.asList(replies));
            return this;
        }

        /** Replies to RCPT in order of the attempts; default {@code 250 2.1.5 Ok}. */
        public Builder rcptReplies(String... replies) {
            rcptReplies.addAll(Arrays.asList(replies));
            return this;
        }

        /** A fixed reply to RCPT for one address (case-insensitive), ahead of {@link #rcptReplies}. */
        public Builder rcptReply(String address, String reply) {
            rcptByAddress.put(address.toLowerCase(Locale.ROOT), reply);
            return this;
        }

        /** Replies to the DATA command; default 354. */
        public Builder dataReplies(String... replies) {
            dataReplies.addAll(Arrays.asList(replies));
            return this;
        }

        /** Replies after the terminating dot; default {@code 250 2.0.0 Ok: queued}. */
        public Builder endOfDataReplies(String... replies) {
            endOfDataReplies.addAll(Arrays.asList(replies));
            return this;
        }

        public Builder rsetReplies(String... replies) {
            rsetReplies.addAll(Arrays.asList(replies));
            return this;
        }

        public ScriptedSmtpServer start() throws IOException {
            return new ScriptedSmtpServer(this);
        }
    }
}
