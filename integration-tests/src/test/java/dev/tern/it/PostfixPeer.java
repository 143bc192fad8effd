package dev.tern.it;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Assumptions;

/**
 * A private Postfix instance (the Debian package's binaries, our own configuration) as a
 * real peer of Tern: its {@code smtpd} listens on one loopback address and port, mail for
 * {@link #DOMAIN} is delivered by {@code virtual(8)} into Maildirs under its temp directory,
 * and every other domain goes to one relay host, {@code [127.0.0.1]:PORT} (Tern's inbound
 * listener), without DNS. The layout is bench/lib/peers.sh's: config, queue and data
 * directories in a temp directory, only the {@code postfix} user and {@code postdrop}
 * group of the package are shared with the system's instance, which is never touched.
 *
 * <p>The master runs in the foreground ({@code master -d}) as a child of the test JVM,
 * in a session of its own ({@code setsid}), so that its SIGTERM on {@link #close()} ends
 * exactly its own process group. Postfix's master runs only as root (it drops privileges
 * to {@code mail_owner = postfix} for everything else); where the tests are not root, or
 * Postfix is not installed, the tests are skipped.
 *
 * <p>Logging goes to {@code maillog_file} (postlogd, Postfix 3.4+), with
 * {@code debug_peer_list} covering loopback: smtpd logs every command it receives
 * ({@code < unknown[127.0.0.1]: MAIL FROM:<...> BODY=8BITMIME}) and the smtp client every
 * command it sends ({@code > 127.0.0.1[127.0.0.1]:PORT: RCPT TO:<...> NOTIFY=SUCCESS}), so
 * the tests read both sides of the wire from the log.
 */
public final class PostfixPeer implements AutoCloseable {

    /** The one domain this Postfix delivers itself (virtual mailboxes); also its host name. */
    public static final String DOMAIN = "postfix.test";
    static final Path POSTFIX = Path.of("/usr/sbin/postfix");
    static final Path POSTCONF = Path.of("/usr/sbin/postconf");
    static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);
    private static final Pattern SMTPD_PROCESS = Pattern.compile("/smtpd\\[\\d+\\]: ");
    private static final Pattern TRANSACTION_END = Pattern.compile("\\]: (MAIL FROM:|RSET$|QUIT$)|: disconnect from ");

    private final Path dir;
    private final String address;
    private final int port;
    private final Process master;

    private PostfixPeer(Path dir, String address, int port, Process master) {
        this.dir = dir;
        this.address = address;
        this.port = port;
        this.master = master;
    }

    /** Skips the calling test (with the reason) when this machine cannot run a private Postfix. */
    public static void assumeUsable() {
        Assumptions.assumeTrue(Files.isExecutable(POSTFIX) && Files.isExecutable(POSTCONF),
                "Postfix is not installed (" + POSTFIX + " missing): apt-get install postfix; .ci/run does");
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "Postfix's master runs only as root (it drops to mail_owner itself); these tests run as "
                        + System.getProperty("user.name"));
        Assumptions.assumeTrue(ids("/etc/passwd", "postfix") != null && ids("/etc/group", "postdrop") != null,
                "no 'postfix' user or 'postdrop' group (the postfix package creates them)");
    }

    /**
     * Starts Postfix with smtpd on {@code address:port} and {@code [127.0.0.1]:relayPort} as
     * the relay host for every domain but {@link #DOMAIN}, whose mailboxes are
     * {@code localPartOrAddress -> Maildir directory name}.
     *
     * @param mailboxes recipient (local part at {@link #DOMAIN}) to the Maildir's directory name
     */
    public static PostfixPeer start(String address, int port, int relayPort, Map<String, String> mailboxes) {
        assumeUsable();
        Path dir = TestDirs.create("postfix");
        try {
            Path conf = Files.createDirectories(dir.resolve("conf"));
            Path data = Files.createDirectories(dir.resolve("data"));
            Path mail = Files.createDirectories(dir.resolve("mail"));
            Files.createDirectories(dir.resolve("queue"));
            int[] postfix = ids("/etc/passwd", "postfix");
            int[] nobody = ids("/etc/passwd", "nobody");
            if (nobody == null) {
                nobody = new int[] {65534, 65534};
            }
            // data_directory belongs to mail_owner; virtual(8) writes the Maildirs as nobody
            Files.setAttribute(data, "unix:uid", postfix[0]);
            Files.setAttribute(mail, "unix:uid", nobody[0]);
            Files.setAttribute(mail, "unix:gid", nobody[1]);
            Files.writeString(conf.resolve("main.cf"), mainCf(dir, relayPort, nobody), StandardCharsets.US_ASCII);
            Files.writeString(conf.resolve("master.cf"), masterCf(address, port), StandardCharsets.US_ASCII);
            StringBuilder map = new StringBuilder();
            mailboxes.forEach((local, maildir) -> map.append(local).append('@').append(DOMAIN).append(' ')
                    .append(maildir).append("/\n")); // the trailing slash makes virtual(8) write a Maildir
            Files.writeString(conf.resolve("vmailbox"), map, StandardCharsets.UTF_8);
            // creates the queue's subdirectories with their owners and modes (from meta_directory's postfix-files)
            run(POSTFIX.toString(), "-c", conf.toString(), "check");
            String masterPath = daemonDirectory() + "/master";
            Process master = new ProcessBuilder("setsid", masterPath, "-c", conf.toString(), "-d")
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("master.out").toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
            Runtime.getRuntime().addShutdownHook(new Thread(master::destroy));
            PostfixPeer peer = new PostfixPeer(dir, address, port, master);
            peer.awaitGreeting();
            return peer;
        } catch (IOException e) {
            TestDirs.deleteQuietly(dir);
            throw new UncheckedIOException(e);
        }
    }

    private static String mainCf(Path dir, int relayPort, int[] virtualIds) {
        return """
                # A private Postfix for Tern's integration tests (PostfixPeer): nothing of /etc/postfix
                # but meta_directory's file lists is read, and nothing of the system's instance is shared.
                compatibility_level = 3.6
                queue_directory = %1$s/queue
                data_directory = %1$s/data
                mail_owner = postfix
                setgid_group = postdrop
                syslog_name = postfix-tern-it
                maillog_file = %1$s/postfix.log
                maillog_file_prefixes = %1$s
                myhostname = %2$s
                mydomain = %2$s
                myorigin = $myhostname
                mydestination =
                # the smtpd's own address is in master.cf; the client connects from loopback
                inet_interfaces = loopback-only
                inet_protocols = ipv4
                mynetworks = 127.0.0.0/8
                # no DNS at all: the next hop is an IP literal, smtpd does not look up client names
                relayhost = [127.0.0.1]:%3$d
                smtp_dns_support_level = disabled
                smtp_host_lookup = native
                smtpd_peername_lookup = no
                smtputf8_enable = yes
                biff = no
                alias_maps =
                alias_database =
                local_transport = error:5.1.1 no local delivery in the test instance
                virtual_mailbox_domains = %2$s
                virtual_mailbox_base = %1$s/mail
                # texthash: read as it is (no postmap, no database library); fixed for the instance's life
                virtual_mailbox_maps = texthash:%1$s/conf/vmailbox
                virtual_uid_maps = static:%4$d
                virtual_gid_maps = static:%5$d
                # both sides of every loopback conversation in the log (see the class comment)
                debug_peer_list = 127.0.0.0/8
                debug_peer_level = 1
                # a failed delivery is retried soon, so a test sees it rather than a long wait
                minimal_backoff_time = 2s
                maximal_backoff_time = 4s
                queue_run_delay = 2s
                """.formatted(dir, DOMAIN, relayPort, virtualIds[0], virtualIds[1]);
    }

    /** Only the services this test instance uses, none chrooted, and one inet service: smtpd on address:port. */
    private static String masterCf(String address, int port) {
        return """
                %s:%d inet n - n - - smtpd
                pickup    unix  n - n 60    1 pickup
                cleanup   unix  n - n -     0 cleanup
                qmgr      unix  n - n 300   1 qmgr
                rewrite   unix  - - n -     - trivial-rewrite
                bounce    unix  - - n -     0 bounce
                defer     unix  - - n -     0 bounce
                trace     unix  - - n -     0 bounce
                verify    unix  - - n -     1 verify
                flush     unix  n - n 1000? 0 flush
                proxymap  unix  - - n -     - proxymap
                smtp      unix  - - n -     - smtp
                relay     unix  - - n -     - smtp
                showq     unix  n - n -     - showq
                error     unix  - - n -     - error
                retry     unix  - - n -     - error
                discard   unix  - - n -     - discard
                virtual   unix  - n n -     - virtual
                anvil     unix  - - n -     1 anvil
                scache    unix  - - n -     1 scache
                postlog   unix-dgram n - n - 1 postlogd
                """.formatted(address, port);
    }

    private static String daemonDirectory() {
        Exec.Result result = run(POSTCONF.toString(), "-d", "-h", "daemon_directory");
        return result.stdout().strip();
    }

    private static Exec.Result run(String... command) {
        Exec.Result result = Exec.run(COMMAND_TIMEOUT, command);
        if (result.exitCode() != 0) {
            throw new AssertionError(result.describe());
        }
        return result;
    }

    /** uid and gid of a user ({@code /etc/passwd}) or gid of a group ({@code /etc/group}), or null. */
    private static int[] ids(String file, String name) {
        try {
            for (String line : Files.readAllLines(Path.of(file))) {
                String[] fields = line.split(":");
                if (fields.length > 2 && fields[0].equals(name)) {
                    int id = Integer.parseInt(fields[2]);
                    return new int[] {id, fields.length > 3 ? Integer.parseInt(fields[3]) : id};
                }
            }
            return null;
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }

    private void awaitGreeting() {
        try {
            Greeting.await(master, "postfix master", address, port, "220 ", START_TIMEOUT, this::logs);
        } catch (AssertionError e) {
            close();
            throw e;
        }
    }

    public String address() {
        return address;
    }

    public int port() {
        return port;
    }

    /** The Maildir virtual(8) writes for a mailbox of the start's map. */
    public Path maildir(String name) {
        return dir.resolve("mail").resolve(name);
    }

    /** Waits (bounded) until the mailbox's {@code new/} holds at least {@code count} files, and returns them. */
    public List<Path> awaitNewFiles(String mailbox, int count, Duration timeout) {
        List<Path> files = new ArrayList<>();
        boolean arrived = FakeInternet.await(timeout, () -> {
            files.clear();
            files.addAll(Maildirs.list(maildir(mailbox).resolve("new")));
            return files.size() >= count;
        });
        if (!arrived) {
            throw new AssertionError("expected " + count + " file(s) in " + maildir(mailbox).resolve("new")
                    + " within " + timeout + " but found " + files + logTail());
        }
        return List.copyOf(files);
    }

    /** Postfix's log so far, UTF-8 (what it logs of SMTPUTF8 addresses). */
    public String log() {
        Path log = dir.resolve("postfix.log");
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    /** The log's lines that contain every one of the parts. */
    public List<String> logLines(String... parts) {
        return log().lines().filter(line -> Arrays.stream(parts).allMatch(line::contains)).toList();
    }

    /** Waits (bounded) until the log has a line with every one of the parts; returns it. */
    public String awaitLogLine(Duration timeout, String... parts) {
        boolean seen = FakeInternet.await(timeout, () -> !logLines(parts).isEmpty());
        if (!seen) {
            throw new AssertionError("no Postfix log line with all of " + Arrays.toString(parts) + " within "
                    + timeout + logTail());
        }
        return logLines(parts).get(0);
    }

    /** Waits (bounded) for Postfix's first delivery status for the recipient ({@code ID: to=<r>, ... status=...}). */
    public String awaitStatus(Duration timeout, String recipient) {
        return awaitLogLine(timeout, ": to=<" + recipient + ">, ", ", status=");
    }

    /**
     * The lines one smtpd logged for one transaction: from the first line with {@code marker}
     * (e.g. {@code "]: MAIL FROM:<a@b>"}) to that process's next MAIL, RSET, QUIT or disconnect.
     */
    public List<String> smtpdTransaction(String marker) {
        List<String> lines = log().lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(marker)) {
                Matcher process = SMTPD_PROCESS.matcher(lines.get(i));
                if (!process.find()) {
                    continue;
                }
                List<String> session = new ArrayList<>();
                session.add(lines.get(i));
                for (String line : lines.subList(i + 1, lines.size())) {
                    if (line.contains(process.group())) {
                        if (TRANSACTION_END.matcher(line).find()) {
                            break;
                        }
                        session.add(line);
                    }
                }
                return session;
            }
        }
        throw new AssertionError("no smtpd log line with " + marker + logTail());
    }

    /** The last lines of the log (without the verbose attribute chatter), for assertion messages. */
    public String logTail() {
        List<String> lines = log().lines().filter(line -> !line.contains(" attribute ") && !line.contains("send attr "))
                .toList();
        int from = Math.max(0, lines.size() - 80);
        return "\n----- tail of " + dir.resolve("postfix.log") + " -----\n"
                + String.join("\n", lines.subList(from, lines.size())) + "\n-----";
    }

    private String logs() {
        StringBuilder text = new StringBuilder(logTail());
        Path out = dir.resolve("master.out");
        try {
            if (Files.exists(out)) {
                text.append("\n----- ").append(out).append(" -----\n").append(Files.readString(out));
            }
        } catch (IOException e) {
            text.append("\n(cannot read ").append(out).append(")");
        }
        return text.toString();
    }

    /**
     * SIGTERM to the master, which ends its process group (every Postfix daemon it
     * started); then waits, bounded, until the master and each of those daemons are gone.
     */
    @Override
    public void close() {
        List<ProcessHandle> daemons = master.descendants().toList();
        master.destroy();
        try {
            if (!master.waitFor(20, TimeUnit.SECONDS)) {
                master.destroyForcibly();
                master.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // the daemons are the master's children: they end on its signal, or when its status pipe closes
        if (!FakeInternet.await(Duration.ofSeconds(10), () -> daemons.stream().noneMatch(ProcessHandle::isAlive))) {
            daemons.forEach(ProcessHandle::destroyForcibly);
        }
        TestDirs.deleteQuietly(dir);
    }
}
