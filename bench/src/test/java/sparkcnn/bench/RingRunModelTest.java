package sparkcnn.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RingRunModelTest {
    private static final DriverAveragingModel START = new DriverAveragingModel(0.05, 0.02, 0.003, 0.001, 0.005, 0, 0);
    /** 0.1 s of averaging per 100 MB round, 5 s to join. */
    private static final RingAveragingModel RING = new RingAveragingModel(0.001, 0, 0, 5.0, START, 0);

    @Test
    void oneEpochPerRunWithoutOverlapIsTheRingFormedEachEpoch() {
        var perEpoch = RING.epoch(1_000_000, 8, 32, 5, 100, 100);
        var run = new RingRunModel(RING, 1, false).epoch(1_000_000, 8, 32, 5, 100, 100);
        assertEquals(perEpoch.seconds(), run.seconds(), 1e-9);
    }

    @Test
    void aRingKeptForTheRunSpreadsItsStartOverEveryEpoch() {
        var one = new RingRunModel(RING, 1, false).epoch(1_000_000, 8, 32, 5, 100, 100);
        var ninety = new RingRunModel(RING, 90, false).epoch(1_000_000, 8, 32, 5, 100, 100);
        double start = RING.startSeconds(8, 100);
        assertEquals(start * (1 - 1.0 / 90), one.seconds() - ninety.seconds(), 1e-9);
    }

    @Test
    void overlapHidesTheAveragingOfEveryRoundButTheEpochsLastWhereHalfARoundsFittingTakesLonger() {
        var model = new RingRunModel(RING, 90, true);
        var e = model.epoch(1_000_000, 8, 32, 5, 100, 100); // fit 1.6 s a round, averaging 0.1 s
        double once = RING.startSeconds(8, 100) / 90;
        assertEquals((0.1 + once) / e.rounds(), e.averagingSeconds(), 1e-9);
        assertTrue(e.efficiency() > 0.999, "efficiency " + e.efficiency());
        // averaging longer than the first 3 of 5 minibatches' fitting: only the part beyond it shows
        var slow = model.epoch(1_000_000, 8, 32, 5, 100_000, 100); // fit 0.0016 s a round
        double beyond = 0.1 - 0.0016 * 3 / 5;
        assertEquals(((slow.rounds() - 1) * beyond + 0.1 + once) / slow.rounds(), slow.averagingSeconds(), 1e-9);
    }
}
