package sparkcnn.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RingAveragingModelTest {

    private static final DriverAveragingModel START = new DriverAveragingModel(0.05, 0.02, 0.003, 0.001, 0.005, 0, 0);

    @Test
    void fittedConstantsReproduceTheCostsTheyCameFrom() {
        var truth = new RingAveragingModel(0.0005, 0.002, 0, 2.0, START, 0);
        List<RingAveragingModel.RoundCost> costs = new ArrayList<>();
        for (int w = 1; w <= 3; w++) {
            costs.add(new RingAveragingModel.RoundCost(w, 60, truth.averagingSeconds(w, 60), truth.startSeconds(w, 60)));
        }
        var fitted = RingAveragingModel.fit(costs, START);
        for (int w : new int[] {1, 8, 64, 256}) {
            assertEquals(truth.averagingSeconds(w, 60), fitted.averagingSeconds(w, 60), 1e-9);
            assertEquals(truth.startSeconds(w, 60), fitted.startSeconds(w, 60), 1e-9);
        }
        assertEquals(2.0, fitted.joinSeconds(), 1e-9);
    }

    @Test
    void theRingMovesTwiceTheStateWhateverTheWorkersAtTheLinksRate() {
        var model = new RingAveragingModel(0, 0, 0, 0, START, 0).onNetwork(1250); // only the link
        // 2 (W-1)/W x 61.2 MB at 1250 MB/s: 0.049 s for 2 workers, nearly 0.098 s for many
        assertEquals(61.2 / 1250, model.averagingSeconds(2, 61.2), 1e-9);
        assertEquals(2 * 255.0 / 256 * 61.2 / 1250, model.averagingSeconds(256, 61.2), 1e-9);
        // a machine that moves data slower than its link is bound by itself
        var slow = new RingAveragingModel(0, 0.002, 0, 0, START, 1250);
        assertEquals(2 * 61.2 * 0.002 * 3 / 4, slow.averagingSeconds(4, 61.2), 1e-9);
        // every ring step adds its latency
        assertEquals(2 * 255 * 50e-6, model.withHop(50e-6).averagingSeconds(256, 0), 1e-12);
    }

    @Test
    void anEpochPaysTheRingsStartOnceSpreadOverItsRounds() {
        var model = new RingAveragingModel(0.001, 0, 0, 5.0, START, 0);
        var e = model.epoch(ScalingReport.IMAGENET, 8, 32, 5, 100, 61);
        assertEquals(1001, e.rounds());
        assertEquals(0.061 + model.startSeconds(8, 61) / 1001, e.averagingSeconds(), 1e-9);
        assertEquals(1001 * (1.6 + e.averagingSeconds()), e.seconds(), 1e-6);
        assertTrue(e.efficiency() > 0.95, "efficiency " + e.efficiency());
    }
}
