package sparkcnn.ml;

import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.Params;

/**
 * The params {@link ImageClassifier} and {@link ImageClassificationModel} share (columns and
 * scoring), each with its name, doc and default in one place, as Spark's sharedParams.scala keeps them.
 */
final class SharedParams {
    /** A params owner's {@code setDefault}, which Spark ML lets only the owner call. */
    interface Defaults {
        <T> void set(Param<T> param, T value);
    }

    final Param<String> imageCol;
    final Param<String> pathCol;
    final Param<String> predictionCol;
    final Param<String> probabilityCol;
    final Param<String> topClassesCol;
    final IntParam topK;
    final IntParam batchSize;

    /** The params of {@code parent} (made after its uid: a Param records its parent's uid), defaults set. */
    SharedParams(Params parent, Defaults defaults) {
        imageCol = new Param<>(parent, "imageCol", "column of Spark's image source structs (used when present)");
        pathCol = new Param<>(parent, "pathCol", "column of image file paths (used when imageCol is absent)");
        predictionCol = new Param<>(parent, "predictionCol", "output: the predicted class index, as a double");
        probabilityCol = new Param<>(parent, "probabilityCol", "output: the class probabilities, a vector");
        topClassesCol = new Param<>(parent, "topClassesCol",
                "output: the topK most probable class names, most probable first");
        topK = new IntParam(parent, "topK", "classes listed in topClassesCol", ParamValidators.gtEq(1));
        batchSize = new IntParam(parent, "batchSize", "images scored at once (train.eval-batch-size; default: "
                + "reference.conf's)", ParamValidators.gtEq(1));
        defaults.set(imageCol, "image");
        defaults.set(pathCol, "path");
        defaults.set(predictionCol, "prediction");
        defaults.set(probabilityCol, "probability");
        defaults.set(topClassesCol, "top_classes");
        defaults.set(topK, 5);
        defaults.set(batchSize, sparkcnn.jobs.config.JobConfig.reference().getInt("train.eval-batch-size"));
    }
}
