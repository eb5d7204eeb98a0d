package sparkcnn.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class PeerProcessTest {

    @Test
    void aPeerThatFillsStderrBeforeItsStdoutDoesNotDeadlock() {
        // 1 MiB of warnings on stderr, then the result on stdout: reading stdout to its end first
        // while stderr's 64 KiB pipe is full would wait forever
        var command = List.of("sh", "-c", "yes w | head -c 1048576 >&2; echo '{\"ok\": 1}'");
        PeerProcess.Outcome outcome = assertTimeoutPreemptively(Duration.ofSeconds(60),
                () -> PeerProcess.run(command, 1));
        assertEquals(0, outcome.status());
        assertEquals("{\"ok\": 1}", outcome.stdout().strip());
        assertEquals(1 << 20, outcome.stderr().length());
    }
}
