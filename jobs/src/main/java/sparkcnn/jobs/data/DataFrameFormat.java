package sparkcnn.jobs.data;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;

/** The data of the Spark ML API ({@code sparkcnn.ml.ImageClassifier}), which hands its DataFrame over: no keys. */
final class DataFrameFormat implements DataFormat {
    static final String NAME = "dataframe";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void checkKeys(Config c, String set) {
    }

    @Override
    public TrainingData open(DataSpec spec, DataContext context) {
        throw new ConfigException.BadValue("data.format", "dataframe is the data of the Spark ML API "
                + "(sparkcnn.ml.ImageClassifier), which hands its DataFrame over; a job file reads its own data");
    }
}
