package sparkcnn.jobs.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigException;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sparkcnn.driver.train.EngineKind;
import sparkcnn.jobs.train.TrainSpec;

class JobConfigTest {
    static final File MAIN_JOB = new File("../conf/fashion-mnist-cnn.conf");

    @Test
    void theMainJobFileLoadsIntoATrainSpec() {
        TrainSpec spec = TrainSpec.from(JobConfig.load(MAIN_JOB, List.of()));
        assertEquals("runs/fashion-mnist-cnn", spec.runDir());
        assertEquals(2, spec.workers());
        assertEquals("local[*]", spec.master());
        assertEquals(10, spec.model().classes());
        assertEquals("adam", spec.optimizer().updater());
    }

    @Test
    void everyJobFileInConfLoadsIntoATrainSpec() throws IOException {
        try (var files = Files.list(Path.of("../conf"))) {
            for (Path job : files.filter(f -> f.toString().endsWith(".conf") && !f.getFileName().toString()
                    .startsWith("sweep-")).toList()) {
                TrainSpec spec = TrainSpec.from(JobConfig.load(job.toFile(), List.of()));
                assertTrue(spec.epochs() > 0, job.toString());
            }
        }
        // the ImageNet recipe: 0.1 for 256 images, /10 after epochs 30 and 60 of 90
        TrainSpec imagenet = TrainSpec.from(JobConfig.load(new File("../conf/imagenet-densenet121.conf"), List.of()));
        assertEquals(0.1, imagenet.schedule().rate(30, 99, 100), 1e-12);
        assertEquals(0.01, imagenet.schedule().rate(31, 0, 100), 1e-12);
        assertEquals(0.01, imagenet.schedule().rate(60, 99, 100), 1e-12);
        assertEquals(0.001, imagenet.schedule().rate(61, 0, 100), 1e-12);
        assertEquals(256, imagenet.data().decodeSize());
    }

    @Test
    void setOverridesTheFileIncludingUrisThatAreNotHocon() {
        var config = JobConfig.load(MAIN_JOB, List.of("train.epochs=7", "data.train.images=hdfs://nn:8020/x/train.gz",
                "run.dir=/tmp//odd", "spark.master=local[2]"));
        assertEquals("local[2]", config.getString("spark.master"));
        assertEquals(7, config.getInt("train.epochs"));
        assertEquals("hdfs://nn:8020/x/train.gz", config.getString("data.train.images"));
        assertEquals("/tmp//odd", config.getString("run.dir"));
    }

    /** model.recompute reaches the dense blocks of the graph the job builds; a value it does not know names the key. */
    @Test
    void modelRecomputeChoosesWhatDenseBlocksRecompute() {
        var lean = TrainSpec.from(JobConfig.load(MAIN_JOB, List.of("model.type=densenet-bc", "model.input=32x32x3",
                "model.recompute=all")));
        assertEquals(sparkcnn.kernels.arch.DenseBlockSpec.Recompute.ALL,
                ((sparkcnn.kernels.arch.DenseNet) lean.model()).recompute());
        var graph = sparkcnn.kernels.net.GraphBuilder.build(lean.model().architecture(), lean.optimizer(), 1);
        var block = (sparkcnn.kernels.layers.DenseBlock) ((org.deeplearning4j.nn.conf.graph.LayerVertex) graph
                .getVertices().get("block1")).getLayerConf().getLayer();
        assertTrue(block.isRecompute() && block.isRecomputeBottleneck());

        var e = assertThrows(ConfigException.class, () -> TrainSpec.from(JobConfig.load(MAIN_JOB,
                List.of("model.recompute=sometimes"))));
        assertTrue(e.getMessage().contains("model.recompute") && e.getMessage().contains("sometimes"), e.getMessage());
    }

    /** model.layers are the graph's typed layer choices: the defaults, each one set, a bad value named. */
    @Test
    void modelLayersChooseHowTheGraphIsBuilt() {
        assertEquals(sparkcnn.kernels.net.LayerOptions.DEFAULT, TrainSpec.from(JobConfig.load(MAIN_JOB, List.of())).layers());
        var perLayer = TrainSpec.from(JobConfig.load(MAIN_JOB, List.of("model.type=densenet-bc", "model.input=32x32x3",
                "model.layers.dense-blocks=false", "model.layers.split-batch=false", "model.layers.keep-up-to-maps=100")));
        assertEquals(new sparkcnn.kernels.net.LayerOptions(true, false, 100, true, false), perLayer.layers());
        var graph = sparkcnn.kernels.net.GraphBuilder.build(perLayer.model().architecture(), perLayer.optimizer(), 1,
                perLayer.layers());
        assertTrue(graph.getVertices().values().stream().noneMatch(v -> v instanceof org.deeplearning4j.nn.conf.graph.LayerVertex lv
                && lv.getLayerConf().getLayer() instanceof sparkcnn.kernels.layers.DenseBlock), "the per-layer graph");

        var e = assertThrows(ConfigException.class, () -> TrainSpec.from(JobConfig.load(MAIN_JOB,
                List.of("model.layers.keep-up-to-maps=-1"))));
        assertTrue(e.getMessage().contains("model.layers.keep-up-to-maps"), e.getMessage());
    }

    @Test
    void anUnknownKeyIsNamedWithTheNearestKnownKey(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("job.conf");
        Files.writeString(file, "train { batch-size-per-workers = 32 }\n");
        var e = assertThrows(ConfigException.class, () -> JobConfig.load(file.toFile(), List.of()));
        assertTrue(e.getMessage().contains("'train.batch-size-per-workers'"), e.getMessage());
        assertTrue(e.getMessage().contains("did you mean 'train.batch-size-per-worker'"), e.getMessage());

        var fromCli = assertThrows(ConfigException.class, () -> JobConfig.load(null, List.of("train.epoch=3")));
        assertTrue(fromCli.getMessage().contains("did you mean 'train.epochs'"), fromCli.getMessage());
    }

    @Test
    void badValuesNameTheirKey() {
        var e = assertThrows(ConfigException.class,
                () -> TrainSpec.from(JobConfig.load(MAIN_JOB, List.of("train.workers=0"))));
        assertTrue(e.getMessage().contains("train.workers"), e.getMessage());
        var stage = assertThrows(ConfigException.class, () -> TrainSpec.from(JobConfig.load(MAIN_JOB,
                List.of("model.stages=[{convs=1, filters=8, size=3, pool=true, stride=2}]"))));
        assertTrue(stage.getMessage().contains("model.stages[0].stride"), stage.getMessage());
        var unset = assertThrows(ConfigException.class, () -> TrainSpec.from(JobConfig.load(null, List.of())));
        assertTrue(unset.getMessage().contains("data.train.images"), unset.getMessage());
    }

    @Test
    void numbersThatWouldBeSilentlyTruncatedOrIgnoredAreErrors() {
        // Typesafe Config's getInt truncates 2.9 to 2 and 0.5 to 0; getDouble accepts NaN
        for (String bad : List.of("train.epochs=2.9", "train.workers=0.5", "train.batch-size-per-worker=\"64x\"",
                "train.schedule.warmup-epochs=NaN", "train.optimizer.weight-decay=NaN",
                "train.optimizer.weight-decay=-0.001", "train.optimizer.learning-rate=NaN",
                "train.stop.target-accuracy=1.5", "model.classes=10.5", "data.train.limit=12.5")) {
            String key = bad.substring(0, bad.indexOf('='));
            var e = assertThrows(ConfigException.class, () -> TrainSpec.from(JobConfig.load(MAIN_JOB, List.of(bad))),
                    bad);
            assertTrue(e.getMessage().contains(key), bad + ": " + e.getMessage());
            assertTrue(!e.getMessage().contains("lower the learning rate"), e.getMessage());
        }
        // whole numbers written as decimals are whole numbers
        assertEquals(3, TrainSpec.from(JobConfig.load(MAIN_JOB, List.of("train.epochs=3.0"))).epochs());
    }

    /** Bad optimizer values are refused before Spark starts, naming the key. */
    @Test
    void optimizerValuesPyTorchWouldRefuseNameTheirKey() {
        for (String bad : List.of("train.optimizer.weight-decay-kind=l1", "train.optimizer.weight-decay=-1e-4",
                "train.optimizer.momentum=1", "train.optimizer.momentum=-0.5", "train.optimizer.updater=rmsprop")) {
            String key = bad.substring(0, bad.indexOf('='));
            var e = assertThrows(ConfigException.class, () -> TrainSpec.from(JobConfig.load(MAIN_JOB, List.of(bad))),
                    bad);
            assertTrue(e.getMessage().contains(key), bad + ": " + e.getMessage());
        }
        var nesterov = assertThrows(ConfigException.class, () -> TrainSpec.from(JobConfig.load(MAIN_JOB,
                List.of("train.optimizer.updater=nesterovs", "train.optimizer.momentum=0"))));
        assertTrue(nesterov.getMessage().contains("train.optimizer.momentum")
                && nesterov.getMessage().contains("nesterovs needs a momentum"), nesterov.getMessage());
    }

    /** The DenseNet-BC job is the paper's C10+ recipe, and says so as it applies it. */
    @Test
    void theDenseNetBcJobIsThePapersRecipe() {
        TrainSpec bc = TrainSpec.from(JobConfig.load(new File("../conf/fashion-mnist-densenet-bc.conf"), List.of()));
        assertEquals(64, bc.workers() * bc.batchSizePerWorker());
        assertEquals(sparkcnn.kernels.data.Augmentation.CIFAR, bc.data().augmentation());
        assertEquals(30, bc.epochs());
        assertEquals("SGD nesterov momentum 0.9, L2 1e-4 (coupled), lr 0.1 x 0.1 at epochs 15, 22.5",
                bc.optimizer().describe());
    }

    @Test
    void theAggregationTreeDeepensWithTheWorkerCountUnlessSet() {
        assertEquals(2, TrainSpec.from(JobConfig.load(MAIN_JOB, List.of("train.workers=16"))).aggregationDepth());
        assertEquals(3, TrainSpec.from(JobConfig.load(MAIN_JOB, List.of("train.workers=17"))).aggregationDepth());
        assertEquals(4, TrainSpec.from(JobConfig.load(MAIN_JOB, List.of("train.workers=300"))).aggregationDepth());
        assertEquals(5, TrainSpec.from(JobConfig.load(MAIN_JOB, List.of("train.workers=2",
                "train.aggregation-depth=5"))).aggregationDepth());
    }

    @Test
    void aHashInASetValueIsPartOfTheValueNotACommentStart() {
        var config = JobConfig.load(MAIN_JOB, List.of("run.dir=/tmp/r#1", "spark.app-name=sweep #3"));
        assertEquals("/tmp/r#1", config.getString("run.dir"));
        assertEquals("sweep #3", config.getString("spark.app-name"));
    }

    @Test
    void editDistanceCountsSingleEdits() {
        assertEquals(0, JobConfig.editDistance("abc", "abc"));
        assertEquals(1, JobConfig.editDistance("epoch", "epochs"));
        assertEquals(3, JobConfig.editDistance("kitten", "sitting"));
    }

    @Test
    void engineNamesSayWhatTheyDoAndTheOldDriverNameStillLoads() {
        assertEquals(EngineKind.ALLREDUCE, TrainSpec.from(JobConfig.load(MAIN_JOB, List.of())).engine());
        assertFalse(TrainSpec.from(JobConfig.load(MAIN_JOB, List.of())).allReduceOverlap());
        assertEquals(EngineKind.DRIVER, TrainSpec.from(JobConfig.load(MAIN_JOB, List.of("train.engine=driver"))).engine());
        assertEquals(EngineKind.DRIVER, TrainSpec.from(JobConfig.load(MAIN_JOB, List.of("train.engine=sparkcnn"))).engine());
        assertTrue(TrainSpec.from(JobConfig.load(MAIN_JOB, List.of("train.allreduce.overlap=true"))).allReduceOverlap());
        var e = assertThrows(ConfigException.class, () -> TrainSpec.from(JobConfig.load(MAIN_JOB,
                List.of("train.engine=horovod"))));
        assertTrue(e.getMessage().contains("train.engine") && e.getMessage().contains("'horovod'")
                && e.getMessage().contains("allreduce, driver, dl4j-parameter-averaging"), e.getMessage());
        var whole = assertThrows(ConfigException.class, () -> TrainSpec.from(JobConfig.load(MAIN_JOB,
                List.of("train.engine=dl4j-parameter-averaging", "train.steps-per-epoch=5"))));
        assertTrue(whole.getMessage().contains("train.steps-per-epoch"), whole.getMessage());
    }
}
