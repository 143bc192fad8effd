package dev.tern.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tern.mailauth.InboundAuthMode;
import dev.tern.protocol.RecipientDelimiter;

/**
 * {@code --aliases}, {@code --recipient-delimiter} and {@code --inbound-auth} (shared/CLI.md "Addresses and mail
 * authentication").
 */
class AliasOptionsTest {

    @TempDir
    Path dir;

    private TernSettings load(String... args) throws UsageException {
        String[] all = new String[args.length + 2];
        all[0] = "--data-dir";
        all[1] = dir.toString();
        System.arraycopy(args, 0, all, 2, args.length);
        return TernSettings.load(CommandLine.parse(all));
    }

    @Test
    void defaultsAreDataAliasesAndPlus() throws Exception {
        TernSettings settings = load();

        assertThat(settings.aliasesFile()).isEqualTo(dir.resolve("aliases"));
        assertThat(settings.recipientDelimiter()).isEqualTo(new RecipientDelimiter("+"));
    }

    @Test
    void theOptionsSetThemAndAnEmptyDelimiterTurnsSubAddressesOff() throws Exception {
        Path file = Files.writeString(dir.resolve("my-aliases"), "team: alice\n");

        TernSettings settings = load("--aliases", file.toString(), "--recipient-delimiter=");

        assertThat(settings.aliasesFile()).isEqualTo(file);
        assertThat(settings.recipientDelimiter().base("alice+tag")).isEmpty();
        assertThat(load("--recipient-delimiter", "+-").recipientDelimiter().base("alice-tag")).contains("alice");
    }

    @Test
    void aMissingFileNamedOrABadDelimiterIsAUsageErrorNamingTheOption() {
        assertThatThrownBy(() -> load("--aliases", dir.resolve("absent").toString()))
                .isInstanceOf(UsageException.class).hasMessageStartingWith("--aliases: no such file: ");
        assertThatThrownBy(() -> load("--recipient-delimiter", "x"))
                .isInstanceOf(UsageException.class).hasMessageStartingWith("--recipient-delimiter: 'x'");
    }

    @Test
    void adminsKeepTheirOrderForPostmaster() throws Exception {
        assertThat(load("--admin", "Zed", "--admin", "amy", "--admin", "zed").adminsInOrder())
                .containsExactly("zed", "amy");
    }

    @Test
    void checkListsEachProblemWithFileAndLineAndFails() throws Exception {
        Path file = Files.writeString(dir.resolve("aliases"), "ok: alice\nbroken line\na: b\nb: a\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int exit = Main.run(new String[] {"check", "--data-dir", dir.toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

        assertThat(exit).isEqualTo(2);
        List<String> lines = err.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).isEqualTo("tern: error: " + file + ":2: expected 'name: target, target...'");
        assertThat(lines.get(1)).startsWith("tern: error: " + file + ":3: mail forwarding loop: alias 'a'");
        assertThat(lines.get(2)).startsWith("tern: error: " + file + ":4: mail forwarding loop: alias 'b'");
        assertThat(lines.get(3)).isEqualTo("tern: tern.aliases (--aliases): 3 lines in error in " + file
                + " (left out when running)");
    }

    @Test
    void checkPassesAGoodFile() throws Exception {
        Files.writeString(dir.resolve("aliases"), "# team\nteam: alice, bob@elsewhere.test\n");
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int exit = Main.run(new String[] {"check", "--data-dir", dir.toString()},
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));

        assertThat(exit).as(err.toString(StandardCharsets.UTF_8)).isZero();
    }

    @Test
    void helpNamesBothOptions() {
        assertThat(CommandLine.help()).contains("--aliases FILE").contains("--recipient-delimiter C");
    }

    @Test
    void inboundAuthIsRecordByDefaultEnforceAndOffOnRequest() throws UsageException {
        assertThat(load().inboundAuth()).isEqualTo(InboundAuthMode.RECORD);
        assertThat(load("--inbound-auth", "enforce").inboundAuth()).isEqualTo(InboundAuthMode.ENFORCE);
        assertThat(load("--inbound-auth=Record").inboundAuth()).isEqualTo(InboundAuthMode.RECORD);
        assertThat(load("--inbound-auth", "off").inboundAuth()).isEqualTo(InboundAuthMode.OFF);
        assertThat(CommandLine.help()).contains("--inbound-auth record|enforce|off");
    }

    @Test
    void anyOtherInboundAuthIsAUsageError() {
        // a UsageException is exit 2 (Main)
        assertThatThrownBy(() -> load("--inbound-auth", "strict")).isInstanceOf(UsageException.class)
                .hasMessage("--inbound-auth: 'strict' is not record, enforce or off");
    }
}
