package sparkcnn.kernels.arch;

/**
 * What a sliding layer does when (W - F + 2P)/S + 1 is not a whole number. The cs231n notes call
 * such a layer invalid ({@link #EXACT}, the default). The ImageNet DenseNet stems (7x7/2 conv and
 * 3x3/2 max pool on 224 pixels) rely on the frameworks' floor instead ({@link #FLOOR}), so they
 * say so explicitly.
 */
public enum Rounding { EXACT, FLOOR }
