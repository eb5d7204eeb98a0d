package sparkcnn.ml;

import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.Params;

/** The params {@link ImageClassifier} and {@link ImageClassificationModel} share: columns and scoring. */
final class SharedParams {
    private SharedParams() {
    }

    static Param<String> imageCol(Params parent) {
        return new Param<>(parent, "imageCol", "column of Spark's image source structs (used when present)");
    }

    static Param<String> pathCol(Params parent) {
        return new Param<>(parent, "pathCol", "column of image file paths (used when imageCol is absent)");
    }

    static Param<String> predictionCol(Params parent) {
        return new Param<>(parent, "predictionCol", "output: the predicted class index, as a double");
    }

    static Param<String> probabilityCol(Params parent) {
        return new Param<>(parent, "probabilityCol", "output: the class probabilities, a vector");
    }

    static Param<String> topClassesCol(Params parent) {
        return new Param<>(parent, "topClassesCol", "output: the topK most probable class names, most probable first");
    }

    static IntParam topK(Params parent) {
        return new IntParam(parent, "topK", "classes listed in topClassesCol", ParamValidators.gtEq(1));
    }

    static IntParam batchSize(Params parent) {
        return new IntParam(parent, "batchSize", "images scored at once (config key train.eval-batch-size)",
                ParamValidators.gtEq(1));
    }
}
