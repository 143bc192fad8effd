package dev.tern.service;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;

import dev.tern.queue.QueueListing;

/**
 * {@code ./tern queue list|flush|remove}. Listing reads the queue directly (the spool, or with {@code --queue-db} the
 * whole cluster's); flush and remove go through the running service's control socket, since its relays own the
 * entries (in a cluster the node asks the relays wherever they run; remove falls back to the queue itself when no
 * service runs here).
 */
record QueueCommands(TernSettings settings, PrintStream out, PrintStream err) {

    int run(List<String> words) throws UsageException {
        if (words.isEmpty()) {
            throw new UsageException("queue: expected list, flush or remove ID");
        }
        String action = words.get(0);
        Path queueDir = settings.relay().queueDir();
        try {
            return switch (action) {
                case "list" -> {
                    Main.expectWords(words, 1, "queue list takes no arguments");
                    out.print(QueueListing.format(TernService.queue(settings).all(), ZoneId.systemDefault()));
                    yield Main.OK;
                }
                case "flush" -> {
                    Main.expectWords(words, 1, "queue flush takes no arguments");
                    yield answered("flush", ControlClient.request(ControlSocket.pathIn(queueDir), "flush"),
                            "queue flush: the service is not running (start it with ./tern)");
                }
                case "remove" -> {
                    Main.expectWords(words, 2, "queue remove needs exactly one ID (see ./tern queue list)");
                    String id = words.get(1);
                    if (!id.matches("[A-Za-z0-9-]+")) {
                        throw new UsageException("queue remove: '" + id + "' is not a queue id");
                    }
                    Optional<String> answer = ControlClient.request(ControlSocket.pathIn(queueDir), "remove " + id);
                    if (answer.isPresent()) {
                        yield answered("remove", answer, null);
                    }
                    if (TernService.queue(settings).remove(id)) {
                        out.println("removed " + id);
                        yield Main.OK;
                    }
                    err.println("tern: queue remove: no queue entry " + id);
                    yield Main.FAILURE;
                }
                default -> throw new UsageException("queue: unknown action '" + action + "' (list, flush, remove ID)");
            };
        } catch (IOException e) {
            err.println("tern: queue " + action + ": " + JdbcUrls.withoutPassword(String.valueOf(e.getMessage())));
            return Main.FAILURE;
        }
    }

    private int answered(String action, Optional<String> answer, String whenNotRunning) {
        if (answer.isEmpty()) {
            err.println("tern: " + whenNotRunning);
            return Main.FAILURE;
        }
        String line = answer.get();
        if (line.startsWith("ok ")) {
            out.println(line.substring(3));
            return Main.OK;
        }
        err.println("tern: queue " + action + ": " + line.replaceFirst("^error ", ""));
        return Main.FAILURE;
    }
}
