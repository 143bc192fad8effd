package dev.tern.service;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import sun.misc.Signal;

/** {@code ./tern}: runs the service or an administration command. Exit 0 ok, 1 failure, 2 usage. */
public final class Main {

    static final int OK = 0;
    static final int FAILURE = 1;
    static final int USAGE = 2;

    private Main() {
    }

    public static void main(String[] args) {
        // TLS 1.2 renegotiation started by a client is a CPU-exhaustion lever and nothing SMTP needs.
        System.setProperty("jdk.tls.rejectClientInitiatedRenegotiation", "true");
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        try {
            CommandLine.Parsed parsed = CommandLine.parse(args);
            if (parsed.has(CommandLine.Option.HELP)) {
                out.print(CommandLine.help());
                return OK;
            }
            if (parsed.has(CommandLine.Option.VERSION)) {
                out.println("tern " + version());
                return OK;
            }
            List<String> words = parsed.words().isEmpty() ? List.of("run") : parsed.words();
            String command = words.get(0);
            return switch (command) {
                case "run" -> {
                    expectWords(words, 1, "run takes no arguments");
                    yield runService(TernSettings.load(parsed), out, err);
                }
                case "user" -> new UserCommands(TernSettings.load(parsed), out, err).run(words.subList(1, words.size()),
                        parsed.has(CommandLine.Option.PASSWORD_STDIN));
                case "dkim" -> new DkimCommands(TernSettings.load(parsed), out, err, java.time.Clock.systemUTC())
                        .run(words.subList(1, words.size()), parsed);
                case "queue" -> new QueueCommands(TernSettings.load(parsed), out, err).run(words.subList(1, words.size()));
                case "check" -> {
                    expectWords(words, 1, "check takes no arguments, only options");
                    yield ConfigCheck.run(parsed, out, err);
                }
                default -> throw new UsageException("unknown command '" + command + "' (see ./tern --help)");
            };
        } catch (UsageException e) {
            err.println("tern: " + e.getMessage());
            return USAGE;
        }
    }

    static void expectWords(List<String> words, int count, String usage) throws UsageException {
        if (words.size() != count) {
            throw new UsageException(usage);
        }
    }

    private static int runService(TernSettings settings, PrintStream out, PrintStream err) {
        TernService service;
        try {
            service = TernService.start(settings);
        } catch (IOException | TernService.StartupException e) {
            err.println("tern: " + e.getMessage());
            return FAILURE;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicBoolean asked = new AtomicBoolean();
        Runnable stop = () -> {
            asked.set(true);
            service.stop();
            stopped.countDown();
        };
        // A cluster that downs this node (the split-brain resolver) terminates the actor system: the process exits 1,
        // so that systemd starts it again as a new member.
        service.terminated().thenRun(stopped::countDown);
        // SIGTERM and SIGINT stop gracefully and exit 0 (a JVM shutdown hook would exit 143).
        for (String signal : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(signal), s -> new Thread(stop, "tern-stop").start());
        }
        // SIGHUP (systemctl reload): certificate and user db read again, sessions kept (the JVM would exit).
        Signal.handle(new Signal("HUP"), s -> new Thread(service::reload, "tern-reload").start());
        out.println("ready");
        out.flush();
        try {
            stopped.await();
            service.awaitTermination();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!asked.get()) {
            err.println("tern: the service stopped unasked (removed from its cluster?)");
            return FAILURE;
        }
        return OK;
    }

    static String version() {
        Package pkg = Main.class.getPackage();
        String version = pkg == null ? null : pkg.getImplementationVersion();
        return version == null ? "0.1.0-SNAPSHOT" : version;
    }

    static String readPassword(java.io.InputStream in) throws IOException {
        String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        return text.endsWith("\r\n") ? text.substring(0, text.length() - 2)
                : text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
    }
}
