package sparkcnn.examples;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.split;

import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import sparkcnn.ml.ImageClassifier;

/**
 * A Spark application to copy: read a folder of class folders with Spark's image source, fit an
 * ImageClassifier after a StringIndexer, score the images and write the predictions as Parquet.
 *
 * <pre>
 * spark-submit --class sparkcnn.examples.ClassifyImages jobs/target/sparkcnn-*-spark.jar \
 *     IMAGES_DIR OUT_DIR [WxHxD] [EPOCHS]
 * </pre>
 * OUT_DIR gets {@code predictions/} (Parquet) and {@code model/} (the fitted pipeline).
 */
public final class ClassifyImages {
    private ClassifyImages() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: ClassifyImages IMAGES_DIR OUT_DIR [WxHxD] [EPOCHS]");
            System.exit(2);
        }
        String images = args[0];
        String out = args[1];
        SparkSession spark = SparkSession.builder().appName("sparkcnn ClassifyImages").getOrCreate();
        try {
            // one row per image: Spark's image struct, and the class named by the image's folder
            Dataset<Row> rows = spark.read().format("image").option("recursiveFileLookup", "true").load(images)
                    .withColumn("class_name", element_at(split(col("image.origin"), "/"), -2));

            var classifier = new ImageClassifier()
                    .setInput(args.length > 2 ? args[2] : "28x28x1")
                    .setEpochs(args.length > 3 ? Integer.parseInt(args[3]) : 3)
                    .setWorkers(spark.sparkContext().defaultParallelism())
                    .setBatchSizePerWorker(32)
                    .setRunDir(out + "/run");
            var pipeline = new Pipeline().setStages(new PipelineStage[] {
                    new StringIndexer().setInputCol("class_name").setOutputCol("label"), classifier});
            PipelineModel model = pipeline.fit(rows);
            model.write().overwrite().save(out + "/model");

            Dataset<Row> predictions = model.transform(rows)
                    .select(col("image.origin").as("path"), col("class_name"), col("label"), col("prediction"),
                            col("top_classes"));
            predictions.write().mode("overwrite").parquet(out + "/predictions");
            long right = predictions.where(col("label").equalTo(col("prediction"))).count();
            System.out.printf("ClassifyImages: %d of %d images predicted right; predictions in %s/predictions%n",
                    right, predictions.count(), out);
        } finally {
            spark.stop();
        }
    }
}
