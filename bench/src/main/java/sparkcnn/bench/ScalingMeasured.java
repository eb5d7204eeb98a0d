package sparkcnn.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What {@code ScalingMeasurement} measured on the standalone cluster ({@code scaling-measured.json}),
 * for both engines: {@code bench rounds} of DenseNet-121's state on 1..3 workers, and a few
 * DenseNet-121 training rounds on as many; the two averaging models fitted to them, and the markdown
 * of the measurements and of the check of each model against the training runs.
 */
record ScalingMeasured(JsonNode json, DriverAveragingModel driver, RingAveragingModel ring, double stateMb) {
    /** DenseNet-121's classifier: 1,024 features to each class, a weight and a bias each, and their momentum. */
    static final int FLOATS_PER_CLASS = 2 * 1025;

    static ScalingMeasured of(JsonNode m) {
        List<DriverAveragingModel.RoundCost> costs = new ArrayList<>();
        for (JsonNode r : m.get("rounds")) {
            costs.add(new DriverAveragingModel.RoundCost(r.get("workers").asInt(), r.get("state_mb").asDouble(),
                    r.get("empty_job_seconds").asDouble(), r.get("broadcast_seconds").asDouble(),
                    r.get("reduce_seconds").asDouble()));
        }
        double stateMb = costs.get(0).stateMb();
        DriverAveragingModel driver = DriverAveragingModel.fit(costs).calibratedTo(
                m.get("training").get(0).get("averaging_seconds").asDouble(), trainingStateMb(stateMb));
        List<RingAveragingModel.RoundCost> ringCosts = new ArrayList<>();
        for (JsonNode r : m.get("allreduce_rounds")) {
            ringCosts.add(new RingAveragingModel.RoundCost(r.get("workers").asInt(), r.get("state_mb").asDouble(),
                    r.get("round_seconds").asDouble(), r.get("setup_seconds").asDouble()
                    - r.get("round_seconds").asDouble()));
        }
        return new ScalingMeasured(m, driver, RingAveragingModel.fit(ringCosts), stateMb);
    }

    /** The training runs' state: DenseNet-121's with 100 classes instead of 1,000. */
    static double trainingStateMb(double stateMb1000) {
        return stateMb1000 - 4.0 * FLOATS_PER_CLASS * 900 / (1 << 20);
    }

    String rounds() {
        var md = new StringBuilder("## Measured: an averaging round of DenseNet-121's state\n\n");
        md.append(String.format(Locale.ROOT, "State: %.1f MB (parameters incl. batch-norm statistics, and Nesterov "
                + "momentum). Medians of 5 rounds, each engine's rounds measured one after the other in one run.%n%n"
                + "Through the driver (`bench rounds --engine sparkcnn`):%n%n", stateMb));
        md.append("| workers | empty job s | broadcast s | tree-reduce + average s | round job s |\n"
                + "| ---: | ---: | ---: | ---: | ---: |\n");
        for (JsonNode r : json.get("rounds")) {
            md.append(String.format(Locale.ROOT, "| %d | %.3f | %.3f | %.3f | %.3f |%n", r.get("workers").asInt(),
                    r.get("empty_job_seconds").asDouble(), r.get("broadcast_seconds").asDouble(),
                    r.get("reduce_seconds").asDouble(), r.get("round_job_seconds").asDouble()));
        }
        md.append("\nIn the ring (`bench rounds --engine allreduce`): a round as the driver sees it (from one round's "
                + "reports to the next), the averaging on the slowest worker, and what an epoch's start costs once "
                + "(stage start, broadcast, ring join):\n\n"
                + "| workers | round s | worker averaging s | epoch start s | faster than the driver's round |\n"
                + "| ---: | ---: | ---: | ---: | ---: |\n");
        JsonNode driverRounds = json.get("rounds");
        for (int i = 0; i < json.get("allreduce_rounds").size(); i++) {
            JsonNode r = json.get("allreduce_rounds").get(i);
            md.append(String.format(Locale.ROOT, "| %d | %.3f | %.3f | %.2f | %.1fx |%n", r.get("workers").asInt(),
                    r.get("round_seconds").asDouble(), r.get("worker_averaging_seconds").asDouble(),
                    r.get("setup_seconds").asDouble() - r.get("round_seconds").asDouble(),
                    driverRounds.get(i).get("round_job_seconds").asDouble() / r.get("round_seconds").asDouble()));
        }
        return md.append('\n').append(constants()).toString();
    }

    private String constants() {
        return String.format(Locale.ROOT, "Fitted, through the driver: launch %.3f + %.4f W s; broadcast %.2f + %.2f "
                        + "log2 W ms/MB; reduce %.2f ms/MB per partial sum on the path (at the driver: Java "
                        + "deserialisation and the add); the state into a worker's network and back out %.2f ms/MB "
                        + "(calibrated to the 1-worker training run). In the ring: %.2f ms/MB of state on each worker "
                        + "(its copies in and out, the division and the finiteness check), %.2f ms/MB moved through the "
                        + "ring on this machine (loopback TCP and the adds), an epoch's start %.2f + %.2f W s.%n%n",
                driver.launch0(), driver.launchPerWorker(), 1000 * driver.broadcastPerMb(),
                1000 * driver.broadcastPerMbLog2(), 1000 * driver.reducePerMb(), 1000 * driver.workerStatePerMb(),
                1000 * ring.workerPerMb(), 1000 * ring.movedPerMb(), ring.segment0(), ring.segmentPerWorker());
    }

    /** Each model against the measured training runs of its engine. */
    String check() {
        var md = new StringBuilder("## Check: the models against measured DenseNet-121 training on the same cluster\n\n");
        JsonNode training = json.get("training");
        md.append(String.format(Locale.ROOT, "DenseNet-121 for 100 classes (state %.1f MB), %d images per worker per "
                        + "round, frequency 1, one-core workers, ImageNet-shaped JPEGs decoded on the fly; medians of the "
                        + "rounds after the first. The driver's row 1 is its calibration; the rest are checks. On %d "
                        + "cores, fitting slows as workers are added (memory bandwidth, decode threads): the averaging "
                        + "columns are what the models are for.%n%n", trainingStateMb(stateMb),
                training.get(0).get("batch_per_worker").asInt(), json.get("machine_cores").asInt()));
        md.append("| engine | workers | measured round s | measured fit s | measured averaging s | predicted averaging s "
                + "| error |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        row(md, "sparkcnn", training, driver);
        row(md, "allreduce", json.get("allreduce_training"), ring);
        return md.append('\n').toString();
    }

    private void row(StringBuilder md, String engine, JsonNode training, AveragingModel model) {
        for (JsonNode t : training) {
            int w = t.get("workers").asInt();
            double predicted = model.averagingSeconds(w, trainingStateMb(stateMb));
            double measured = t.get("averaging_seconds").asDouble();
            md.append(String.format(Locale.ROOT, "| %s | %d | %.2f | %.2f | %.2f | %.2f | %+.0f%% |%n", engine, w,
                    t.get("round_seconds").asDouble(), t.get("fit_seconds").asDouble(), measured, predicted,
                    100 * (predicted - measured) / measured));
        }
    }
}
