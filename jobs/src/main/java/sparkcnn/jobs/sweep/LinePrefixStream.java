package sparkcnn.jobs.sweep;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Prefixes every whole line written to it, so the output of concurrent trials stays readable. */
final class LinePrefixStream extends OutputStream {
    private final PrintStream target;
    private final String prefix;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    private LinePrefixStream(PrintStream target, String prefix) {
        this.target = target;
        this.prefix = prefix;
    }

    static PrintStream of(PrintStream target, String prefix) {
        return new PrintStream(new LinePrefixStream(target, prefix), true, StandardCharsets.UTF_8);
    }

    @Override
    public synchronized void write(int b) {
        if (b == '\n') {
            target.println(prefix + line.toString(StandardCharsets.UTF_8));
            line.reset();
        } else if (b != '\r') {
            line.write(b);
        }
    }
}
