package sparkcnn.jobs.cluster;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/**
 * The spark-submit jar shadows nothing a cluster puts on the class path: no class of it is also a
 * class of Spark's distribution (its jars, with YARN's, as on a YARN container's class path), but
 * for JSR-305's annotations, which are the same everywhere and only read by tools.
 */
class ClassPathIT {
    private static final List<String> SAME_EVERYWHERE = List.of("javax/annotation/");

    @Test
    void theSparkSubmitJarShadowsNoClassOfSparkOrHadoop() throws IOException {
        Set<String> cluster = new TreeSet<>();
        List<String> jars = new ArrayList<>(List.of(
                Files.readString(Path.of("target/spark-classpath.txt")).trim().split(File.pathSeparator)));
        try (var yarn = Files.list(Path.of("target/yarn-jars"))) {
            yarn.forEach(j -> jars.add(j.toString()));
        }
        for (String jar : jars) {
            cluster.addAll(classes(Path.of(jar)));
        }
        Set<String> clashes = new TreeSet<>(classes(StandaloneCluster.shadedJar()));
        clashes.retainAll(cluster);
        clashes.removeIf(c -> SAME_EVERYWHERE.stream().anyMatch(c::startsWith));
        assertTrue(cluster.size() > 50_000, "read only " + cluster.size() + " classes of the cluster's jars");
        assertTrue(clashes.isEmpty(), clashes.size() + " classes of the jar are also the cluster's, e.g. "
                + clashes.stream().limit(10).toList() + ": relocate or exclude them (jobs/pom.xml, the shade plugin)");
    }

    private static Set<String> classes(Path jar) throws IOException {
        Set<String> classes = new TreeSet<>();
        try (var zip = new ZipFile(jar.toFile())) {
            zip.stream().map(java.util.zip.ZipEntry::getName)
                    .filter(n -> n.endsWith(".class") && !n.startsWith("META-INF/") && !n.endsWith("module-info.class"))
                    .forEach(classes::add);
        }
        return classes;
    }
}
