package dev.tern.aliases;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tern.protocol.MailAddress;

class AliasFileTest {

    private static final Path FILE = Path.of("/etc/tern/aliases");
    private static final Set<String> LOCAL = Set.of("example.org", "example.net");

    private static AliasFile.Parsed parse(String... lines) {
        return AliasFile.parse(FILE, List.of(lines), LOCAL);
    }

    private static AliasTarget.Local local(String name) {
        return new AliasTarget.Local(name);
    }

    private static AliasTarget.Remote remote(String address) {
        return new AliasTarget.Remote(MailAddress.parse(address).orElseThrow());
    }

    @Test
    void namesTargetsCommentsAndBlankLines() {
        AliasFile.Parsed parsed = parse(
                "# the team",
                "",
                "team: alice, bob@example.org, carol@elsewhere.test",
                "   # an indented comment",
                "Abuse:postmaster");

        assertThat(parsed.problems()).isEmpty();
        assertThat(parsed.entries()).containsExactly(
                new AliasEntry("team", List.of(local("alice"), local("bob"), remote("carol@elsewhere.test")), 3),
                new AliasEntry("abuse", List.of(local("postmaster")), 5));
    }

    @Test
    void aLocalDomainInAnyCaseMakesATargetLocalAndItsLocalPartLowerCase() {
        AliasFile.Parsed parsed = parse("a: Bob@EXAMPLE.NET, <Dave@Other.Test>, Eve");

        assertThat(parsed.entries().get(0).targets())
                .containsExactly(local("bob"), remote("Dave@other.test"), local("eve"));
    }

    @Test
    void anIndentedLineContinuesTheEntryBeforeIt() {
        AliasFile.Parsed parsed = parse("staff: alice,", "  bob,", "\tcarol", "next: dave");

        assertThat(parsed.problems()).isEmpty();
        assertThat(parsed.entries()).containsExactly(
                new AliasEntry("staff", List.of(local("alice"), local("bob"), local("carol")), 1),
                new AliasEntry("next", List.of(local("dave")), 4));
    }

    @Test
    void linesInErrorAreReportedWithTheirNumberAndLeftOutTheRestIsUsed() {
        AliasFile.Parsed parsed = parse(
                "good: alice",
                "no colon here",
                "bad name@x: alice",
                "empty:  , ",
                "pipe: |/usr/bin/procmail",
                "broken: alice@",
                "good: bob",
                "",
                "  orphan",
                "fine: carol");

        assertThat(parsed.entries()).extracting(AliasEntry::name).containsExactly("good", "fine");
        assertThat(parsed.entries().get(0).targets()).containsExactly(local("alice"));
        assertThat(parsed.problems()).extracting(AliasProblem::line).containsExactly(2, 3, 4, 5, 6, 7, 9);
        assertThat(parsed.problems().get(0).toString()).isEqualTo("/etc/tern/aliases:2: expected 'name: target, target...'");
        assertThat(parsed.problems().get(5).message()).contains("already defined on line 1");
    }

    @Test
    void aContinuationWithNothingBeforeItIsAProblem() {
        AliasFile.Parsed parsed = parse("  alice");

        assertThat(parsed.entries()).isEmpty();
        assertThat(parsed.problems()).extracting(AliasProblem::line).containsExactly(1);
    }

    @Test
    void aMissingFileHasNoAliases(@TempDir Path temp) throws IOException {
        assertThat(AliasFile.read(temp.resolve("absent"), LOCAL)).isEqualTo(AliasFile.Parsed.empty());
    }

    @Test
    void aFileIsReadAsUtf8WithItsPathInProblems(@TempDir Path temp) throws IOException {
        Path file = Files.writeString(temp.resolve("aliases"), "x: y\nnonsense\n", StandardCharsets.UTF_8);

        AliasFile.Parsed parsed = AliasFile.read(file, LOCAL);

        assertThat(parsed.entries()).extracting(AliasEntry::name).containsExactly("x");
        assertThat(parsed.problems()).singleElement().hasToString(file + ":2: expected 'name: target, target...'");
    }

    @Test
    void anOversizedFileIsRefusedNotRead(@TempDir Path temp) throws IOException {
        Path file = temp.resolve("aliases");
        try (var out = Files.newOutputStream(file)) {
            byte[] line = "a: b\n".getBytes(StandardCharsets.US_ASCII);
            for (long written = 0; written <= AliasFile.MAX_FILE_SIZE; written += line.length) {
                out.write(line);
            }
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> AliasFile.read(file, LOCAL))
                .isInstanceOf(IOException.class).hasMessageContaining("larger than");
    }
}
