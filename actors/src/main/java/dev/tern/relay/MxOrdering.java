package dev.tern.relay;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.random.RandomGenerator;

import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Name;

/**
 * RFC 5321 §5.1 ordering of MX records: lowest preference first, records of equal
 * preference in random order (to spread load), each target once.
 */
final class MxOrdering {

    private MxOrdering() {
    }

    static List<MXRecord> order(List<MXRecord> records, RandomGenerator random) {
        List<MXRecord> shuffled = new ArrayList<>(records);
        // Collections.shuffle takes a RandomGenerator only from Java 21; Fisher-Yates here.
        // The generator may be shared by concurrent resolutions and need not be thread-safe.
        synchronized (random) {
            for (int i = shuffled.size() - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                MXRecord swap = shuffled.get(i);
                shuffled.set(i, shuffled.get(j));
                shuffled.set(j, swap);
            }
        }
        shuffled.sort(Comparator.comparingInt(MXRecord::getPriority)); // stable: shuffle survives within a preference

        Set<Name> seen = new HashSet<>();
        List<MXRecord> ordered = new ArrayList<>(shuffled.size());
        for (MXRecord mx : shuffled) {
            if (seen.add(mx.getTarget())) {
                ordered.add(mx);
            }
        }
        return ordered;
    }
}
