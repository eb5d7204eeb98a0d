package sparkcnn.driver.collective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import ml.dmlc.xgboost4j.java.Communicator;
import org.junit.jupiter.api.Test;

/**
 * XGBoost's console line on joining a ring ("Task probe got rank 0"), written by its native code to
 * the process's standard error (file descriptor 2, which no Java stream sees): in a JVM of its own,
 * it reaches standard error unless the joining thread routed it to the log (the probe's log, at
 * debug level, goes to its standard output).
 */
class XgboostConsoleTest {

    /** Joins a one-member communicator as task "probe", routed to the log first if asked to. */
    public static void main(String[] args) throws Exception {
        if (args[0].equals("routed")) {
            System.out.println("routed: " + XgboostConsole.routeToLog());
        }
        Communicator.init(Map.of("dmlc_task_id", "probe"));
        Communicator.shutdown();
    }

    private static String[] probe(String how) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(List.of(java.toString(), "-cp", System.getProperty("java.class.path"),
                "-Dlog4j2.level=debug", XgboostConsoleTest.class.getName(), how)).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), err);
        return new String[] {out, err};
    }

    @Test
    void theLineOnJoiningARingGoesToTheLogNotTheTerminal() throws Exception {
        String[] left = probe("left");
        assertTrue(left[1].contains("Task probe got rank 0"), "XGBoost no longer writes it: " + left[1]);
        String[] routed = probe("routed");
        assertTrue(routed[0].contains("routed: true"), routed[0] + routed[1]);
        assertFalse(routed[1].contains("got rank"), routed[1]);
        assertTrue(routed[0].contains("DEBUG sparkcnn.driver.collective.XgboostConsole - xgboost: [")
                && routed[0].contains("] Task probe got rank 0"), "not in the log: " + routed[0]);
    }
}
