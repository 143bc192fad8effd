package dev.tern.aliases;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

class AliasTableTest {

    private static final Path FILE = Path.of("aliases");

    static AliasTable table(String... lines) {
        return AliasTable.of(FILE, AliasFile.parse(FILE, List.of(lines), Set.of("example.org")));
    }

    @Test
    void aLoopIsReportedAtEachOfItsEntriesAndNoneOfThemIsUsed() {
        AliasTable table = table("a: b", "b: c", "c: a", "d: b", "e: alice");

        assertThat(table.contains("a")).isFalse();
        assertThat(table.contains("b")).isFalse();
        assertThat(table.contains("c")).isFalse();
        assertThat(table.contains("d")).as("leads into the loop, is not in it").isTrue();
        assertThat(table.contains("E")).isTrue();
        assertThat(table.problems()).extracting(AliasProblem::line).containsExactly(1, 2, 3);
        assertThat(table.problems().get(0).message()).startsWith("mail forwarding loop: alias 'a'")
                .contains("through b");
    }

    @Test
    void aTwoEntryLoopThroughAFullLocalAddressIsALoopToo() {
        AliasTable table = table("a: b@example.org", "b: A@EXAMPLE.ORG, carol");

        assertThat(table.size()).isZero();
        assertThat(table.problems()).hasSize(2);
    }

    @Test
    void anAliasNamingItselfIsItsOwnMailboxNotALoop() {
        AliasTable table = table("alice: alice, alice@elsewhere.test");

        assertThat(table.contains("alice")).isTrue();
        assertThat(table.problems()).isEmpty();
    }

    @Test
    void aChainOfTwentyAliasesIsUsedOneLongerIsNot() {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < AliasTable.MAX_DEPTH + 1; i++) {
            lines.add("a" + i + ": a" + (i + 1));
        }
        // a0 -> a1 -> ... -> a20 -> a21 (a user): 21 aliases from a0, 20 from a1
        AliasTable table = table(lines.toArray(String[]::new));

        assertThat(table.contains("a0")).isFalse();
        assertThat(table.contains("a1")).isTrue();
        assertThat(table.problems()).singleElement().satisfies(problem -> {
            assertThat(problem.line()).isEqualTo(1);
            assertThat(problem.message()).contains("more than 20 aliases");
        });
    }

    @Test
    void sharedBranchesAreNoLoop() {
        AliasTable table = table("all: left, right", "left: common", "right: common", "common: alice, bob");

        assertThat(table.size()).isEqualTo(4);
        assertThat(table.problems()).isEmpty();
    }
}
