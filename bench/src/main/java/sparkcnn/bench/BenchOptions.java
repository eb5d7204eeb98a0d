package sparkcnn.bench;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The options the benchmarks share: where results go, where their work files go, a child JVM's heap. */
final class BenchOptions {
    @Option(names = "--out", paramLabel = "DIR",
            description = "results directory (default: the installation's bench/results)")
    File out;

    File results() {
        return Installation.orDefault(out, "bench/results");
    }

    /** The work directory and child heap of benchmarks that run jobs in JVMs of their own. */
    static final class Jobs {
        private final String defaultWork;
        @Option(names = "--work", paramLabel = "DIR", description = "where folders and runs go, reused when there "
                + "(default: the installation's target/bench-...)")
        File work;
        @Option(names = "--heap-mb", paramLabel = "MB", description = "heap of each run's JVM (default ${DEFAULT-VALUE})")
        int heapMb;

        Jobs(String defaultWork, int heapMb) {
            this.defaultWork = defaultWork;
            this.heapMb = heapMb;
        }

        Path workDir() {
            return Installation.orDefault(work, defaultWork).toPath();
        }
    }

    /** What the per-model benchmarks measure. */
    static final class Models {
        @Option(names = "--only", paramLabel = "MODEL", split = ",", description = "measure only these models")
        List<String> models = new ArrayList<>();
        @Option(names = "--iterations", paramLabel = "N", defaultValue = "5", description = "timed steps per measurement")
        int iterations;
        @Option(names = "--warmup", paramLabel = "N", defaultValue = "" + DenseBlockCommand.STEADY_WARMUP,
                description = "untimed steps first (Spark: rounds of at least as many steps per worker)")
        int warmup;
        @Option(names = "--threads", paramLabel = "N", defaultValue = "2",
                description = "threads of the one-process measurement and of Spark workers")
        int threads;
    }
}
