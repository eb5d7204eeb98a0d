package sparkcnn.jobs.data;

import sparkcnn.driver.data.EpochData;

/** The training and test sets, split into the workers' shards. */
public record TrainingData(EpochData train, EpochData test) {
}
