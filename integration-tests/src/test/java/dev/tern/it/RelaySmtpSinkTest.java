package dev.tern.it;

import static dev.tern.it.Relaying.send;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A real MTA's receiving side as the remote MX: Postfix's {@code smtp-sink} (package
 * postfix), dumping each transaction to a file. Skipped where it is not installed.
 */
class RelaySmtpSinkTest {

    static final Path SMTP_SINK = Path.of("/usr/sbin/smtp-sink");

    @Test
    void postfixSmtpSinkReceivesRelayedMailIntact() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(SMTP_SINK),
                "no " + SMTP_SINK + " (apt-get install postfix; .ci/run should)");
        try (FakeInternet net = FakeInternet.start()) {
            String host = net.nextAddress();
            net.mx("sink.test", 10, "mx.sink.test", host);
            Path dumps = TestDirs.create("sink");
            net.closeLater(() -> TestDirs.deleteQuietly(dumps));
            Files.setPosixFilePermissions(dumps, PosixFilePermissions.fromString("rwxrwxrwx")); // written as -u nobody
            startSmtpSink(net, host, dumps);

            try (TernProcess tern = TernProcess.launch(net.ternOptions("500ms", "2s", "1m"))) {
                List<String> contents = List.of(
                        Relaying.message("sink one", "first message\r\n.a line with a leading dot"),
                        Relaying.message("sink two", "second message"));
                for (int n = 0; n < contents.size(); n++) {
                    send(tern, "alice@example.test", List.of("rcpt" + n + "@sink.test"), contents.get(n));
                }
                for (int n = 0; n < contents.size(); n++) {
                    Relaying.awaitLogLine(tern, Relaying.DELIVERY_TIMEOUT, "to=<rcpt" + n + "@sink.test>",
                            "relay=mx.sink.test[" + host + "]:" + net.smtpPort(), "status=sent (250 2.0.0 Ok");
                }
                List<String> dumped = awaitDumps(dumps, contents.size());
                for (int n = 0; n < contents.size(); n++) {
                    String rcpt = "rcpt" + n + "@sink.test";
                    String dump = dumped.stream().filter(d -> d.contains("X-Rcpt-Args: <" + rcpt + ">")).findFirst()
                            .orElseThrow(() -> new AssertionError("no smtp-sink dump for " + rcpt + " in " + dumped));
                    assertThat(dump).contains("X-Mail-Args: <alice@example.test>")
                            .contains("X-Helo-Args: " + TernProcess.HOSTNAME);
                    // smtp-sink's own Received comes first, then Tern's, then the message as sent, in
                    // LF lines and followed by one empty line (its dump format)
                    String lf = contents.get(n).replace("\r\n", "\n");
                    int ours = dump.indexOf("\n\tby " + TernProcess.HOSTNAME + " (Tern) with ESMTP id ");
                    assertThat(ours).as("Tern's Received header in\n" + dump).isPositive();
                    int end = ours + 1;
                    do {
                        end = dump.indexOf('\n', end) + 1;
                    } while (dump.charAt(end) == '\t' || dump.charAt(end) == ' ');
                    assertThat(dump.substring(end)).as("what follows Tern's Received header").isEqualTo(lf + "\n");
                }
            }
        }
    }

    private static void startSmtpSink(FakeInternet net, String host, Path dumps) throws IOException {
        List<String> command = new ArrayList<>(List.of(SMTP_SINK.toString()));
        if ("root".equals(System.getProperty("user.name"))) {
            command.addAll(List.of("-u", "nobody")); // smtp-sink refuses to run as root without it
        }
        command.addAll(List.of("-d", dumps + "/%M.", host + ":" + net.smtpPort(), "10"));
        Path log = dumps.resolveSibling(dumps.getFileName() + ".log");
        Process sink = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        net.closeLater(() -> {
            sink.destroy();
            sink.waitFor(5, TimeUnit.SECONDS);
            Files.deleteIfExists(log);
        });
        boolean listening = FakeInternet.await(Duration.ofSeconds(10), () -> {
            try (Socket probe = new Socket()) {
                probe.connect(new InetSocketAddress(host, net.smtpPort()), 500);
                return true;
            } catch (IOException e) {
                return false;
            }
        });
        assertThat(listening).as("smtp-sink listening on " + host + ":" + net.smtpPort() + " (" + command + "): "
                + (Files.exists(log) ? Files.readString(log) : "")).isTrue();
    }

    /** The dump files' contents once {@code count} complete ones exist. */
    private static List<String> awaitDumps(Path dir, int count) {
        List<String> texts = new ArrayList<>();
        FakeInternet.await(Duration.ofSeconds(10), () -> {
            texts.clear();
            for (Path file : Maildirs.list(dir)) {
                try {
                    texts.add(Files.readString(file, StandardCharsets.ISO_8859_1));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return texts.size() >= count;
        });
        assertThat(texts).as("smtp-sink dump files in " + dir).hasSize(count);
        return texts;
    }
}
