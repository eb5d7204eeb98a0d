package sparkcnn.kernels.layers;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class OwnLayersTest {
    @Test
    void cpuUsesOwnLayersCudaKeepsCudnnsAndThePropertyTurnsThemOff() {
        assertTrue(OwnLayers.enabledFor("org.nd4j.linalg.cpu.nativecpu.CpuBackend", "true"));
        assertFalse(OwnLayers.enabledFor("org.nd4j.linalg.jcublas.JCublasBackend", "true"));
        assertFalse(OwnLayers.enabledFor("org.nd4j.linalg.cpu.nativecpu.CpuBackend", "false"));
        assertTrue(OwnLayers.enabled(), "the tests run on the CPU backend");
    }
}
