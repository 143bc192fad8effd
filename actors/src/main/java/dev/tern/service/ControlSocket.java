package dev.tern.service;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tern.files.PrivateFiles;

/**
 * The running service's administration socket: {@code ./tern queue flush} and
 * {@code queue remove} talk to it, as Postfix's postqueue talks to its queue manager. A
 * Unix-domain socket in the queue directory, owner-only, so the file system's permissions
 * are its access control. One request line, one answer line ({@code ok ...} or
 * {@code error ...}).
 */
final class ControlSocket implements AutoCloseable {

    static final String FILE_NAME = ".control";
    private static final Logger LOG = LoggerFactory.getLogger(ControlSocket.class);
    private static final int MAX_REQUEST = 1024;

    private final Path path;
    private final ServerSocketChannel server;
    private final RelayControl relays;
    private final Thread acceptor;

    private ControlSocket(Path path, ServerSocketChannel server, RelayControl relays) {
        this.path = path;
        this.server = server;
        this.relays = relays;
        this.acceptor = new Thread(this::acceptLoop, "tern-control");
        this.acceptor.setDaemon(true);
    }

    static Path pathIn(Path queueDir) {
        return queueDir.resolve(FILE_NAME);
    }

    static ControlSocket open(Path queueDir, RelayControl relays) throws IOException {
        Path path = pathIn(queueDir);
        // A socket file left by a killed service would block the bind; a live one answers.
        if (Files.exists(path) && ControlClient.isAnswering(path)) {
            throw new IOException("another Tern is running on this queue (" + path + " answers)");
        }
        Files.deleteIfExists(path);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        Files.setPosixFilePermissions(path, PrivateFiles.FILE);
        ControlSocket socket = new ControlSocket(path, server, relays);
        socket.acceptor.start();
        return socket;
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            try (SocketChannel client = server.accept()) {
                answer(client);
            } catch (IOException e) {
                if (server.isOpen()) {
                    LOG.warn("control socket: {}", e.toString());
                }
            }
        }
    }

    private void answer(SocketChannel client) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(client),
                StandardCharsets.UTF_8), MAX_REQUEST);
        String request = in.readLine();
        String reply;
        try {
            reply = request == null ? "error empty request" : handle(request.strip());
        } catch (RuntimeException e) {
            reply = "error " + e.getMessage();
        }
        OutputStream out = Channels.newOutputStream(client);
        out.write((reply + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private String handle(String request) {
        if (request.equals("flush")) {
            return "ok flushing " + await(relays.flush()) + " domains";
        }
        if (request.startsWith("remove ")) {
            String id = request.substring("remove ".length()).strip();
            return await(relays.remove(id)) ? "ok removed " + id : "error no queue entry " + id;
        }
        return "error unknown request";
    }

    private static <T> T await(CompletionStage<T> answer) {
        try {
            return answer.toCompletableFuture().get(RelayControl.ANSWER_WITHIN.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        } catch (Exception e) {
            throw new IllegalStateException("the service did not answer: " + e);
        }
    }

    @Override
    public void close() {
        try {
            server.close();
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.warn("control socket close: {}", e.toString());
        }
    }
}
