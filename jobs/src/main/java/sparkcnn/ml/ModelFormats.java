package sparkcnn.ml;

import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.util.MLFormatRegister;
import org.apache.spark.sql.SparkSession;

/**
 * The formats {@link ImageClassificationModel#write()} saves in, found by Spark ML's GeneralMLWriter
 * through MLFormatRegister services (META-INF/services), as Spark ML finds PMML's.
 */
public final class ModelFormats {
    private ModelFormats() {
    }

    /** A format of {@link ImageClassificationModel}. */
    private abstract static class Format implements MLFormatRegister {
        @Override
        public String stageName() {
            return ImageClassificationModel.class.getName();
        }

        @Override
        public void write(String path, SparkSession session, scala.collection.mutable.Map<String, String> options,
                          PipelineStage stage) {
            save((ImageClassificationModel) stage, path, session);
        }

        abstract void save(ImageClassificationModel model, String path, SparkSession session);
    }

    /** Spark ML's own format, the default: the model loads again with {@link ImageClassificationModel#load}. */
    public static final class Internal extends Format {
        @Override
        public String format() {
            return "internal";
        }

        @Override
        void save(ImageClassificationModel model, String path, SparkSession session) {
            model.saveInternal(path, session.sparkContext());
        }
    }

    /** {@code write().format("onnx").save(file)}: one ONNX file, for ONNX Runtime and other frameworks. */
    public static final class Onnx extends Format {
        @Override
        public String format() {
            return "onnx";
        }

        @Override
        void save(ImageClassificationModel model, String path, SparkSession session) {
            model.saveOnnx(path, session.sparkContext());
        }
    }
}
