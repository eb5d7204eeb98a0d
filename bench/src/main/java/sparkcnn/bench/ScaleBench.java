package sparkcnn.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import sparkcnn.driver.data.ImageFolderSource;
import sparkcnn.driver.data.SyntheticImageFolder;
import sparkcnn.driver.io.HadoopConf;

/**
 * {@code bench scale}: what ImageNet's size costs. (1) The driver lists {@code names} file names
 * (ImageNet has 1.28 M) in 1,000 class folders: time and heap. (2) DenseNet-121 trains a few rounds
 * on an ImageNet-shaped folder (1,000 classes of 500x375 JPEGs, hard links to a few dozen files)
 * in a JVM of at most 2 GB heap, streamed straight from the folder, then from its export: time,
 * peak heap and peak resident memory of that JVM.
 */
public final class ScaleBench {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path work;
    private final PrintStream out;

    public ScaleBench(Path work, PrintStream out) {
        this.work = work;
        this.out = out;
    }

    public void run(int names, int images, int heapMb, File outDir) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("listing", listing(names));
        Path train = work.resolve("imagenet/train");
        Path val = work.resolve("imagenet/val");
        if (!Files.isDirectory(train)) {
            SyntheticImageFolder.imagenetShaped(train, 1000, images, 48, 1);
            SyntheticImageFolder.imagenetShaped(val, 1000, 200, 16, 2);
        }
        List<String> job = new ArrayList<>(List.of("--config", Installation.file("conf/imagenet-densenet121.conf").toString(),
                "--master", "local[1]", "--set", "data.train.root=" + train, "--set", "data.test.root=" + val,
                "--set", "data.normalize=false", "--set", "train.workers=1", "--set", "train.batch-size-per-worker=16",
                "--set", "train.averaging-frequency=1", "--set", "train.steps-per-epoch=4", "--set", "train.epochs=1"));
        List<Map<String, Object>> runs = new ArrayList<>();
        runs.add(child("train from the image folder (streamed)", heapMb, concat(List.of("train", "--overwrite",
                "--set", "run.dir=" + work.resolve("run-folder")), job)));
        Path export = work.resolve("export");
        runs.add(child("export (batch 64)", heapMb, concat(List.of("export", "--out", export.toString(),
                "--batch", "64"), job)));
        runs.add(child("train from the export (streamed)", heapMb, concat(List.of("train", "--overwrite",
                "--set", "run.dir=" + work.resolve("run-export"), "--set", "data.format=exported",
                "--set", "data.train.dir=" + export.resolve("train"), "--set", "data.test.dir=" + export.resolve("test"),
                "--set", "data.decode-size=0"), job)));
        result.put("imagenet_shaped", Map.of("classes", 1000, "train_images", images, "val_images", 200,
                "heap_limit_mb", heapMb, "runs", runs));
        write(result, outDir);
    }

    /** The driver's listing of {@code names} empty image files in 1,000 class folders. */
    private Map<String, Object> listing(int names) {
        Path root = work.resolve("listing-" + names);
        try {
            if (!Files.isDirectory(root)) {
                for (int i = 0; i < names; i++) {
                    Path dir = root.resolve(String.format(Locale.ROOT, "n%08d", i % 1000));
                    if (i < 1000) {
                        Files.createDirectories(dir);
                    }
                    Files.createFile(dir.resolve(String.format(Locale.ROOT, "n%08d_%07d.JPEG", i % 1000, i)));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long before = usedHeapAfterGc();
        long t0 = System.nanoTime();
        var source = new ImageFolderSource(root.toString(), new HadoopConf(new Configuration()));
        double seconds = (System.nanoTime() - t0) / 1e9;
        long heap = usedHeapAfterGc() - before;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("names", source.files().size());
        m.put("classes", source.classes().size());
        m.put("seconds", seconds);
        m.put("heap_mib", heap >> 20);
        out.printf(Locale.ROOT, "listing: %,d names in %d class folders: %.1f s, %d MiB of driver heap%n",
                source.files().size(), source.classes().size(), seconds, heap >> 20);
        return m;
    }

    private static long usedHeapAfterGc() {
        System.gc();
        System.gc();
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }

    private Map<String, Object> child(String what, int heapMb, List<String> args) {
        return ChildJob.run(what, heapMb, args, out);
    }

    @SuppressWarnings("unchecked")
    private static String markdown(Map<String, Object> result) {
        var listing = (Map<String, Object>) result.get("listing");
        var shaped = (Map<String, Object>) result.get("imagenet_shaped");
        StringBuilder md = new StringBuilder("# ImageNet scale (bench scale)\n\n");
        md.append(String.format(Locale.ROOT, "Driver listing %,d file names in %d class folders (local disk, names only): "
                        + "%.1f s, %s MiB of driver heap for the listing.%n%n", listing.get("names"), listing.get("classes"),
                listing.get("seconds"), listing.get("heap_mib")));
        md.append(String.format(Locale.ROOT, "DenseNet-121 (224x224, 1 worker, batch 16, 4 rounds, evaluation on %s images) "
                        + "on an ImageNet-shaped folder of %,d JPEGs of 500x375 in 1,000 classes, in a JVM of %s MiB "
                        + "heap (Spark local[1]: driver and executor in it):%n%n", shaped.get("val_images"),
                shaped.get("train_images"), shaped.get("heap_limit_mb")));
        md.append("| run | exit | seconds | peak heap MiB | peak resident MiB |\n| --- | ---: | ---: | ---: | ---: |\n");
        for (var run : (List<Map<String, Object>>) shaped.get("runs")) {
            md.append(String.format(Locale.ROOT, "| %s | %s | %.0f | %s | %s |%n", run.get("what"), run.get("exit"),
                    run.get("seconds"), run.getOrDefault("peak_heap_mib", "-"), run.getOrDefault("peak_rss_mib", "-")));
        }
        return md.toString();
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private void write(Map<String, Object> result, File outDir) {
        try {
            outDir.mkdirs();
            JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValue(new File(outDir, "scale.json"), result);
            String md = markdown(result);
            Files.writeString(new File(outDir, "scale.md").toPath(), md);
            out.print(md);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
