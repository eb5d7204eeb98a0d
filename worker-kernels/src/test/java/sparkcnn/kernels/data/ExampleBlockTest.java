package sparkcnn.kernels.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import sparkcnn.kernels.arch.Volume;

class ExampleBlockTest {
    private final ExampleBlock block = ExampleBlock.contiguous(100, new Volume(2, 1, 1),
            new byte[] {0, (byte) 255, 51, 102, (byte) 204, 1}, new int[] {2, 0, 1});

    @Test
    void minibatchScalesPixelsToUnitRangeAndOneHotsLabels() {
        var batch = block.minibatch(new int[] {2, 0}, 0, 2, 3);
        assertArrayEquals(new long[] {2, 1, 1, 2}, batch.getFeatures().shape());
        assertEquals(0.8f, batch.getFeatures().getFloat(0, 0, 0, 0), 1e-6);
        assertEquals(1f, batch.getFeatures().getFloat(1, 0, 0, 1), 1e-6);
        assertArrayEquals(new float[] {0, 1, 0}, batch.getLabels().getRow(0).toFloatVector());
        assertArrayEquals(new float[] {0, 0, 1}, batch.getLabels().getRow(1).toFloatVector());
    }

    @Test
    void shuffledOrderIsAPermutationFixedBySeed() {
        var big = ExampleBlock.contiguous(0, new Volume(1, 1, 1), new byte[1000], new int[1000]);
        int[] a = big.shuffledOrder(5);
        assertArrayEquals(a, big.shuffledOrder(5));
        assertFalse(Arrays.equals(a, big.shuffledOrder(6)));
        assertArrayEquals(big.storedOrder(), Arrays.stream(a).sorted().toArray());
    }
}
