package sparkcnn.kernels.train;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * Everything a worker needs to continue training where the last round left off: the network's
 * configuration, its flat parameters and updater state (momentum, Adam moments), the counters that
 * Adam's bias correction reads, and the learning rate of this round.
 */
public record ModelState(String configJson, float[] params, float[] updaterState, int iteration, int epoch,
                         double learningRate) implements Serializable {

    /** The state of a live network. */
    public static ModelState of(ComputationGraph graph) {
        var conf = graph.getConfiguration();
        return new ModelState(conf.toJson(), graph.params().toFloatVector(),
                WorkerNets.updaterState(graph), conf.getIterationCount(), conf.getEpochCount(), configuredRate(graph));
    }

    /** The learning rate the network was configured with (that of its first trainable layer). */
    static double configuredRate(ComputationGraph graph) {
        for (var layer : graph.getLayers()) {
            if (layer.conf().getLayer() instanceof BaseLayer base && base.getIUpdater().hasLearningRate()) {
                return base.getIUpdater().getLearningRate(0, 0);
            }
        }
        return 0;
    }

    public ModelState withWeights(float[] newParams, float[] newUpdaterState, int newIteration) {
        return new ModelState(configJson, newParams, newUpdaterState, newIteration, epoch, learningRate);
    }

    public ModelState withEpoch(int newEpoch) {
        return new ModelState(configJson, params, updaterState, iteration, newEpoch, learningRate);
    }

    public ModelState withLearningRate(double rate) {
        return new ModelState(configJson, params, updaterState, iteration, epoch, rate);
    }

    /** Writes this state field by field (no Java serialisation): what a ring worker sends the driver to checkpoint. */
    public void writeTo(DataOutput out) throws IOException {
        byte[] config = configJson.getBytes(StandardCharsets.UTF_8);
        out.writeInt(config.length);
        out.write(config);
        writeFloats(out, params);
        writeFloats(out, updaterState);
        out.writeInt(iteration);
        out.writeInt(epoch);
        out.writeDouble(learningRate);
    }

    /** The state {@link #writeTo} wrote. */
    public static ModelState readFrom(DataInput in) throws IOException {
        byte[] config = new byte[length(in.readInt())];
        in.readFully(config);
        return new ModelState(new String(config, StandardCharsets.UTF_8), readFloats(in), readFloats(in), in.readInt(),
                in.readInt(), in.readDouble());
    }

    private static void writeFloats(DataOutput out, float[] values) throws IOException {
        var bytes = ByteBuffer.allocate(4 * values.length);
        bytes.asFloatBuffer().put(values);
        out.writeInt(values.length);
        out.write(bytes.array());
    }

    private static float[] readFloats(DataInput in) throws IOException {
        int count = length(in.readInt());
        if (count > Integer.MAX_VALUE / 4) {
            throw new IOException("a state of " + count + " values");
        }
        byte[] bytes = new byte[4 * count];
        in.readFully(bytes);
        float[] values = new float[count];
        ByteBuffer.wrap(bytes).asFloatBuffer().get(values);
        return values;
    }

    private static int length(int length) throws IOException {
        if (length < 0) {
            throw new IOException("a negative length: " + length);
        }
        return length;
    }
}
