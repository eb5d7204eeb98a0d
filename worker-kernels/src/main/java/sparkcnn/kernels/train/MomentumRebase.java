package sparkcnn.kernels.train;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import sparkcnn.kernels.optim.Sgd;

/**
 * Moves a worker's round onto a state it did not start from: what the round would have left had it
 * started from {@code base} rather than {@code start}, its gradients unchanged (first order in how
 * far apart the two are). Overlapped averaging needs this: a round fits from the worker's own state
 * while the previous round's average is still in the ring, and is moved onto that average when it
 * arrives.
 *
 * <p>The parameters move by {@code base - start}. A momentum buffer ({@link Sgd}, PyTorch's form:
 * {@code buf = mu buf + g}, step {@code lr * buf}, or {@code lr * (g + mu buf)} with Nesterov) that
 * starts larger by {@code d} is larger by {@code mu^t d} after {@code t} steps, and its steps move
 * the parameters by {@code lr mu^t d} more ({@code lr mu^(t+1) d} with Nesterov); so after a round of
 * {@code n} steps the buffer gains {@code mu^n d} and the parameters {@code -lr d (sum of those)}.
 * Other updaters' state (Adam's moments are not linear in the gradients) stays the worker's own.
 */
public final class MomentumRebase {
    /** A run of parameters under one momentum updater, and where its buffer lies in the updater state. */
    record Block(int paramOffset, int stateOffset, int length, double momentum, boolean nesterov) {
    }

    private final List<Block> blocks;

    MomentumRebase(List<Block> blocks) {
        this.blocks = List.copyOf(blocks);
    }

    List<Block> blocks() {
        return blocks;
    }

    /** The momentum buffers of the network {@code state} configures. */
    public static MomentumRebase of(ModelState state) {
        ComputationGraph graph = WorkerNets.borrow(state);
        try {
            return of(graph);
        } finally {
            WorkerNets.release(state, graph);
        }
    }

    /** The momentum buffers of {@code graph}'s updater, matched to its parameters. */
    public static MomentumRebase of(ComputationGraph graph) {
        List<Block> blocks = new ArrayList<>();
        for (UpdaterBlock block : graph.getUpdater(true).getUpdaterBlocks()) {
            if (block.getGradientUpdater().getConfig() instanceof Sgd sgd && sgd.momentum() != 0) {
                blocks.add(new Block(block.getParamOffsetStart(), block.getUpdaterViewOffsetStart(),
                        block.getParamOffsetEnd() - block.getParamOffsetStart(), sgd.momentum(), sgd.nesterov()));
            }
        }
        return new MomentumRebase(blocks);
    }

    /**
     * Moves {@code fitted} (the parameters and updater state a round of {@code steps} steps at
     * {@code rate} left from {@code start}) onto {@code base}, in place. An empty {@code updater}
     * (updater state not averaged) moves the parameters only.
     */
    public void apply(float[] params, float[] updater, ModelState start, ModelState base, int steps, double rate) {
        float[] to = base.params();
        float[] from = start.params();
        for (int i = 0; i < params.length; i++) {
            params[i] += to[i] - from[i];
        }
        if (updater.length == 0 || steps == 0) {
            return;
        }
        for (Block block : blocks) {
            double mu = block.momentum();
            double bufferGain = Math.pow(mu, steps);
            double paramGain = -rate * (block.nesterov() ? mu : 1) * mu * (1 - bufferGain) / (1 - mu);
            for (int i = 0; i < block.length(); i++) {
                int s = block.stateOffset() + i;
                double d = base.updaterState()[s] - start.updaterState()[s];
                updater[s] += (float) (bufferGain * d);
                params[block.paramOffset() + i] += (float) (paramGain * d);
            }
        }
    }
}
