package sparkcnn.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import sparkcnn.jobs.MainRunner;

/** The bench module's commands join sparkcnn's command tree where the module is on the class path. */
class BenchCommandsTest {

    @Test
    void benchListsAndHelpsWithEveryBenchmark() {
        var help = MainRunner.run("bench", "--help");
        assertEquals(0, help.status());
        for (String command : new String[] {"train", "profile", "decode", "scale", "scaling", "engines", "rounds"}) {
            assertTrue(help.out().contains("  " + command + " "), command + " in " + help.out());
        }
        var train = MainRunner.run("bench", "train", "--help");
        assertEquals(0, train.status());
        assertTrue(train.out().contains("--only=MODEL"), train.out());
        var none = MainRunner.run("bench");
        assertEquals(2, none.status());
        assertTrue(none.err().contains("bench train"), none.err());
    }

    @Test
    void defaultsComeFromTheInstallationNotTheWorkingDirectory() {
        String before = System.getProperty(Installation.HOME_PROPERTY);
        System.setProperty(Installation.HOME_PROPERTY, "/opt/sparkcnn");
        try {
            assertEquals("/opt/sparkcnn/bench/peer/torch_bench.py", PeerProcess.script().toString());
            assertEquals("/opt/sparkcnn/bench/results", new BenchOptions().results().getPath());
            var given = new BenchOptions();
            given.out = new java.io.File("mine");
            assertEquals("mine", given.results().getPath());
        } finally {
            if (before == null) {
                System.clearProperty(Installation.HOME_PROPERTY);
            } else {
                System.setProperty(Installation.HOME_PROPERTY, before);
            }
        }
    }
}
