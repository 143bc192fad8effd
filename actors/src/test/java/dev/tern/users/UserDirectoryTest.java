package dev.tern.users;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UserDirectoryTest {

    @TempDir
    Path temp;

    @Test
    void aUserAddedAfterAFirstLookupIsSeenWithoutARestart() throws IOException {
        Path file = temp.resolve("users");
        UserDb.empty().withUser("alice", "{PLAIN}a").write(file);
        UserDirectory directory = new UserDirectory(file);

        assertThat(directory.exists("alice")).isTrue();
        assertThat(directory.exists("bob")).isFalse();

        // as `tern user add bob` does: read, add, atomic rewrite
        UserDb.read(file).withUser("bob", "{PLAIN}b").write(file);

        assertThat(directory.exists("bob")).isTrue();
        assertThat(directory.exists("alice")).isTrue();
    }

    @Test
    void aRewriteOfTheSameSizeWithinTheSameSecondIsSeen() throws IOException {
        // same length, written back to back: only the inode tells the versions apart
        Path file = temp.resolve("users");
        UserDb.empty().withUser("alice", "{PLAIN}a").write(file);
        UserDirectory directory = new UserDirectory(file);
        assertThat(directory.exists("alice")).isTrue();

        var before = Files.getLastModifiedTime(file);
        long sizeBefore = Files.size(file);

        UserDb.empty().withUser("carol", "{PLAIN}c").write(file);
        Files.setLastModifiedTime(file, before); // as if within one mtime tick

        assertThat(Files.size(file)).isEqualTo(sizeBefore);

        assertThat(directory.exists("carol")).isTrue();
        assertThat(directory.exists("alice")).isFalse();
    }

    @Test
    void aDeletedUserDisappears() throws IOException {
        Path file = temp.resolve("users");
        UserDb.empty().withUser("alice", "{PLAIN}a").withUser("bob", "{PLAIN}b").write(file);
        UserDirectory directory = new UserDirectory(file);
        assertThat(directory.exists("bob")).isTrue();

        UserDb.read(file).without("bob").write(file);

        assertThat(directory.exists("bob")).isFalse();
        assertThat(directory.current().names()).containsExactly("alice");
    }

    @Test
    void aMissingFileMeansNoUsersUntilItIsCreated() throws IOException {
        Path file = temp.resolve("users");
        UserDirectory directory = new UserDirectory(file);
        assertThat(directory.exists("alice")).isFalse();

        UserDb.empty().withUser("alice", "{PLAIN}a").write(file);

        assertThat(directory.exists("alice")).isTrue();

        Files.delete(file);
        assertThat(directory.exists("alice")).isFalse();
    }

    @Test
    void lookupsAreCaseInsensitive() throws IOException {
        Path file = temp.resolve("users");
        UserDb.empty().withUser("alice", "{PLAIN}a").write(file);
        assertThat(new UserDirectory(file).exists("Alice")).isTrue();
    }

    @Test
    void anUnchangedFileIsNotReadAgain() throws IOException {
        Path file = temp.resolve("users");
        UserDb.empty().withUser("alice", "{PLAIN}a").write(file);
        UserDirectory directory = new UserDirectory(file);

        assertThat(directory.current()).isSameAs(directory.current());
    }

    @Test
    void reloadReadsAnInPlaceEditThatLooksUnchanged() throws IOException {
        Path file = temp.resolve("users");
        Files.writeString(file, "alice:{PLAIN}a\n");
        UserDirectory directory = new UserDirectory(file);
        assertThat(directory.exists("alice")).isTrue();
        var before = Files.getLastModifiedTime(file);
        Object inode = Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class).fileKey();

        // an editor writing in place: same inode, same size, and (within one mtime tick) the same mtime
        Files.writeString(file, "carol:{PLAIN}c\n", java.nio.file.StandardOpenOption.TRUNCATE_EXISTING);
        Files.setLastModifiedTime(file, before);
        assertThat(Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class).fileKey())
                .isEqualTo(inode);
        assertThat(directory.exists("carol")).as("a lookup cannot tell the file changed").isFalse();

        assertThat(directory.reload().names()).containsExactly("carol");
        assertThat(directory.exists("carol")).isTrue();
        assertThat(directory.exists("alice")).isFalse();
    }

    @Test
    void reloadOfAnUnreadableFileKeepsTheUsers() throws IOException {
        Path file = temp.resolve("users");
        UserDb.empty().withUser("alice", "{PLAIN}a").write(file);
        UserDirectory directory = new UserDirectory(file);
        assertThat(directory.exists("alice")).isTrue();

        Files.delete(file);
        Files.createDirectory(file); // reading a directory fails

        assertThat(directory.reload().names()).containsExactly("alice");
    }
}
