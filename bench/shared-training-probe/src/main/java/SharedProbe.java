import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.parameterserver.training.SharedTrainingMaster;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.parameterserver.distributed.conf.VoidConfiguration;

/** Does DL4J's SharedTrainingMaster (gradient sharing over Aeron) train at all on this cluster? */
public class SharedProbe {
    public static void main(String[] args) {
        var sc = new JavaSparkContext(new SparkConf().setAppName("shared-training-probe"));
        var conf = new NeuralNetConfiguration.Builder().seed(1).updater(new Adam(0.01)).list()
                .layer(new DenseLayer.Builder().nIn(10).nOut(16).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(16).nOut(2)
                        .activation(Activation.SOFTMAX).build()).build();
        List<DataSet> batches = new ArrayList<>();
        Nd4j.getRandom().setSeed(2);
        for (int b = 0; b < 40; b++) {
            var x = Nd4j.rand(32, 10);
            var y = Nd4j.zeros(32, 2);
            for (int i = 0; i < 32; i++) {
                y.putScalar(i, x.getDouble(i, 0) > 0.5 ? 1 : 0, 1);
            }
            batches.add(new DataSet(x, y));
        }
        JavaRDD<DataSet> rdd = sc.parallelize(batches, 2);
        var voidConf = VoidConfiguration.builder().unicastPort(40123).networkMask("127.0.0.0/8")
                .controllerAddress("127.0.0.1").build();
        var master = new SharedTrainingMaster.Builder(voidConf, 32).batchSizePerWorker(32).workersPerNode(1)
                .rddTrainingApproach(org.deeplearning4j.spark.api.RDDTrainingApproach.Direct).build();
        var net = new SparkDl4jMultiLayer(sc, conf, master);
        var before = net.getNetwork().evaluate(new org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator<>(batches));
        System.out.printf("SHARED accuracy before training %.4f%n", before.accuracy());
        for (int epoch = 1; epoch <= 3; epoch++) {
            long t0 = System.nanoTime();
            net.fit(rdd);
            System.out.printf("SHARED epoch %d: score %.4f, %.1f s%n", epoch, net.getScore(), (System.nanoTime() - t0) / 1e9);
        }
        var eval = net.getNetwork().evaluate(new org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator<>(batches));
        System.out.printf("SHARED accuracy after training %.4f%n", eval.accuracy());
        System.out.println("SHARED OK");
        sc.stop();
        System.exit(0);
    }
}
