package sparkcnn.jobs.cluster;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A real Spark standalone cluster on 127.0.0.1: one master and N workers, each its own JVM, started
 * from the Spark jars Maven resolved (target/spark-classpath.txt) laid out as a Spark installation
 * ({@code SPARK_HOME/jars}), so the workers launch executors exactly as a downloaded Spark would.
 */
final class StandaloneCluster implements AutoCloseable {
    private static final Path TARGET = Path.of("target").toAbsolutePath();
    /** Jars of Spark 3.5's jars/ folder that Maven resolved through DL4J rather than through Spark. */
    private static final List<String> ALSO_IN_SPARK = List.of("/org/slf4j/", "/org/apache/logging/log4j/",
            "/com/fasterxml/jackson/", "/io/netty/", "/org/scala-lang/", "/commons-logging/", "/commons-codec/",
            "/commons-io/", "/org/apache/commons/commons-lang3/", "/org/apache/commons/commons-math3/",
            "/org/apache/commons/commons-compress/", "/joda-time/", "/com/clearspring/");
    private final Path home;
    private final int port;
    private final Process master;
    private final List<Worker> workers = new ArrayList<>();

    /** One worker JVM and its work directory, where it keeps one folder per application. */
    record Worker(Process process, Path workDir) {
        boolean runs(String appId) {
            return Files.isDirectory(workDir.resolve(appId));
        }

        /** Kills the worker and the executors it launched, as losing the machine would. */
        void kill() {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }

    StandaloneCluster(Path dir, int workerCount) throws Exception {
        home = sparkHome(dir.resolve("spark-home"));
        port = freePort();
        master = start(List.of("org.apache.spark.deploy.master.Master",
                "--host", "127.0.0.1", "--port", String.valueOf(port), "--webui-port", String.valueOf(freePort())),
                dir.resolve("master.log"));
        awaitLog(dir.resolve("master.log"), "I have been elected leader", master);
        for (int i = 0; i < workerCount; i++) {
            Path workDir = Files.createDirectories(dir.resolve("worker-" + i));
            Path log = dir.resolve("worker-" + i + ".log");
            Process worker = start(List.of("org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1",
                    "--cores", "1", "--memory", "2g", "--work-dir", workDir.toString(),
                    "--webui-port", String.valueOf(freePort()), masterUrl()), log);
            workers.add(new Worker(worker, workDir));
            awaitLog(log, "Successfully registered with master", worker);
        }
    }

    String masterUrl() {
        return "spark://127.0.0.1:" + port;
    }

    Optional<Worker> workerRunning(String appId) {
        return workers.stream().filter(w -> w.process().isAlive() && w.runs(appId)).findFirst();
    }

    /** {@code java -cp SPARK_HOME/jars/* ...}, as Spark's own scripts start its daemons and spark-submit. */
    List<String> javaCommand(List<String> jvmOptions) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(home.resolve("jars") + File.separator + "*");
        return command;
    }

    /** The JVM flags bin/sparkcnn gives a driver (target/jvm.options), then {@code more}. */
    static List<String> driverJvm(String... more) throws IOException {
        List<String> jvm = new ArrayList<>(List.of(Files.readString(Path.of("target/jvm.options")).trim().split("\\s+")));
        jvm.addAll(List.of(more));
        return jvm;
    }

    /** This build's spark-submit jar (target/sparkcnn-*-spark.jar). */
    static Path shadedJar() {
        File[] jars = Path.of("target").toFile().listFiles((d, n) -> n.startsWith("sparkcnn-") && n.endsWith("-spark.jar"));
        if (jars == null || jars.length != 1) {
            throw new IllegalStateException("no shaded jar in target/: run mvn package");
        }
        return jars[0].toPath().toAbsolutePath();
    }

    /**
     * SparkSubmit to this cluster as users submit: {@code --master}, {@code --class mainClass}, then
     * {@code options}, {@code jar} and {@code args}; its output goes to {@code log}.
     */
    Process submit(List<String> driverJvm, String mainClass, List<String> options, Path jar, List<String> args,
                   Path log) throws IOException {
        List<String> command = javaCommand(driverJvm);
        command.addAll(List.of("org.apache.spark.deploy.SparkSubmit", "--master", masterUrl(), "--class", mainClass));
        command.addAll(options);
        command.add(jar.toString());
        command.addAll(args);
        var builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        environment(builder.environment());
        return builder.start();
    }

    /** The environment of every cluster process: Spark's launcher needs SPARK_HOME and the Scala version. */
    void environment(Map<String, String> env) {
        env.put("SPARK_HOME", home.toString());
        env.put("SPARK_SCALA_VERSION", "2.12");
        env.put("SPARK_LOCAL_IP", "127.0.0.1");
    }

    private Process start(List<String> args, Path log) throws IOException {
        List<String> command = javaCommand(List.of("-Xmx256m"));
        command.addAll(args);
        var builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        environment(builder.environment());
        return builder.start();
    }

    static void awaitLog(Path log, String line, Process process) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readString(log, StandardCharsets.UTF_8).contains(line)) {
                return;
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("exited before '" + line + "':\n" + Files.readString(log));
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("no '" + line + "' within 90 s in " + log);
    }

    /**
     * SPARK_HOME/jars: links to the jars a Spark distribution ships: the provided-scope ones, plus
     * those of Spark's that Maven resolved through DL4J (compile scope, so also in the shaded jar,
     * as they would be next to a real Spark's).
     */
    static Path sparkHome(Path home) throws IOException {
        Path jars = Files.createDirectories(home.resolve("jars"));
        List<String> classpath = new ArrayList<>(List.of(
                Files.readString(TARGET.resolve("spark-classpath.txt")).trim().split(File.pathSeparator)));
        for (String jar : Files.readString(TARGET.resolve("classpath.txt")).trim().split(File.pathSeparator)) {
            if (ALSO_IN_SPARK.stream().anyMatch(jar::contains)) {
                classpath.add(jar);
            }
        }
        for (String jar : classpath) {
            Path source = Path.of(jar);
            Path link = jars.resolve(source.getFileName());
            if (!Files.exists(link)) {
                Files.createSymbolicLink(link, source);
            }
        }
        return home;
    }

    private static int freePort() throws IOException {
        try (var socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() {
        workers.forEach(Worker::kill);
        master.destroyForcibly();
    }

    static Stream<Path> files(Path dir) {
        try {
            return Files.exists(dir) ? Files.list(dir) : Stream.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * SparkSubmit of the shaded jar's {@code sparkcnn.jobs.Main} with {@code args}, on {@code workers}
     * one-core executors, as the measurements submit it; waits for it, and fails with its log's end.
     */
    void submitShaded(Path dir, String name, int workers, List<String> args) throws Exception {
        String cache = System.getProperty("org.bytedeco.javacpp.cachedir",
                Path.of(System.getProperty("user.home"), ".javacpp", "cache").toString());
        List<String> driverJvm = driverJvm("-Xmx3g",
                "-Dlog4j2.configurationFile=" + Path.of("../conf/log4j2.properties").toAbsolutePath());
        Path log = dir.resolve(name + ".log");
        List<String> options = List.of("--conf", "spark.executor.cores=1", "--conf", "spark.cores.max=" + workers,
                "--conf", "spark.executor.memory=1500m",
                "--conf", "spark.executor.extraJavaOptions=-Dorg.bytedeco.javacpp.cachedir=" + cache
                        + " -Dorg.bytedeco.javacpp.maxbytes=3G -Dorg.bytedeco.javacpp.maxphysicalbytes=5G");
        System.out.println(name + ": " + String.join(" ", args));
        Process process = submit(driverJvm, "sparkcnn.jobs.Main", options, shadedJar(), args, log);
        if (!process.waitFor(20, java.util.concurrent.TimeUnit.MINUTES) || process.exitValue() != 0) {
            process.destroyForcibly();
            List<String> lines = Files.readAllLines(log);
            throw new IllegalStateException(name + " failed:\n"
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size())));
        }
    }
}
