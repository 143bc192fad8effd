package dev.tern.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** A test class whose tests share one Tern process with default options, started once and stopped at the end. */
abstract class SharedTern {

    static TernProcess tern;

    @BeforeAll
    static void startTern() {
        tern = TernProcess.launch();
    }

    @AfterAll
    static void stopTern() {
        if (tern != null) {
            tern.close();
        }
    }
}
