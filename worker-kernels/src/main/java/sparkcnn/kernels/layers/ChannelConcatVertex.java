package sparkcnn.kernels.layers;

import java.nio.FloatBuffer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.impl.MergeVertex;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The running vertex of {@link ChannelConcat}. */
public class ChannelConcatVertex extends MergeVertex {
    /** Rows per block: the block and its pieces stay in L1/L2. */
    private static final int BLOCK_ROWS = 32;
    private final int mergeAxis;

    public ChannelConcatVertex(ComputationGraph graph, String name, int vertexIndex, DataType dataType, int mergeAxis) {
        super(graph, name, vertexIndex, dataType, mergeAxis);
        this.mergeAxis = mergeAxis;
    }

    @Override
    public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
        INDArray[] in = getInputs();
        boolean channelsLast = epsilon != null && epsilon.rank() == 4 && mergeAxis == 3 && in != null && in.length > 1
                && Plain.is(epsilon);
        if (!channelsLast) {
            return super.doBackward(tbptt, workspaceMgr);
        }
        int channels = (int) epsilon.size(3);
        int rows = (int) (epsilon.length() / channels);
        int[] widths = new int[in.length];
        INDArray[] out = new INDArray[in.length];
        FloatBuffer[] pieces = new FloatBuffer[in.length];
        for (int i = 0; i < in.length; i++) {
            widths[i] = (int) in[i].size(3);
            out[i] = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, in[i].shape(), 'c');
            pieces[i] = Plain.floats(out[i]);
        }
        FloatBuffer whole = Plain.floats(epsilon);
        KernelClock.time("concat backward (NHWC split)", () -> split(whole, rows, channels, widths, pieces));
        return new Pair<>(null, out);
    }

    /** Each row's channels [offset_i, offset_i + widths[i]) into row r of piece i. */
    static void split(FloatBuffer whole, int rows, int channels, int[] widths, FloatBuffer[] pieces) {
        int parts = Math.max(1, Math.min(Threads.perWorker(), rows / BLOCK_ROWS));
        Threads.inParallel(parts, part -> {
            float[] block = new float[BLOCK_ROWS * channels];
            float[][] staged = new float[widths.length][];
            for (int i = 0; i < widths.length; i++) {
                staged[i] = new float[BLOCK_ROWS * widths[i]];
            }
            int to = (int) ((long) rows * (part + 1) / parts);
            for (int first = (int) ((long) rows * part / parts); first < to; first += BLOCK_ROWS) {
                int count = Math.min(BLOCK_ROWS, to - first);
                whole.get(first * channels, block, 0, count * channels);
                for (int r = 0; r < count; r++) {
                    int offset = r * channels;
                    for (int i = 0; i < widths.length; i++) {
                        System.arraycopy(block, offset, staged[i], r * widths[i], widths[i]);
                        offset += widths[i];
                    }
                }
                for (int i = 0; i < widths.length; i++) {
                    pieces[i].put(first * widths[i], staged[i], 0, count * widths[i]);
                }
            }
        });
    }
}
