package sparkcnn.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

class DriverAveragingModelTest {

    @Test
    void treeShapeIsSparksTreeAggregate() {
        assertEquals(new DriverAveragingModel.TreeShape(List.of(), 3), DriverAveragingModel.TreeShape.of(3, 2));
        // 256 partials at depth 3: scale 7, 256 -> 36 -> 5 (up to 8 merged at each), the driver adds the last 5
        assertEquals(new DriverAveragingModel.TreeShape(List.of(8, 8), 5), DriverAveragingModel.TreeShape.of(256, 3));
        assertEquals(21, DriverAveragingModel.TreeShape.of(256, 3).pathFanIn());
    }

    /** The partials the driver receives in a real treeReduce (the tasks of its last stage): the model's. */
    @Test
    void theDriverReceivesAsManyPartialsAsTheModelSays() {
        try (var sc = new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName("tree-shape")
                .set("spark.ui.enabled", "false"))) {
            for (int[] c : new int[][] {{3, 2}, {40, 2}, {100, 3}, {256, 3}}) {
                String group = "tree-" + c[0] + "-" + c[1];
                sc.setJobGroup(group, group);
                List<Integer> ones = new ArrayList<>();
                for (int i = 0; i < c[0]; i++) {
                    ones.add(1);
                }
                assertEquals(c[0], sc.parallelize(ones, c[0]).treeReduce(Integer::sum, c[1]));
                var tracker = sc.statusTracker();
                int[] stages = tracker.getJobInfo(tracker.getJobIdsForGroup(group)[0]).stageIds();
                int last = java.util.Arrays.stream(stages).max().orElseThrow();
                assertEquals(DriverAveragingModel.TreeShape.of(c[0], c[1]).atDriver(), tracker.getStageInfo(last).numTasks(),
                        group);
                assertEquals(DriverAveragingModel.TreeShape.of(c[0], c[1]).levels().size() + 1, stages.length, group);
            }
        }
    }

    @Test
    void fittedConstantsReproduceTheCostsTheyCameFrom() {
        var truth = new DriverAveragingModel(0.05, 0.02, 0.003, 0.001, 0.005, 0, 0);
        List<DriverAveragingModel.RoundCost> costs = new ArrayList<>();
        for (int w = 1; w <= 3; w++) {
            costs.add(new DriverAveragingModel.RoundCost(w, 60, 0.05 + 0.02 * w, truth.broadcastSeconds(w, 60),
                    truth.reduceSeconds(w, 60)));
        }
        var fitted = DriverAveragingModel.fit(costs);
        for (int w : new int[] {1, 8, 64}) {
            assertEquals(truth.averagingSeconds(w, 60), fitted.averagingSeconds(w, 60), 1e-9);
        }
    }

    @Test
    void efficiencyFallsWithWorkersAndRisesWithFrequency() {
        var model = new DriverAveragingModel(0.05, 0.001, 0.003, 0.001, 0.005, 0.002, 1250);
        double previous = 1;
        for (int w : ScalingReport.WORKERS) {
            double e = model.epoch(ScalingReport.IMAGENET, w, 32, 5, 100, 61).efficiency();
            assertTrue(e < previous, w + " workers: " + e);
            previous = e;
        }
        assertTrue(model.epoch(ScalingReport.IMAGENET, 64, 32, 20, 100, 61).efficiency()
                > model.epoch(ScalingReport.IMAGENET, 64, 32, 1, 100, 61).efficiency());
        // an epoch is its rounds: 1,281,167 / (8 x 32 x 5) rounded up
        var e = model.epoch(ScalingReport.IMAGENET, 8, 32, 5, 100, 61);
        assertEquals(1001, e.rounds());
        assertEquals(1001 * (1.6 + e.averagingSeconds()), e.seconds(), 1e-6);
    }
}
