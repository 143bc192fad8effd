package dev.tern.aliases;

import java.nio.file.Path;

/** Something wrong in the aliases file, named by file and line as compilers do; that entry is not used. */
public record AliasProblem(Path file, int line, String message) {

    @Override
    public String toString() {
        return file + ":" + line + ": " + message;
    }
}
