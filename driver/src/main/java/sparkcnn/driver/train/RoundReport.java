package sparkcnn.driver.train;

/** What one finished round reports: where it stands in the epoch, its loss and its speed. */
public record RoundReport(int epoch, int round, int rounds, double loss, long examples, double seconds,
                          double learningRate) {

    public double imagesPerSecond() {
        return examples / seconds;
    }
}
