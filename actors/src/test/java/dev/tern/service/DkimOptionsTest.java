package dev.tern.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --dkim-key} and {@code ./tern dkim keygen} (shared/CLI.md "Addresses and mail authentication"). */
class DkimOptionsTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int keygen(String... args) throws UsageException {
        List<String> all = new java.util.ArrayList<>(List.of("dkim", "keygen"));
        all.addAll(List.of(args));
        all.addAll(List.of("--data-dir", dir.toString()));
        CommandLine.Parsed parsed = CommandLine.parse(all.toArray(String[]::new));
        return new DkimCommands(TernSettings.load(parsed), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                Clock.fixed(Instant.parse("2026-11-30T12:00:00Z"), ZoneOffset.UTC))
                .run(parsed.words().subList(1, parsed.words().size()), parsed);
    }

    @Test
    void keygenWritesThePrivateKeyAndPrintsTheRecordWithADatedDefaultSelector() throws Exception {
        assertThat(keygen("Example.ORG", "--algorithm", "ed25519")).isZero();

        Path key = dir.resolve("dkim").resolve("example.org.tern-202611.key");
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).isEqualTo("; wrote " + key + " (ed25519); publish this record, then run Tern with");
        assertThat(lines.get(1)).isEqualTo(";   --dkim-key example.org:tern-202611:" + key);
        assertThat(lines.get(2)).startsWith("tern-202611._domainkey.example.org. IN TXT \"v=DKIM1; k=ed25519; p=");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");

        // the key it wrote is one --dkim-key takes
        TernSettings settings = TernSettings.load(CommandLine.parse(new String[] {"--data-dir", dir.toString(),
                "--dkim-key", "example.org:tern-202611:" + key}));
        assertThat(settings.dkimKeys().domains()).containsExactly("example.org");

        assertThat(keygen("example.org", "--algorithm", "ed25519")).isEqualTo(Main.FAILURE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains(key + " exists already");
    }

    @Test
    void badArgumentsAreUsageErrors() {
        assertThatThrownBy(() -> keygen("example.org", "--algorithm", "dsa"))
                .isInstanceOf(UsageException.class).hasMessage("--algorithm: 'dsa' is not rsa or ed25519");
        assertThatThrownBy(() -> keygen("bad_domain!")).isInstanceOf(UsageException.class)
                .hasMessageContaining("is not a domain name");
        assertThatThrownBy(() -> keygen("example.org", "--selector", "a.b")).isInstanceOf(UsageException.class)
                .hasMessage("--selector: 'a.b' is not a DNS label");
        assertThatThrownBy(() -> keygen()).isInstanceOf(UsageException.class)
                .hasMessage("dkim keygen needs exactly one DOMAIN");
    }

    @Test
    void aKeyFileThatCannotBeUsedIsAUsageErrorNamingIt() throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.key"), "not pem\n");
        assertThatThrownBy(() -> TernSettings.load(CommandLine.parse(new String[] {"--data-dir", dir.toString(),
                "--dkim-key", "example.org:s:" + bad}))).isInstanceOf(UsageException.class)
                .hasMessageStartingWith("--dkim-key: private key file " + bad);
        assertThat(CommandLine.help()).contains("--dkim-key DOMAIN:SELECTOR:FILE", "./tern dkim keygen DOMAIN");
    }
}
