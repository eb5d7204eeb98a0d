package sparkcnn.driver.train;

/**
 * What one finished round reports: where it stands in the epoch, its loss and its speed, and how
 * long its slowest worker fitted; the rest of the round is the cost of averaging (broadcast,
 * scheduling, collecting and dividing the sums). {@code rejected}: files a streamed shard could not
 * decode in this round.
 */
public record RoundReport(int epoch, int round, int rounds, double loss, long examples, double seconds,
                          double learningRate, double fitSeconds, java.util.List<String> rejected) {

    public double imagesPerSecond() {
        return examples / seconds;
    }
}
