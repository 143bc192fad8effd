package dev.tern.it;

import static dev.tern.it.TernProcess.address;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;

import org.junit.jupiter.api.Test;

/** Many sessions at once: every one gets its 250, every message is stored once under its own name. */
class ConcurrencyTest extends SharedTern {

    @Test
    void threeHundredParallelSessionsAllDeliver() throws Exception {
        int messages = 300;
        String user = tern.newUser("crowd");
        ExecutorService pool = Executors.newFixedThreadPool(50);
        List<Future<String>> ids = new ArrayList<>();
        try {
            for (int i = 0; i < messages; i++) {
                int n = i;
                ids.add(pool.submit(() -> {
                    try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
                        String id = smtp.deliver("s" + n + "@client.test", List.of(address(user)),
                                "Subject: parallel " + n + "\r\n\r\nmessage number " + n + "\r\n");
                        smtp.quit();
                        return id;
                    }
                }));
            }
            Set<String> distinctIds = new HashSet<>();
            for (Future<String> id : ids) {
                distinctIds.add(id.get(120, TimeUnit.SECONDS)); // rethrows a session's failure with its transcript
            }
            assertThat(distinctIds).as("queue ids").hasSize(messages);
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(30, TimeUnit.SECONDS);
        }

        List<Path> files = Maildirs.newFiles(tern.mailRoot(), user);
        assertThat(files).as("files in new/").hasSize(messages);
        assertThat(files.stream().map(f -> f.getFileName().toString()).distinct()).hasSize(messages);
        Set<String> bodies = new HashSet<>();
        for (Path file : files) {
            Maildirs.maildirSize(file);
            bodies.add(Maildirs.parse(file).messageLatin1());
        }
        assertThat(bodies).as("each message stored exactly once").hasSize(messages);
        for (int n = 0; n < messages; n++) {
            assertThat(bodies).contains("Subject: parallel " + n + "\r\n\r\nmessage number " + n + "\r\n");
        }
        assertThat(Maildirs.tmpFiles(tern.mailRoot(), user)).isEmpty();
    }

    @Test
    void parallelAngusClientsToSeveralUsers() throws Exception {
        List<String> users = List.of(tern.newUser("par"), tern.newUser("par"), tern.newUser("par"));
        int perThread = 10;
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    Session session = Clients.angusSession(tern.host(), tern.inboundPort());
                    for (int i = 0; i < perThread; i++) {
                        MimeMessage message = Clients.angusMessage(session, "t" + thread + "@client.test",
                                users.stream().map(TernProcess::address).toList(), "t" + thread + " m" + i, "x\r\n");
                        assertThat(Clients.angusSend(session, message)).startsWith("250 2.0.0");
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(30, TimeUnit.SECONDS);
        }
        for (String user : users) {
            assertThat(Maildirs.newFiles(tern.mailRoot(), user)).as(user).hasSize(threads * perThread);
        }
    }
}
