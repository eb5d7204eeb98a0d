package sparkcnn.kernels.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.FloatBuffer;
import java.util.Random;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** The own BN-ReLU layer against DL4J's BatchNormalization + ReLU ActivationLayer on the same weights. */
class BatchNormReluTest {
    private static final String LOG_STD = "log10stdev";

    /** Not a multiple of 8 or 16, as most of a DenseNet's: the Java kernel; 16: oneDNN's (AVX-512 takes sixteens). */
    private static final int CHANNELS = 5;

    /** conv -> (BN -> ReLU | BN-ReLU) -> global average pool -> softmax. */
    static ComputationGraph net(boolean own, boolean relu) {
        return net(own, relu, false);
    }

    /** {@code channelsLast}: the images turned NHWC at the input, so that every layer computes NHWC. */
    static ComputationGraph net(boolean own, boolean relu, boolean channelsLast) {
        return net(own, relu, channelsLast, CHANNELS);
    }

    static ComputationGraph net(boolean own, boolean relu, boolean channelsLast, int channels) {
        var g = new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.FLOAT).updater(new Nesterovs(0.1, 0.9))
                .trainingWorkspaceMode(WorkspaceMode.ENABLED).inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                .graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(6, 7, 2))
                .addLayer("conv", new ConvolutionLayer.Builder(3, 3).nOut(channels).activation(Activation.IDENTITY).build(), "in");
        String last;
        if (own) {
            g.addLayer("bn", new BatchNormRelu(relu), "conv");
            last = "bn";
        } else {
            g.addLayer("bn", new BatchNormalization.Builder().build(), "conv");
            last = "bn";
            if (relu) {
                g.addLayer("relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), "bn");
                last = "relu";
            }
        }
        if (channelsLast) {
            g.inputPreProcessor("conv", new ChannelsLast());
        }
        ComputationGraphConfiguration conf = g.addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), last)
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out").build();
        var graph = new ComputationGraph(conf);
        graph.init();
        return graph;
    }

    static DataSet batch(long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.randn(DataType.FLOAT, 4, 2, 6, 7);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 4, 3);
        for (int i = 0; i < 4; i++) {
            y.putScalar(i, i % 3, 1);
        }
        return new DataSet(x, y);
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"true,false,5", "false,false,5", "true,true,5", "false,true,5",
        "true,true,16", "false,true,16"})
    void sameOutputsGradientsAndTrainingAsDl4jsLayers(boolean relu, boolean channelsLast, int channels) {
        ComputationGraph theirs = net(false, relu, false, channels);
        ComputationGraph ours = net(true, relu, channelsLast, channels);
        assertEquals(theirs.numParams(), ours.numParams());
        ours.setParams(theirs.params().dup());
        DataSet data = batch(1);

        assertClose(theirs.outputSingle(true, data.getFeatures()), ours.outputSingle(true, data.getFeatures()), 1e-5);
        theirs.setInput(0, data.getFeatures());
        theirs.setLabels(data.getLabels());
        theirs.computeGradientAndScore();
        ours.setInput(0, data.getFeatures());
        ours.setLabels(data.getLabels());
        ours.computeGradientAndScore();
        assertEquals(theirs.score(), ours.score(), 1e-5);
        for (var e : theirs.gradient().gradientForVariable().entrySet()) {
            if (!e.getKey().endsWith(LOG_STD)) { // the running variance's step differs: see below
                assertClose(e.getValue(), ours.gradient().gradientForVariable().get(e.getKey()), 1e-4);
            }
        }

        // five Nesterov steps: weights and the running mean move alike; the running variance averages
        // the unbiased batch variance (PyTorch's), DL4J's the biased one: from the initial 1, what the
        // steps added is n / (n - 1) times DL4J's (n = 4 images x 4 x 5 positions per channel)
        for (int step = 0; step < 5; step++) {
            DataSet next = batch(10 + step);
            theirs.fit(next);
            ours.fit(next);
        }
        double n = 4 * 4 * 5;
        double kept = Math.pow(0.9, 5);
        for (var e : theirs.paramTable().entrySet()) {
            INDArray expected = e.getValue();
            if (e.getKey().endsWith(LOG_STD)) {
                INDArray variance = Transforms.pow(Nd4j.valueArrayOf(expected.shape(), 10.0, DataType.FLOAT),
                        expected.mul(2));
                expected = Transforms.log(variance.sub(kept).mul(n / (n - 1)).add(kept), 10).mul(0.5);
            }
            assertClose(expected, ours.getParam(e.getKey()), 1e-4);
        }
        // and inference, on the same running statistics, agrees
        ours.getParam("bn_" + LOG_STD).assign(theirs.getParam("bn_" + LOG_STD));
        assertClose(theirs.outputSingle(false, data.getFeatures()), ours.outputSingle(false, data.getFeatures()), 1e-4);
    }

    @Test
    void savesAndLoadsAsItself() throws Exception {
        ComputationGraph ours = net(true, true);
        ours.fit(batch(2));
        var bytes = new ByteArrayOutputStream();
        ModelSerializer.writeModel(ours, bytes, true);
        ComputationGraph loaded = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(bytes.toByteArray()), true);
        Layer layer = loaded.getLayer("bn").conf().getLayer();
        assertTrue(layer instanceof BatchNormRelu b && b.isRelu(), layer.getClass().getName());
        assertEquals(ours.getConfiguration(), loaded.getConfiguration());
        INDArray x = batch(3).getFeatures();
        assertArrayEquals(flat(ours.outputSingle(false, x)), flat(loaded.outputSingle(false, x)));
        assertArrayEquals(flat(ours.params()), flat(loaded.params()));
    }

    /** The kernel's backward against central differences of its own forward, on L = sum(w . y). */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"false,2", "true,2", "true,16"})
    void backwardMatchesFiniteDifferences(boolean channelsLast, int channels) {
        var s = new BatchNormReluKernel.Shape(3, channels, channels > 2 ? 2 : 5);
        Kernel kernel = channelsLast ? Kernel.CHANNELS_LAST : Kernel.CHANNELS_FIRST;
        int size = s.n() * s.c() * s.plane();
        var random = new Random(4);
        float[] x = new float[size];
        float[] w = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = (float) random.nextGaussian();
            w[i] = (float) random.nextGaussian();
        }
        float[] gamma = new float[channels];
        float[] beta = new float[channels];
        for (int c = 0; c < channels; c++) {
            gamma[c] = c % 2 == 0 ? 1.3f : 0.7f;
            beta[c] = c % 2 == 0 ? 0.2f : -0.1f;
        }
        float[] mean = new float[channels];
        float[] var = new float[channels];
        kernel.forward(FloatBuffer.wrap(x), FloatBuffer.allocate(size), s, gamma, beta, mean, var);
        float[] dx = new float[size];
        float[] dgamma = new float[channels];
        float[] dbeta = new float[channels];
        kernel.backward(FloatBuffer.wrap(x), FloatBuffer.wrap(w), FloatBuffer.wrap(dx), s, gamma, beta, mean, var, dgamma,
                dbeta);
        java.util.function.DoubleSupplier l = () -> loss(kernel, x, w, s, gamma, beta);
        for (int i = 0; i < size; i++) {
            assertEquals(centralDifference(x, i, l), dx[i], 2e-2, "dx[" + i + "]");
        }
        for (int c = 0; c < channels; c++) {
            assertEquals(centralDifference(gamma, c, l), dgamma[c], 2e-2, "dgamma[" + c + "]");
        }
    }

    /**
     * A dense block's backward in halves (each reader adds its a dy' where the maps lie in a wider
     * buffer, the block takes the terms off once) equals the sum of the readers' whole backwards;
     * also where the last reader copies its last maps and their gradient dense for the finishing pass.
     */
    @Test
    void aDenseBlocksBackwardInHalvesIsTheSumOfEachReadersBackward() {
        int rows = 300, c = 5, width = 9, first = 2; // maps [2, 7) of rows of 9, as a block buffer holds them
        Random random = new Random(7);
        float[] buffer = gaussian(random, rows * width, 1.5f, 0.3f);
        float[] x = new float[rows * c];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(buffer, r * width + first, x, r * c, c);
        }
        float[] mean = new float[c], var = new float[c];
        ChannelsLastBatchNormReluKernel.statistics(new ChannelRows(FloatBuffer.wrap(buffer, first, buffer.length - first)
                .slice(), width), null, rows, c, mean, 0, var);
        float[] incoming = gaussian(random, rows * width, 0, 1);
        float[] expected = new float[rows * c];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(incoming, r * width + first, expected, r * c, c);
        }
        float[] gradients = incoming.clone();
        var statistics = new BlockStatistics(rows, first + c, 1e-5);
        float[] written = new float[rows * (first + c)];
        statistics.write(FloatBuffer.wrap(x), FloatBuffer.wrap(written), first + c, first, c);
        // measured from the dense maps as they are written: the same statistics, bit for bit, as from where they lie
        assertArrayEquals(mean, java.util.Arrays.copyOfRange(statistics.mean(first + c), first, first + c));
        assertArrayEquals(var, java.util.Arrays.copyOfRange(statistics.variance(first + c), first, first + c));
        assertEquals(x[(rows - 1) * c + 4], written[(rows - 1) * (first + c) + first + 4]);
        int copied = 2; // the last reader's last maps, which it copies dense
        float[] copiedMaps = new float[rows * copied], copiedGradients = new float[rows * copied];
        for (int reader = 0; reader < 2; reader++) {
            float[] gamma = gaussian(random, c, 1, 0.5f), beta = gaussian(random, c, 0, 0.5f);
            float[] dy = gaussian(random, rows * c, 0, 1);
            float[] dx = new float[rows * c];
            float[] dgamma = new float[c], dbeta = new float[c], splitDgamma = new float[c], splitDbeta = new float[c];
            // the reference kernel's NCHW with planes of one value is these NHWC rows
            BatchNormReluKernel.backward(FloatBuffer.wrap(x), FloatBuffer.wrap(dy.clone()), FloatBuffer.wrap(dx),
                    new BatchNormReluKernel.Shape(rows, c, 1), gamma, beta, mean, var, 1e-5, true, dgamma, dbeta);
            for (int i = 0; i < dx.length; i++) {
                expected[i] += dx[i];
            }
            var prefix = new ChannelRows(FloatBuffer.wrap(buffer, first, buffer.length - first).slice(), width);
            var into = new ChannelRows(FloatBuffer.wrap(gradients, first, gradients.length - first).slice(), width);
            var lastRead = reader == 1 ? PendingMaps.dense(FloatBuffer.wrap(copiedMaps), FloatBuffer.wrap(copiedGradients),
                    copied) : null;
            ChannelsLastBatchNormReluKernel.backwardAdding(prefix, FloatBuffer.wrap(dy), into, lastRead, rows, c, gamma,
                    beta, mean, var, 1e-5, splitDgamma, splitDbeta);
            statistics.defer(padded(ChannelsLastBatchNormReluKernel.Scale.of(gamma, beta, mean, var, 1e-5).a(), first),
                    padded(splitDbeta, first), padded(splitDgamma, first));
            assertArrayEquals(dgamma, splitDgamma, 1e-4f);
            assertArrayEquals(dbeta, splitDbeta, 1e-4f);
        }
        int inPlace = c - copied;
        float[] finishedInPlace = new float[rows * inPlace], finishedCopied = new float[rows * copied];
        statistics.finish(PendingMaps.inBlock(FloatBuffer.wrap(buffer), FloatBuffer.wrap(gradients), width, first,
                inPlace), ChannelRows.dense(FloatBuffer.wrap(finishedInPlace), inPlace), first);
        statistics.finish(PendingMaps.dense(FloatBuffer.wrap(copiedMaps), FloatBuffer.wrap(copiedGradients), copied),
                ChannelRows.dense(FloatBuffer.wrap(finishedCopied), copied), first + inPlace);
        float[] finished = new float[rows * c];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(finishedInPlace, r * inPlace, finished, r * c, inPlace);
            System.arraycopy(finishedCopied, r * copied, finished, r * c + inPlace, copied);
        }
        assertArrayEquals(expected, finished, 1e-4f);
        for (int r = 0; r < rows; r++) { // the block's other maps' gradients untouched
            for (int ch = 0; ch < width; ch++) {
                if (ch < first || ch >= first + c) {
                    assertEquals(incoming[r * width + ch], gradients[r * width + ch]);
                }
            }
        }
    }

    /** {@code values} after {@code before} zeros: a reader's per-channel vector for maps from {@code before} on. */
    private static float[] padded(float[] values, int before) {
        float[] p = new float[before + values.length];
        System.arraycopy(values, 0, p, before, values.length);
        return p;
    }

    private static float[] gaussian(Random random, int n, float mean, float spread) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = mean + spread * (float) random.nextGaussian();
        }
        return v;
    }

    /** d loss / d values[i] by central differences of step 0.001 (smaller steps cross fewer ReLU kinks). */
    private static double centralDifference(float[] values, int i, java.util.function.DoubleSupplier loss) {
        double h = 1e-3;
        float keep = values[i];
        values[i] = (float) (keep + h);
        double plus = loss.getAsDouble();
        values[i] = (float) (keep - h);
        double minus = loss.getAsDouble();
        values[i] = keep;
        return (plus - minus) / (2 * h);
    }

    /** The NCHW reference kernel and the dense NHWC one (a plane is one row of pixels) with a ReLU and eps 1e-5. */
    private enum Kernel {
        CHANNELS_FIRST, CHANNELS_LAST;

        private final DenseBatchNorm dense = new DenseBatchNorm("test", 1e-5, true);

        void forward(FloatBuffer x, FloatBuffer y, BatchNormReluKernel.Shape s, float[] gamma, float[] beta, float[] mean,
                     float[] var) {
            if (this == CHANNELS_LAST) {
                INDArray out = Nd4j.create(DataType.FLOAT, s.n(), 1, s.plane(), s.c());
                dense.forwardTraining(nhwc(x, s), out, gamma, beta, mean, var);
                y.put(0, Plain.read(out));
            } else {
                BatchNormReluKernel.forwardTraining(x, y, s, gamma, beta, 1e-5, true, mean, var);
            }
        }

        void backward(FloatBuffer x, FloatBuffer dy, FloatBuffer dx, BatchNormReluKernel.Shape s, float[] gamma,
                      float[] beta, float[] mean, float[] var, float[] dgamma, float[] dbeta) {
            if (this == CHANNELS_LAST) {
                INDArray out = Nd4j.create(DataType.FLOAT, s.n(), 1, s.plane(), s.c());
                dense.backward(nhwc(x, s), nhwc(dy, s), out, gamma, beta, mean, var, dgamma, dbeta);
                dx.put(0, Plain.read(out));
            } else {
                BatchNormReluKernel.backward(x, dy, dx, s, gamma, beta, mean, var, 1e-5, true, dgamma, dbeta);
            }
        }
    }

    /** The values of x as an NHWC array of s.n() images of one row of s.plane() pixels. */
    private static INDArray nhwc(FloatBuffer x, BatchNormReluKernel.Shape s) {
        float[] values = new float[s.n() * s.plane() * s.c()];
        x.get(0, values);
        return Nd4j.createFromArray(values).reshape('c', s.n(), 1, s.plane(), s.c());
    }

    private static double loss(Kernel kernel, float[] x, float[] w, BatchNormReluKernel.Shape s, float[] gamma,
                               float[] beta) {
        float[] y = new float[x.length];
        kernel.forward(FloatBuffer.wrap(x.clone()), FloatBuffer.wrap(y), s, gamma, beta, new float[s.c()], new float[s.c()]);
        double l = 0;
        for (int i = 0; i < y.length; i++) {
            l += (double) w[i] * y[i];
        }
        return l;
    }

    static void assertClose(INDArray expected, INDArray actual, double tolerance) {
        float[] e = flat(expected);
        float[] a = flat(actual);
        assertEquals(e.length, a.length);
        double worst = 0;
        for (int i = 0; i < e.length; i++) {
            worst = Math.max(worst, Math.abs(e[i] - a[i]) / Math.max(1, Math.abs(e[i])));
        }
        assertTrue(worst < tolerance, "largest relative difference " + worst);
    }

    static float[] flat(INDArray a) {
        return a.dup('c').reshape(a.length()).toFloatVector();
    }
}
