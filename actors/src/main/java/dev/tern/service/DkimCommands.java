package dev.tern.service;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

import dev.tern.dkim.KeyGeneration;

/**
 * {@code ./tern dkim keygen DOMAIN [--selector S] [--algorithm rsa|ed25519]}: writes
 * DATA/dkim/DOMAIN.SELECTOR.key and prints the TXT record to publish. The default selector is
 * {@code tern-YYYYMM} (this month): a new key next time gets a new name, so the old record
 * can stay published while mail signed with it is still on its way.
 */
record DkimCommands(TernSettings settings, PrintStream out, PrintStream err, Clock clock) {

    private static final DateTimeFormatter MONTH = DateTimeFormatter.ofPattern("yyyyMM").withZone(ZoneOffset.UTC);

    int run(List<String> words, CommandLine.Parsed parsed) throws UsageException {
        if (words.isEmpty() || !words.get(0).equals("keygen")) {
            throw new UsageException("dkim: expected keygen DOMAIN [--selector S] [--algorithm rsa|ed25519]");
        }
        Main.expectWords(words, 2, "dkim keygen needs exactly one DOMAIN");
        String domain = words.get(1).toLowerCase(Locale.ROOT);
        if (!domain.matches("[a-z0-9]([a-z0-9-]{0,62})(\\.[a-z0-9]([a-z0-9-]{0,62}))*")) {
            throw new UsageException("dkim keygen: '" + words.get(1) + "' is not a domain name");
        }
        String selector = parsed.value(CommandLine.Option.SELECTOR).orElse("tern-" + MONTH.format(clock.instant()));
        if (!selector.matches("[A-Za-z0-9]([A-Za-z0-9-]{0,62})")) {
            throw new UsageException("--selector: '" + selector + "' is not a DNS label");
        }
        String algorithmName = parsed.value(CommandLine.Option.ALGORITHM).orElse("rsa").toLowerCase(Locale.ROOT);
        KeyGeneration.Algorithm algorithm = switch (algorithmName) {
            case "rsa" -> KeyGeneration.Algorithm.RSA;
            case "ed25519" -> KeyGeneration.Algorithm.ED25519;
            default -> throw new UsageException("--algorithm: '" + algorithmName + "' is not rsa or ed25519");
        };
        Path file = settings.dataDir().resolve("dkim").resolve(domain + "." + selector + ".key");
        try {
            KeyGeneration.Generated made = KeyGeneration.generate(domain, selector, algorithm, file);
            // zone-file comments, then the record: the whole output can go into a zone file as it is
            out.println("; wrote " + made.file() + " (" + (algorithm == KeyGeneration.Algorithm.RSA
                    ? "rsa " + KeyGeneration.RSA_BITS : "ed25519") + "); publish this record, then run Tern with");
            out.println(";   --dkim-key " + domain + ":" + selector + ":" + made.file());
            out.println(made.record());
            return Main.OK;
        } catch (FileAlreadyExistsException e) {
            err.println("tern: dkim keygen: " + file + " exists already; choose another --selector");
            return Main.FAILURE;
        } catch (IOException | GeneralSecurityException e) {
            err.println("tern: dkim keygen: cannot write " + file + ": " + e.getMessage());
            return Main.FAILURE;
        }
    }
}
