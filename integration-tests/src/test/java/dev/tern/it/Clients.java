package dev.tern.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;

import org.eclipse.angus.mail.smtp.SMTPTransport;
import org.junit.jupiter.api.Assumptions;

/** Real SMTP clients: Angus Mail in this JVM, swaks and Python's smtplib as processes. */
public final class Clients {

    static final Duration EXTERNAL_TIMEOUT = Duration.ofSeconds(60);

    private Clients() {
    }

    /** An Angus Mail session aimed at Tern's inbound listener. */
    public static Session angusSession(String host, int port) {
        Properties props = new Properties();
        props.setProperty("mail.transport.protocol", "smtp");
        props.setProperty("mail.smtp.host", host);
        props.setProperty("mail.smtp.port", Integer.toString(port));
        props.setProperty("mail.smtp.localhost", "client.test");
        props.setProperty("mail.smtp.connectiontimeout", "10000");
        props.setProperty("mail.smtp.timeout", "30000");
        props.setProperty("mail.smtp.writetimeout", "30000");
        return Session.getInstance(props);
    }

    public static MimeMessage angusMessage(Session session, String from, List<String> to, String subject, String text) {
        try {
            MimeMessage message = new MimeMessage(session);
            message.setFrom(new InternetAddress(from));
            for (String recipient : to) {
                message.addRecipient(Message.RecipientType.TO, new InternetAddress(recipient));
            }
            message.setSubject(subject, "UTF-8");
            message.setText(text, "UTF-8");
            message.saveChanges();
            return message;
        } catch (MessagingException e) {
            throw new AssertionError(e);
        }
    }

    /** Sends with an explicit transport; returns the server's last reply (the 250 after DATA). */
    public static String angusSend(Session session, MimeMessage message) {
        try (Transport transport = session.getTransport("smtp")) {
            transport.connect();
            transport.sendMessage(message, message.getAllRecipients());
            return ((SMTPTransport) transport).getLastServerResponse().strip();
        } catch (MessagingException e) {
            throw new AssertionError("Angus Mail could not send: " + e, e);
        }
    }

    /** The message exactly as Angus Mail puts it on the wire before dot-stuffing (CRLF lines). */
    public static byte[] bytesOf(MimeMessage message) {
        try {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            message.writeTo(out);
            return out.toByteArray();
        } catch (IOException | MessagingException e) {
            throw new AssertionError(e);
        }
    }

    public static void assumeSwaks() {
        Assumptions.assumeTrue(Exec.onPath("swaks"), "swaks is not installed (apt-get install swaks; .ci/run does)");
    }

    /** {@code swaks --to ... --server host:port --ehlo client.test ...}. */
    public static Exec.Result swaks(String host, int port, String from, String to, String subject, String body,
                                    String... extra) {
        assumeSwaks();
        String server = host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
        List<String> command = new ArrayList<>(List.of("swaks", "--to", to, "--from", from, "--server", server,
                "--ehlo", "client.test", "--header", "Subject: " + subject, "--body", body, "--timeout", "30"));
        command.addAll(List.of(extra));
        return Exec.run(EXTERNAL_TIMEOUT, null, command);
    }

    public static void assumePython() {
        Assumptions.assumeTrue(Exec.onPath("python3"), "python3 is not on the PATH");
    }

    static final String SMTPLIB_SCRIPT = String.join("\n",
            "import smtplib, sys",
            "host, port, sender, path = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]",
            "recipients = sys.argv[5:]",
            "message = open(path, 'rb').read()",
            "with smtplib.SMTP(host, port, local_hostname='client.test', timeout=30) as smtp:",
            "    refused = smtp.sendmail(sender, recipients, message, mail_options=['BODY=8BITMIME'])",
            "    print('refused:', refused)",
            "");

    /** Python's smtplib.SMTP(host, port).sendmail(...) of the message in bytes (sent as is). */
    public static Exec.Result pythonSendmail(String host, int port, String from, List<String> to, byte[] message) {
        assumePython();
        try {
            Path file = Files.createTempFile("tern-it-message", ".eml");
            try {
                Files.write(file, message);
                List<String> command = new ArrayList<>(List.of("python3", "-c", SMTPLIB_SCRIPT, host,
                        Integer.toString(port), from, file.toString()));
                command.addAll(to);
                return Exec.run(EXTERNAL_TIMEOUT, null, command);
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
