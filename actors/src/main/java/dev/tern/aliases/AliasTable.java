package dev.tern.aliases;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The aliases in use: the file's entries less those that cannot be expanded. An alias that
 * leads back to itself through others ({@code a: b}, {@code b: a}) is a mail forwarding loop
 * (Postfix bounces such mail with 5.4.6 at delivery); one whose chain of aliases is deeper
 * than {@link #MAX_DEPTH} aliases is over-deep. Both are found when the file is read, reported as
 * problems, and those entries are not used: their names then mean the user of that name, if
 * any. An alias naming itself ({@code alice: alice, alice@elsewhere}) means the mailbox of that
 * name, as in Postfix, and is no loop.
 */
public final class AliasTable {

    /** Aliases through aliases: at most this many in one chain (sendmail and Postfix stop near here). */
    public static final int MAX_DEPTH = 20;

    private static final int LOOP = -1;
    private static final int TOO_DEEP = -2;

    private final Map<String, AliasEntry> entries;
    private final List<AliasProblem> problems;

    private AliasTable(Map<String, AliasEntry> entries, List<AliasProblem> problems) {
        this.entries = entries;
        this.problems = List.copyOf(problems);
    }

    public static AliasTable empty() {
        return new AliasTable(Map.of(), List.of());
    }

    /** The parsed file's entries, less loops and over-deep chains, each reported among {@link #problems()}. */
    public static AliasTable of(Path file, AliasFile.Parsed parsed) {
        Map<String, AliasEntry> all = new LinkedHashMap<>();
        parsed.entries().forEach(entry -> all.put(entry.name(), entry));
        List<AliasProblem> problems = new ArrayList<>(parsed.problems());
        Set<String> looping = new LinkedHashSet<>();
        Map<String, Integer> heights = new HashMap<>();
        Set<String> tooDeep = new LinkedHashSet<>();
        for (String name : all.keySet()) {
            int height = height(all, name, new ArrayList<>(), heights, looping);
            if (height == TOO_DEEP || height + 1 > MAX_DEPTH) {
                tooDeep.add(name);
            }
        }
        Map<String, AliasEntry> usable = new LinkedHashMap<>(all);
        for (String name : looping) {
            AliasEntry entry = all.get(name);
            problems.add(new AliasProblem(file, entry.line(), "mail forwarding loop: alias '" + name
                    + "' leads back to itself through " + String.join(", ", cycleThrough(all, name, looping))
                    + "; not used"));
            usable.remove(name);
        }
        for (String name : tooDeep) {
            if (!looping.contains(name)) {
                problems.add(new AliasProblem(file, all.get(name).line(), "alias '" + name
                        + "' expands through a chain of more than " + MAX_DEPTH + " aliases; not used"));
                usable.remove(name);
            }
        }
        problems.sort((a, b) -> Integer.compare(a.line(), b.line()));
        return new AliasTable(Map.copyOf(usable), problems);
    }

    /**
     * Levels of aliases below {@code name} (0: its targets are no aliases); {@link #LOOP} when
     * a cycle was met (its members are added to {@code looping}), {@link #TOO_DEEP} past the limit.
     * Only complete answers are remembered, so a node is explored again only near loops or depth limits.
     */
    private static int height(Map<String, AliasEntry> all, String name, List<String> path,
                              Map<String, Integer> heights, Set<String> looping) {
        Integer known = heights.get(name);
        if (known != null) {
            return known;
        }
        int onPath = path.indexOf(name);
        if (onPath >= 0) {
            looping.addAll(path.subList(onPath, path.size()));
            return LOOP;
        }
        if (path.size() >= MAX_DEPTH) { // this would be alias number MAX_DEPTH + 1 of the chain
            return TOO_DEEP;
        }
        path.add(name);
        int height = 0;
        int failure = 0;
        for (AliasTarget target : all.get(name).targets()) {
            if (target instanceof AliasTarget.Local local && !local.name().equals(name)
                    && all.containsKey(local.name())) {
                int below = height(all, local.name(), path, heights, looping);
                if (below < 0) {
                    failure = failure == TOO_DEEP ? TOO_DEEP : below;
                } else {
                    height = Math.max(height, below + 1);
                }
            }
        }
        path.remove(path.size() - 1);
        if (failure != 0) {
            return failure;
        }
        heights.put(name, height);
        return height;
    }

    /** The other members of {@code name}'s loop it points at, for the message. */
    private static List<String> cycleThrough(Map<String, AliasEntry> all, String name, Set<String> looping) {
        List<String> next = new ArrayList<>();
        for (AliasTarget target : all.get(name).targets()) {
            if (target instanceof AliasTarget.Local local && looping.contains(local.name())
                    && !local.name().equals(name)) {
                next.add(local.name());
            }
        }
        return next;
    }

    /** The targets of alias {@code name} (any case), if it is one in use. */
    public Optional<List<AliasTarget>> targets(String name) {
        AliasEntry entry = entries.get(name.toLowerCase(Locale.ROOT));
        return entry == null ? Optional.empty() : Optional.of(entry.targets());
    }

    public boolean contains(String name) {
        return entries.containsKey(name.toLowerCase(Locale.ROOT));
    }

    public int size() {
        return entries.size();
    }

    /** What was wrong with the file, by line: these entries are not in the table. */
    public List<AliasProblem> problems() {
        return problems;
    }
}
