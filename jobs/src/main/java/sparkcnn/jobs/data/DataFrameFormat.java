package sparkcnn.jobs.data;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;

/** The data of the Spark ML API ({@code sparkcnn.ml.ImageClassifier}), which hands its DataFrame over: no keys. */
final class DataFrameFormat extends DataFormat {
    static final String NAME = "dataframe";

    DataFrameFormat() {
        super(NAME);
    }

    @Override
    void checkKeys(Config c, String set) {
    }

    @Override
    TrainingData open(DataSpec spec, DataContext context) {
        throw new ConfigException.BadValue("data.format", "dataframe is the data of the Spark ML API "
                + "(sparkcnn.ml.ImageClassifier), which hands its DataFrame over; a job file reads its own data");
    }
}
