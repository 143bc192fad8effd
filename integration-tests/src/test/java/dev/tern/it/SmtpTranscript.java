package dev.tern.it;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A raw-socket SMTP client that reads like the dialogue it drives:
 * {@code send("MAIL FROM:<a@b>"); expect("250 2.1.0");}. Every read is bounded by a
 * socket timeout. Failures quote the whole transcript so far.
 */
public final class SmtpTranscript implements AutoCloseable {

    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    static final Duration READ_TIMEOUT = Duration.ofSeconds(20);
    private static final Pattern QUEUED = Pattern.compile("^250 2\\.0\\.0 Ok: queued as (\\S+)$");

    /** One (possibly multi-line) reply: its code and the text of every line. */
    public record Reply(int code, List<String> lines) {
        /** The text after the code of the last line, e.g. "2.1.0 Ok". */
        public String text() {
            return lines.get(lines.size() - 1);
        }

        /** The last line as it came over the wire, e.g. "250 2.1.0 Ok". */
        public String lastLine() {
            return code + " " + text();
        }

        @Override
        public String toString() {
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < lines.size(); i++) {
                out.append(code).append(i == lines.size() - 1 ? ' ' : '-').append(lines.get(i)).append('\n');
            }
            return out.toString().stripTrailing();
        }
    }

    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private final StringBuilder transcript = new StringBuilder();

    private SmtpTranscript(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    public static SmtpTranscript connect(String host, int port) {
        return connectFrom(null, host, port);
    }

    /** Connects from a chosen local address (e.g. 127.0.0.2: another client, as the server sees it). */
    public static SmtpTranscript connectFrom(String localHost, String host, int port) {
        Socket socket = new Socket();
        try {
            if (localHost != null) {
                socket.bind(new InetSocketAddress(localHost, 0));
            }
            socket.connect(new InetSocketAddress(host, port), (int) CONNECT_TIMEOUT.toMillis());
            socket.setSoTimeout((int) READ_TIMEOUT.toMillis());
            socket.setTcpNoDelay(true);
            SmtpTranscript session = new SmtpTranscript(socket);
            session.note("* connected to " + host + ":" + port);
            return session;
        } catch (IOException e) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // nothing to close
            }
            throw new UncheckedIOException("cannot connect to " + host + ":" + port, e);
        }
    }

    /**
     * Connects to an implicit-TLS (smtps) listener: the TLS handshake comes first, with a
     * client that trusts any certificate; the greeting is then read by the test as usual.
     */
    public static SmtpTranscript connectTls(String host, int port) {
        SmtpTranscript session = connect(host, port);
        try {
            session.upgrade(host, port);
            return session;
        } catch (RuntimeException | Error e) {
            session.close();
            throw e;
        }
    }

    public static SmtpTranscript connectSmtps(TernProcess tern) {
        return connectTls("127.0.0.1", tern.smtpsPort());
    }

    public static SmtpTranscript connect(TernProcess tern) {
        return connect(tern.host(), tern.inboundPort());
    }

    public static SmtpTranscript connectOutbound(TernProcess tern) {
        return connect("127.0.0.1", tern.outboundPort());
    }

    public Socket socket() {
        return socket;
    }

    /** The TLS session once {@link #startTls()} or {@link #connectTls} has run, else null. */
    public javax.net.ssl.SSLSession tlsSession() {
        return socket instanceof javax.net.ssl.SSLSocket tls ? tls.getSession() : null;
    }

    /**
     * STARTTLS, its 220, then the TLS handshake on the same connection (trusting any
     * certificate). The client must EHLO again afterwards. Fails if the server sent anything
     * in clear after the 220: nothing may follow it before the handshake.
     */
    public SmtpTranscript startTls() {
        send("STARTTLS");
        expect("220 2.0.0");
        return handshakeNow();
    }

    /** The TLS handshake right now, e.g. after a 220 to STARTTLS read by the test itself. */
    public SmtpTranscript handshakeNow() {
        try {
            if (in.available() > 0) {
                throw fail("the server sent " + in.available() + " byte(s) in clear after its 220 to STARTTLS");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        java.net.InetSocketAddress peer = (java.net.InetSocketAddress) socket.getRemoteSocketAddress();
        upgrade(peer.getHostString(), peer.getPort());
        return this;
    }

    private void upgrade(String host, int port) {
        try {
            javax.net.ssl.SSLSocket tls = (javax.net.ssl.SSLSocket) TlsClient.trustAll().getSocketFactory()
                    .createSocket(socket, host, port, true);
            tls.setSoTimeout((int) TlsClient.HANDSHAKE_TIMEOUT.toMillis());
            tls.startHandshake();
            tls.setSoTimeout((int) READ_TIMEOUT.toMillis());
            socket = tls;
            in = new BufferedInputStream(tls.getInputStream());
            out = tls.getOutputStream();
            note("* TLS handshake done: " + tls.getSession().getProtocol() + " " + tls.getSession().getCipherSuite());
        } catch (IOException e) {
            throw fail("TLS handshake failed: " + e);
        }
    }

    public String transcript() {
        return transcript.toString();
    }

    private void note(String line) {
        synchronized (transcript) {
            transcript.append(line).append('\n');
        }
    }

    // ----- writing -----

    /** Sends one command line; CRLF is added. */
    public SmtpTranscript send(String line) {
        return sendRaw((line + "\r\n").getBytes(StandardCharsets.ISO_8859_1), "C: " + line);
    }

    /** Sends several command lines in ONE write (pipelining, RFC 2920). */
    public SmtpTranscript pipeline(String... lines) {
        StringBuilder all = new StringBuilder();
        for (String line : lines) {
            all.append(line).append("\r\n");
        }
        return sendRaw(all.toString().getBytes(StandardCharsets.ISO_8859_1), "C (one write): " + String.join(" | ", lines));
    }

    /** Sends bytes exactly as given. */
    public SmtpTranscript sendRaw(byte[] bytes) {
        return sendRaw(bytes, "C (raw " + bytes.length + " bytes): " + printable(bytes));
    }

    public SmtpTranscript sendRaw(String text) {
        return sendRaw(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    private SmtpTranscript sendRaw(byte[] bytes, String description) {
        note(description);
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            throw fail("write failed: " + e);
        }
        return this;
    }

    /**
     * Sends message content after a 354: the lines are dot-stuffed and CRLF-terminated,
     * then the terminating ".". The content is given with CRLF line ends.
     */
    public SmtpTranscript sendData(String contentWithCrlf) {
        return sendData(contentWithCrlf.getBytes(StandardCharsets.ISO_8859_1));
    }

    public SmtpTranscript sendData(byte[] content) {
        ByteArrayOutputStream wire = new ByteArrayOutputStream(content.length + 64);
        boolean lineStart = true;
        for (byte b : content) {
            if (lineStart && b == '.') {
                wire.write('.');
            }
            wire.write(b);
            lineStart = b == '\n';
        }
        if (!lineStart) {
            wire.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        wire.writeBytes(".\r\n".getBytes(StandardCharsets.US_ASCII));
        return sendRaw(wire.toByteArray(), "C (message content, " + content.length + " bytes, dot-stuffed, then .)");
    }

    // ----- reading -----

    /** Reads one complete reply (all lines of a multi-line reply). */
    public Reply read() {
        List<String> lines = new ArrayList<>();
        int code = -1;
        while (true) {
            String line;
            try {
                line = readLine();
            } catch (UncheckedIOException e) {
                if (e.getCause() instanceof SocketTimeoutException) {
                    throw fail("no reply within " + READ_TIMEOUT.toSeconds() + " s");
                }
                throw fail("reading a reply failed: " + e.getCause());
            }
            if (line == null) {
                throw fail(lines.isEmpty() ? "connection closed while a reply was expected"
                        : "connection closed inside a multi-line reply");
            }
            note("S: " + line);
            if (line.length() < 3 || !line.substring(0, 3).chars().allMatch(Character::isDigit)
                    || (line.length() > 3 && line.charAt(3) != ' ' && line.charAt(3) != '-')) {
                throw fail("not an SMTP reply line: '" + line + "'");
            }
            int lineCode = Integer.parseInt(line.substring(0, 3));
            if (code != -1 && lineCode != code) {
                throw fail("multi-line reply changed its code from " + code + " to " + lineCode);
            }
            code = lineCode;
            lines.add(line.length() > 4 ? line.substring(4) : "");
            if (line.length() == 3 || line.charAt(3) == ' ') {
                return new Reply(code, List.copyOf(lines));
            }
        }
    }

    /**
     * Reads one reply and checks that its last line starts with the expected text: a code
     * ("250"), a code and enhanced status ("250 2.1.0"), or more.
     */
    public Reply expect(String expectedStart) {
        Reply reply = read();
        if (!reply.lastLine().startsWith(expectedStart)) {
            throw fail("expected a reply starting with '" + expectedStart + "' but got '" + reply.lastLine() + "'");
        }
        return reply;
    }

    /** Reads one reply per expectation, in order (e.g. the replies to a pipelined group). */
    public List<Reply> expect(String... expectedStarts) {
        List<Reply> replies = new ArrayList<>();
        for (String expected : expectedStarts) {
            replies.add(expect(expected));
        }
        return replies;
    }

    /** Waits (bounded) for the server to close: end of stream or a reset, no further reply. */
    public void expectClosed() {
        try {
            socket.setSoTimeout((int) READ_TIMEOUT.toMillis());
            String line = readLine();
            if (line != null) {
                note("S: " + line);
                throw fail("expected the server to close the connection, but it sent '" + line + "'");
            }
            note("* closed by server");
        } catch (UncheckedIOException e) {
            if (e.getCause() instanceof SocketTimeoutException) {
                throw fail("the server did not close the connection within " + READ_TIMEOUT.toSeconds() + " s");
            }
            if (e.getCause() instanceof SocketException) {
                note("* connection reset by server");
                return;
            }
            throw e;
        } catch (SocketException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether any byte arrives within the time (used to show that nothing more was sent). */
    public boolean nothingWithin(Duration quiet) {
        try {
            socket.setSoTimeout((int) quiet.toMillis());
            try {
                int b = in.read();
                if (b == -1) {
                    note("* closed by server");
                    return true;
                }
                note("S (unexpected byte): " + (char) b);
                return false;
            } catch (SocketTimeoutException e) {
                return true;
            } finally {
                socket.setSoTimeout((int) READ_TIMEOUT.toMillis());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A line without its CRLF, or null at end of stream. */
    private String readLine() {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        try {
            while (true) {
                int b = in.read();
                if (b == -1) {
                    return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
                }
                if (b == '\n') {
                    String text = line.toString(StandardCharsets.ISO_8859_1);
                    return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
                }
                line.write(b);
                if (line.size() > 100_000) {
                    throw fail("reply line longer than 100000 bytes");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ----- whole steps -----

    /** Reads the 220 greeting. */
    public Reply greeting() {
        return expect("220 ");
    }

    /** EHLO and its multi-line 250. */
    public Reply ehlo(String domain) {
        send("EHLO " + domain);
        return expect("250");
    }

    /** Greeting and EHLO client.test. */
    public SmtpTranscript hello() {
        greeting();
        ehlo("client.test");
        return this;
    }

    /** A whole transaction on a greeted session; returns the queue id from the final 250. */
    public String deliver(String from, List<String> recipients, String contentWithCrlf) {
        return deliver(from, recipients, contentWithCrlf.getBytes(StandardCharsets.ISO_8859_1));
    }

    public String deliver(String from, List<String> recipients, byte[] content) {
        send("MAIL FROM:<" + from + ">");
        expect("250 2.1.0");
        for (String recipient : recipients) {
            send("RCPT TO:<" + recipient + ">");
            expect("250 2.1.5");
        }
        send("DATA");
        expect("354");
        sendData(content);
        return queuedId(expect("250 2.0.0"));
    }

    /** The id in "250 2.0.0 Ok: queued as ID". */
    public String queuedId(Reply reply) {
        Matcher matcher = QUEUED.matcher(reply.lastLine());
        if (!matcher.matches()) {
            throw fail("expected '250 2.0.0 Ok: queued as <ID>' but got '" + reply.lastLine() + "'");
        }
        return matcher.group(1);
    }

    public void quit() {
        send("QUIT");
        expect("221");
    }

    /** Closes abruptly with a TCP reset (SO_LINGER 0): a client that vanished. */
    public void abort() {
        try {
            note("* client aborts the connection (RST)");
            socket.setSoLinger(true, 0);
            socket.close();
        } catch (IOException ignored) {
            // it is gone either way
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    public AssertionError fail(String message) {
        return new AssertionError(message + "\n----- SMTP transcript -----\n" + transcript() + "-----");
    }

    private static String printable(byte[] bytes) {
        int shown = Math.min(bytes.length, 200);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < shown; i++) {
            int b = bytes[i] & 0xff;
            if (b == '\r') {
                text.append("\\r");
            } else if (b == '\n') {
                text.append("\\n");
            } else if (b < 0x20 || b >= 0x7f) {
                text.append(String.format("\\x%02x", b));
            } else {
                text.append((char) b);
            }
        }
        return bytes.length > shown ? text + "..." : text.toString();
    }
}
