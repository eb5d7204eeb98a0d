package sparkcnn.jobs.sweep;

import sparkcnn.driver.train.EpochResult;

/** One evaluated epoch of a trial, as it keeps them for its rungs, the leaderboard and the plot. */
public record EpochScore(int epoch, double testAccuracy, double testLoss, double testTop5Accuracy, double trainLoss) {

    static EpochScore of(EpochResult e) {
        return new EpochScore(e.epoch(), e.test().accuracy(), e.test().meanLoss(), e.test().top5Accuracy(),
                e.trainLoss());
    }
}
