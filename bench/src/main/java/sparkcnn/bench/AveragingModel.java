package sparkcnn.bench;

/**
 * What a round of synchronous averaging costs beyond fitting, by engine, and so what an epoch of
 * {@code W} workers takes: {@code epoch = ceil(N / (W f b)) (f b / r + averaging(W, S))} for N
 * images, frequency f, batch b per worker, r img/s per worker and a state of S MB.
 */
public interface AveragingModel {

    /** The averaging part of a round of {@code workers} with a state of {@code stateMb}, apart from fitting. */
    double averagingSeconds(int workers, double stateMb);

    /** The same model on a network of {@code mbPerSecond} per link. */
    AveragingModel onNetwork(double mbPerSecond);

    /** One epoch of {@code images} at {@code rate} img/s per worker. */
    default Epoch epoch(long images, int workers, int batch, int frequency, double rate, double stateMb) {
        long rounds = (images + (long) workers * batch * frequency - 1) / ((long) workers * batch * frequency);
        double fit = frequency * batch / rate;
        double averaging = averagingSeconds(workers, stateMb);
        return new Epoch(workers, frequency, rounds, fit, averaging, rounds * (fit + averaging));
    }

    /** An epoch's projection: its rounds, a round's fit and averaging seconds, the whole epoch. */
    record Epoch(int workers, int frequency, long rounds, double fitSeconds, double averagingSeconds,
                 double seconds) {
        public double averagingShare() {
            return averagingSeconds / (fitSeconds + averagingSeconds);
        }

        /** Speed-up over one worker without averaging, divided by the workers. */
        public double efficiency() {
            return fitSeconds / (fitSeconds + averagingSeconds);
        }
    }
}
