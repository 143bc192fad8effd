package dev.tern.aliases;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AliasesTest {

    @TempDir
    Path temp;

    private final AtomicLong nanos = new AtomicLong();

    private Aliases aliases(Path file) {
        return new Aliases(file, Set.of("example.org"), nanos::get);
    }

    private void replace(Path file, String content) throws IOException {
        Path next = Files.writeString(temp.resolve("next"), content);
        Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void anEditIsSeenOnceTheCheckIntervalHasPassed() throws IOException {
        Path file = Files.writeString(temp.resolve("aliases"), "team: alice\n");
        Aliases aliases = aliases(file);
        assertThat(aliases.get().contains("team")).isTrue();

        replace(file, "crew: bob\n");
        nanos.addAndGet(Aliases.CHECK_INTERVAL.toNanos() / 2);
        assertThat(aliases.get().contains("team")).as("not looked at yet").isTrue();

        nanos.addAndGet(Aliases.CHECK_INTERVAL.toNanos());
        assertThat(aliases.get().contains("team")).isFalse();
        assertThat(aliases.get().contains("crew")).isTrue();
    }

    @Test
    void reloadReadsTheFileWhateverTheInterval() throws IOException {
        Path file = Files.writeString(temp.resolve("aliases"), "team: alice\n");
        Aliases aliases = aliases(file);
        aliases.get();

        replace(file, "crew: bob\n");

        assertThat(aliases.reload().contains("crew")).isTrue();
        assertThat(aliases.get().contains("crew")).isTrue();
    }

    @Test
    void aFileThatAppearsLaterIsReadAndOneRemovedMeansNoAliases() throws IOException {
        Path file = temp.resolve("aliases");
        Aliases aliases = aliases(file);
        assertThat(aliases.get().size()).isZero();

        Files.writeString(file, "team: alice\n");
        nanos.addAndGet(Aliases.CHECK_INTERVAL.toNanos());
        assertThat(aliases.get().contains("team")).isTrue();

        Files.delete(file);
        nanos.addAndGet(Aliases.CHECK_INTERVAL.toNanos());
        assertThat(aliases.get().size()).isZero();
    }

    @Test
    void problemsAreKeptWithTheTableAndTheRestIsUsed() throws IOException {
        Path file = Files.writeString(temp.resolve("aliases"), "a: b\nb: a\nok: alice\n");

        AliasTable table = aliases(file).get();

        assertThat(table.contains("ok")).isTrue();
        assertThat(table.problems()).extracting(AliasProblem::line).containsExactly(1, 2);
    }
}
