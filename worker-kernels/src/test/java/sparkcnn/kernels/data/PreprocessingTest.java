package sparkcnn.kernels.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import sparkcnn.kernels.arch.Volume;

class PreprocessingTest {
    private static final Volume SHAPE = new Volume(8, 8, 2);

    static byte[] ramp() {
        byte[] px = new byte[128];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) (i * 2);
        }
        return px;
    }

    @Test
    void normalisesPerChannel() {
        var pre = new Preprocessing(Augmentation.NONE, new float[] {0.5f, 0.25f}, new float[] {0.5f, 0.25f});
        float[] out = new float[128];
        pre.apply(ramp(), 0, SHAPE, out, 0, new SplittableRandom(1));
        assertEquals((0 / 255f - 0.5f) / 0.5f, out[0], 1e-6);
        assertEquals((128 / 255f - 0.25f) / 0.25f, out[64], 1e-6);
    }

    @Test
    void cifarAugmentationShiftsAndFlipsPixelsOfTheImageWithZeroPadding() {
        var pre = new Preprocessing(Augmentation.CIFAR, new float[2], new float[] {1, 1});
        byte[] px = ramp();
        float[] identity = new float[128];
        Preprocessing.scaleOnly(2).apply(px, 0, SHAPE, identity, 0, new SplittableRandom(1));
        boolean changed = false;
        for (long seed = 0; seed < 20; seed++) {
            float[] out = new float[128];
            pre.apply(px, 0, SHAPE, out, 0, new SplittableRandom(seed));
            for (float v : out) {
                // every value is padding (0) or one of the image's own pixels
                assertTrue(v == 0 || Arrays.binarySearch(sorted(identity), v) >= 0, "value " + v);
            }
            changed |= !Arrays.equals(out, identity);
            float[] again = new float[128];
            pre.apply(px, 0, SHAPE, again, 0, new SplittableRandom(seed));
            assertArrayEquals(out, again, "the same seed gives the same augmentation");
        }
        assertTrue(changed);
    }

    @Test
    void imagenetAugmentationStaysInTheImagesValueRange() {
        var pre = new Preprocessing(Augmentation.IMAGENET, new float[2], new float[] {1, 1});
        float[] out = new float[128];
        pre.apply(ramp(), 0, SHAPE, out, 0, new SplittableRandom(3));
        float max = 254 / 255f;
        for (float v : out) {
            assertTrue(v >= 0 && v <= max + 1e-6, "value " + v);
        }
        assertFalse(Arrays.equals(out, new float[128]));
    }

    @Test
    void examplesStoredLargerThanTheInputAreCroppedAtRandomInTrainingAndAtTheCentreInEvaluation() {
        // SHAPE is 8x8x2 (the ramp: value 2 * index); the network takes 4x4x2
        var input = new sparkcnn.kernels.arch.Volume(4, 4, 2);
        var train = new Preprocessing(Augmentation.IMAGENET, new float[2], new float[] {1, 1}).withCrop(SHAPE, input);
        assertEquals(input, train.output(SHAPE));
        float[] centre = new float[32];
        train.forEvaluation().apply(ramp(), 0, SHAPE, centre, 0, new SplittableRandom(1));
        // channel 0, row 2 (of 8), columns 2..5: stored indices 18..21
        assertArrayEquals(new float[] {36 / 255f, 38 / 255f, 40 / 255f, 42 / 255f}, Arrays.copyOfRange(centre, 0, 4), 1e-6f);
        assertEquals((64 + 5 * 8 + 5) * 2 / 255f, centre[31], 1e-6); // channel 1, row 5, column 5
        java.util.Set<String> crops = new java.util.HashSet<>();
        for (long seed = 0; seed < 10; seed++) {
            float[] out = new float[32];
            train.apply(ramp(), 0, SHAPE, out, 0, new SplittableRandom(seed));
            crops.add(Arrays.toString(out));
            for (float v : out) {
                assertTrue(v >= 0 && v <= 254 / 255f + 1e-6, "value " + v);
            }
        }
        assertTrue(crops.size() > 5, "random-resized crops vary: " + crops.size());
        // cifar's pad-and-crop keeps the stored size, so it cannot feed a smaller input
        assertThrows(IllegalArgumentException.class,
                () -> new Preprocessing(Augmentation.CIFAR, new float[2], new float[] {1, 1}).withCrop(SHAPE, input));
    }

    private static float[] sorted(float[] values) {
        float[] copy = values.clone();
        Arrays.sort(copy);
        return copy;
    }
}
