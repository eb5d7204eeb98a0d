package sparkcnn.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code bench dense-block}: DenseNets trained and run one minibatch at a time by four sides, each
 * measurement in a process of its own (its own peak resident memory), the sides alternating in a
 * rotating order, repeated: sparkcnn with its dense blocks as one layer, sparkcnn's per-layer graph
 * ({@code model.layers.dense-blocks = false}), PyTorch plain and PyTorch with torchvision's
 * {@code memory_efficient=True}; sparkcnn's blocks also with {@code model.recompute = all}, the
 * memory of torchvision's memory_efficient (bottlenecks recomputed too). PyTorch at its fastest
 * (tcmalloc where installed, OpenMP's own spinning).
 */
final class DenseBlockBench {
    static final List<String> SIDES = List.of("sparkcnn blocks", "sparkcnn blocks recompute=all", "sparkcnn per-layer",
            "PyTorch", "PyTorch memory_efficient");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One model at one batch, with the steps each measurement times. */
    record Case(String model, int batch, int iterations, int repeats) {
    }

    private final int threads;
    private final int warmup;
    private final PrintStream out;

    /** {@code warmup} untimed training (and inference) steps first in every process, on every side. */
    DenseBlockBench(int threads, int warmup, PrintStream out) {
        this.threads = threads;
        this.warmup = warmup;
        this.out = out;
    }

    /** Every case's measurements: [case][side] -> list of JSON results (one per repeat; failures as their error). */
    List<Map<String, Object>> run(List<Case> cases) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Case c : cases) {
            Map<String, List<JsonNode>> bySide = new LinkedHashMap<>();
            SIDES.forEach(side -> bySide.put(side, new ArrayList<>()));
            for (int repeat = 0; repeat < c.repeats(); repeat++) {
                for (int i = 0; i < SIDES.size(); i++) {
                    String side = SIDES.get((i + repeat) % SIDES.size());
                    JsonNode result = measure(side, c);
                    out.println(c.model() + " batch " + c.batch() + ", " + side + ": " + result);
                    bySide.get(side).add(result);
                }
            }
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("model", c.model());
            row.put("batch", c.batch());
            row.put("iterations", c.iterations());
            row.put("repeats", c.repeats());
            row.put("sides", bySide);
            rows.add(row);
        }
        return rows;
    }

    private JsonNode measure(String side, Case c) {
        List<String> command = side.startsWith("PyTorch") ? peer(side, c) : sparkcnn(side, c);
        try {
            PeerProcess.Outcome outcome = side.startsWith("PyTorch")
                    ? PeerProcess.runPeer(command, 60, PeerProcess.fastestAllocator()) : PeerProcess.run(command, 60);
            String last = outcome.stdout().strip().lines().reduce((a, b) -> b).orElse("");
            if (outcome.status() != 0 || !last.startsWith("{")) {
                String error = outcome.stderr().strip().lines().filter(l -> l.contains("Error") || l.contains("Exception"))
                        .findFirst().orElse("exit " + outcome.status());
                return JSON.createObjectNode().put("error", error);
            }
            return JSON.readTree(last);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** {@code bench step} in a JVM of its own, with room off the heap for the per-layer graph's DenseNet-264. */
    private List<String> sparkcnn(String side, Case c) {
        return ChildJob.command(2048, List.of("-Dorg.bytedeco.javacpp.maxbytes=20G",
                "-Dorg.bytedeco.javacpp.maxphysicalbytes=22G"),
                List.of("bench", "step", "--model", c.model(), "--batch", String.valueOf(c.batch()),
                        "--threads", String.valueOf(threads), "--warmup", String.valueOf(warmup),
                        "--iterations", String.valueOf(c.iterations()),
                        "--recompute", side.endsWith("recompute=all") ? "all" : "auto",
                        "--dense-blocks", String.valueOf(side.startsWith("sparkcnn blocks"))));
    }

    private List<String> peer(String side, Case c) {
        List<String> command = new ArrayList<>(List.of(PeerProcess.python(), PeerProcess.script().toString(),
                "--model", c.model(), "--batch", String.valueOf(c.batch()), "--threads", String.valueOf(threads),
                "--warmup", String.valueOf(warmup), "--iters", String.valueOf(c.iterations()), "--inference"));
        if (side.endsWith("memory_efficient")) {
            command.add("--memory-efficient");
        }
        return command;
    }

    static void write(Map<String, Object> result, File outDir) {
        try {
            outDir.mkdirs();
            JSON.writerWithDefaultPrettyPrinter().writeValue(new File(outDir, "dense-block.json"), result);
            Files.writeString(new File(outDir, "dense-block.md").toPath(), DenseBlockTables.markdown(result));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
