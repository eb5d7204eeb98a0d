package sparkcnn.jobs.cluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Whether DL4J's SharedTrainingMaster (gradient sharing over Aeron) trains on a standalone cluster
 * of two one-core workers on 127.0.0.1: submits a probe application (a jar built from
 * {@code bench/shared-training-probe}) and reports whether it finished within four minutes.
 * Not a test: run from {@code jobs/} with the test class path and the probe jar as argument.
 */
public final class SharedTrainingProbe {
    public static void main(String[] args) throws Exception {
        Path jar = Path.of(args[0]).toAbsolutePath();
        Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "shared-");
        try (var cluster = new StandaloneCluster(dir, 2)) {
            List<String> jvm = StandaloneCluster.driverJvm("-Xmx2g",
                    "-Daeron.publication.unblock.timeout=60000000000"); // STACK.md: Aeron refuses its defaults
            Path log = dir.resolve("probe.log");
            Process probe = cluster.submit(jvm, "SharedProbe", List.of("--conf", "spark.executor.cores=1",
                    "--conf", "spark.cores.max=2", "--conf", "spark.executor.memory=1g",
                    "--conf", "spark.executor.extraJavaOptions=-Daeron.publication.unblock.timeout=60000000000",
                    "--driver-java-options", "-Daeron.publication.unblock.timeout=60000000000"), jar, List.of(), log);
            boolean finished = probe.waitFor(4, TimeUnit.MINUTES);
            if (!finished) {
                probe.descendants().forEach(ProcessHandle::destroyForcibly);
                probe.destroyForcibly();
            }
            String text = Files.readString(log);
            text.lines().filter(l -> l.contains("SHARED") || l.contains("Exception") || l.contains("ERROR"))
                    .limit(30).forEach(System.out::println);
            System.out.println(finished ? "probe exited " + probe.exitValue() : "probe HUNG: killed after 4 minutes");
            System.out.println("log: " + log);
        }
    }
}
