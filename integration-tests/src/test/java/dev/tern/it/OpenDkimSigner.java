package dev.tern.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * OpenDKIM (Debian's {@code opendkim}, the milter Postfix sites run) signing a message, driven by
 * {@code miltertest} over the milter protocol on a loopback port: an implementation no one here
 * wrote. One process per signer; {@link #close()} stops it.
 */
final class OpenDkimSigner implements AutoCloseable {

    static final Path OPENDKIM = Path.of("/usr/sbin/opendkim");
    static final Path MILTERTEST = Path.of("/usr/bin/miltertest");
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final Path dir;
    private final int port;
    private final Process process;

    private OpenDkimSigner(Path dir, int port, Process process) {
        this.dir = dir;
        this.port = port;
        this.process = process;
    }

    static boolean available() {
        return Files.isExecutable(OPENDKIM) && Files.isExecutable(MILTERTEST);
    }

    /** Starts {@code opendkim -f}: rsa-sha256, relaxed/relaxed, for {@code domain} with {@code keyFile}. */
    static OpenDkimSigner start(Path dir, String domain, String selector, Path keyFile) throws IOException {
        int port = TestDirs.freePort();
        Path config = Files.writeString(dir.resolve("opendkim-" + selector + ".conf"), String.join("\n",
                "Mode s", "Domain " + domain, "Selector " + selector, "KeyFile " + keyFile,
                "SignatureAlgorithm rsa-sha256", "Canonicalization relaxed/relaxed",
                "Socket inet:" + port + "@127.0.0.1", "Background no", "Syslog no", "RequireSafeKeys no", ""));
        Process process = new ProcessBuilder(OPENDKIM.toString(), "-f", "-x", config.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("opendkim-" + selector + ".log").toFile())
                .start();
        OpenDkimSigner signer = new OpenDkimSigner(dir, port, process);
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!signer.listening()) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                signer.close();
                throw new IOException("opendkim did not listen on 127.0.0.1:" + port + ": "
                        + Files.readString(dir.resolve("opendkim-" + selector + ".log")));
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }
        return signer;
    }

    private boolean listening() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The DKIM-Signature field OpenDKIM adds to a message with these header fields (in order) and
     * this body, CRLF line ends, ready to go in front of the message.
     */
    String signatureField(String mailFrom, List<Map.Entry<String, String>> headers, String body) throws IOException {
        StringBuilder script = new StringBuilder()
                .append("conn = mt.connect(\"inet:").append(port).append("@127.0.0.1\")\n")
                .append("if conn == nil then error \"no connection\" end\n")
                // the MTA's name ({j}), as Postfix sends it: without it OpenDKIM does not sign
                .append("mt.macro(conn, SMFIC_CONNECT, \"j\", \"mta.test\")\n")
                .append("if mt.conninfo(conn, \"localhost\", \"127.0.0.1\") ~= nil then error \"conninfo\" end\n")
                .append("if mt.mailfrom(conn, ").append(lua(mailFrom)).append(") ~= nil then error \"mailfrom\" end\n")
                .append("if mt.rcptto(conn, \"someone@example.test\") ~= nil then error \"rcptto\" end\n");
        for (Map.Entry<String, String> header : headers) {
            script.append("mt.header(conn, ").append(lua(header.getKey())).append(", ").append(lua(header.getValue()))
                    .append(")\n");
        }
        script.append("mt.eoh(conn)\n")
                .append("mt.bodystring(conn, ").append(lua(body)).append(")\n")
                .append("mt.eom(conn)\n")
                .append("io.write(mt.getheader(conn, \"DKIM-Signature\", 0))\n")
                .append("mt.disconnect(conn)\n");
        Path file = Files.writeString(dir.resolve("sign-" + System.nanoTime() + ".lua"), script);
        Exec.Result run = Exec.run(TIMEOUT, null, List.of(MILTERTEST.toString(), "-s", file.toString()));
        assertThat(run.exitCode()).as(run.describe()).isZero();
        assertThat(run.stdout()).as(run.describe()).contains("a=rsa-sha256");
        return "DKIM-Signature: " + run.stdout().replace("\r\n", "\n").strip().replace("\n", "\r\n") + "\r\n";
    }

    /** A quoted Lua string; every octet outside printable ASCII as a decimal escape (a long string would turn CRLF into LF). */
    private static String lua(String text) {
        StringBuilder quoted = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
                quoted.append(c);
            } else {
                quoted.append('\\').append(String.format(java.util.Locale.ROOT, "%03d", (int) c & 0xff));
            }
        }
        return quoted.append('"').toString();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
