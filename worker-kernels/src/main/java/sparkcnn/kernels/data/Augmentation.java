package sparkcnn.kernels.data;

import java.util.Locale;

/**
 * Random transformations applied when a worker turns stored uint8 examples into a minibatch, so each
 * epoch sees fresh variants while storage stays compact.
 * <ul>
 *   <li>{@link #CIFAR}: zero-pad 4 pixels, take a random crop of the original size, flip left-right
 *       with probability 1/2 (He et al. 2016; the DenseNet paper's "standard" augmentation).</li>
 *   <li>{@link #IMAGENET}: random-resized crop (8-100% of the area, aspect ratio 3/4 to 4/3),
 *       resized back bilinearly, and the flip (Szegedy et al. 2015).</li>
 * </ul>
 */
public enum Augmentation {
    NONE, CIFAR, IMAGENET;

    static final int CIFAR_PADDING = 4;

    public static Augmentation parse(String name) {
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown augmentation '" + name + "': expected none, cifar or imagenet");
        }
    }
}
