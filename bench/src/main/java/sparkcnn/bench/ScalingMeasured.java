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
record ScalingMeasured(JsonNode json, DriverAveragingModel driver, RingAveragingModel ring, double stateMb,
                       double workerGap) {
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
        DriverAveragingModel launchAndBroadcast = DriverAveragingModel.fit(costs);
        // the ring is fitted where every worker has a core of its own: a ring step needs all of them at once
        List<RingAveragingModel.RoundCost> ringCosts = new ArrayList<>();
        for (JsonNode r : m.get("allreduce_rounds")) {
            if (r.get("workers").asInt() <= m.get("machine_cores").asInt()) {
                ringCosts.add(new RingAveragingModel.RoundCost(r.get("workers").asInt(), r.get("state_mb").asDouble(),
                        r.get("round_seconds").asDouble(), r.get("setup_seconds").asDouble()
                        - r.get("round_seconds").asDouble()));
            }
        }
        RingAveragingModel ring = RingAveragingModel.fit(ringCosts, launchAndBroadcast);
        double workerGap = workerGap(m, ring, stateMb);
        DriverAveragingModel driver = launchAndBroadcast.calibratedTo(
                m.get("training").get(0).get("averaging_seconds").asDouble() - workerGap, trainingStateMb(stateMb));
        return new ScalingMeasured(m, driver, ring, stateMb, workerGap);
    }

    /**
     * A worker's work in a training round beyond fitting and averaging, whatever the engine (taking
     * its slice, decoding the JPEGs, the task's own overhead): the 1-worker ring round's time beyond
     * fitting, less what the ring's averaging costs alone.
     */
    private static double workerGap(JsonNode m, RingAveragingModel ring, double stateMb) {
        return Math.max(0, m.get("allreduce_training").get(0).get("averaging_seconds").asDouble()
                - ring.averagingSeconds(1, trainingStateMb(stateMb)));
    }

    /** The training runs' state: DenseNet-121's with 100 classes instead of 1,000. */
    static double trainingStateMb(double stateMb1000) {
        return stateMb1000 - 4.0 * FLOATS_PER_CLASS * 900 / (1 << 20);
    }

    String rounds() {
        var md = new StringBuilder("## Measured: an averaging round of DenseNet-121's state\n\n");
        md.append(String.format(Locale.ROOT, "State: %.1f MB (parameters incl. batch-norm statistics, and Nesterov "
                + "momentum). Medians of %d rounds after warm-up; for each worker count the two engines one after "
                + "the other, in one run.%n%n"
                + "Through the driver (`bench rounds --engine sparkcnn`):%n%n", stateMb,
                json.get("rounds").get(0).get("repeats").asInt()));
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
                        + "(calibrated to the 1-worker training run, less the worker's own work below). In the ring, from "
                        + "the rounds where each worker has a core of its own: %.2f ms/MB of state on each worker (its "
                        + "copies in and out, the division and the finiteness check), %.2f ms/MB moved through the ring "
                        + "on this machine (loopback TCP and the adds), an epoch's start: the stage's launch and broadcast "
                        + "as above, and %.2f s to join the ring. With 3 "
                        + "workers on 2 cores a ring step waits for a worker that has no core (the 3-worker row); the "
                        + "driver's tree of partial sums waits less for it.%n%n",
                driver.launch0(), driver.launchPerWorker(), 1000 * driver.broadcastPerMb(),
                1000 * driver.broadcastPerMbLog2(), 1000 * driver.reducePerMb(), 1000 * driver.workerStatePerMb(),
                1000 * ring.workerPerMb(), 1000 * ring.movedPerMb(), ring.joinSeconds());
    }

    /** Each model against the measured training runs of its engine. */
    String check() {
        var md = new StringBuilder("## Check: the models against measured DenseNet-121 training on the same cluster\n\n");
        JsonNode training = json.get("training");
        md.append(String.format(Locale.ROOT, "DenseNet-121 for 100 classes (state %.1f MB), %d images per worker per "
                        + "round, frequency 1, one-core workers, ImageNet-shaped JPEGs decoded on the fly; medians of the "
                        + "rounds after the first. Measured averaging is a round's time beyond the workers' fitting, so "
                        + "it holds a worker's own work outside `fit_seconds` too (its slice, the JPEGs' decoding): "
                        + "%.2f s a round, the 1-worker ring round's beyond the ring's bench, added to both models' "
                        + "predictions here and left out of the projection (it is the same under either engine). Rows "
                        + "1 are calibration; the rest are checks. On %d cores, fitting slows as workers are added "
                        + "(memory bandwidth, decode threads).%n%n", trainingStateMb(stateMb),
                training.get(0).get("batch_per_worker").asInt(), workerGap, json.get("machine_cores").asInt()));
        md.append("| engine | workers | measured round s | measured fit s | measured averaging s | predicted averaging s "
                + "| error |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        row(md, "sparkcnn", training, driver);
        row(md, "allreduce", json.get("allreduce_training"), ring);
        return md.append('\n').toString();
    }

    private void row(StringBuilder md, String engine, JsonNode training, AveragingModel model) {
        for (JsonNode t : training) {
            int w = t.get("workers").asInt();
            double predicted = model.averagingSeconds(w, trainingStateMb(stateMb)) + workerGap;
            double measured = t.get("averaging_seconds").asDouble();
            md.append(String.format(Locale.ROOT, "| %s | %d | %.2f | %.2f | %.2f | %.2f | %+.0f%% |%n", engine, w,
                    t.get("round_seconds").asDouble(), t.get("fit_seconds").asDouble(), measured, predicted,
                    100 * (predicted - measured) / measured));
        }
    }
}
