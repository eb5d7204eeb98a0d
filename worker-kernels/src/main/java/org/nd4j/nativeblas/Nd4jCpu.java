package org.nd4j.nativeblas;

/**
 * Compatibility shim that switches DL4J's oneDNN layer helpers back on.
 *
 * <p>DL4J 1.0.0-M2's {@code BaseMKLDNNHelper.mklDnnEnabled()} asks, by reflection, for
 * {@code org.nd4j.nativeblas.Nd4jCpu$Environment#isUseMKLDNN()}. ND4J moved that class to
 * {@code org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment#isUseONEDNN()}, so the lookup
 * fails and DL4J silently falls back to its slow im2col convolution and Java batch norm. This class
 * answers the old question from the new place. It is not used on the CUDA backend.
 */
public final class Nd4jCpu {
    private Nd4jCpu() {
    }

    public static final class Environment {
        private static final Environment INSTANCE = new Environment();

        private Environment() {
        }

        public static Environment getInstance() {
            return INSTANCE;
        }

        public boolean isUseMKLDNN() {
            return org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu.Environment.getInstance().isUseONEDNN();
        }
    }
}
