package sparkcnn.kernels.layers;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class OwnLayersTest {
    @Test
    void cpuUsesOwnLayersCudaKeepsCudnns() {
        assertTrue(OwnLayers.enabledFor("org.nd4j.linalg.cpu.nativecpu.CpuBackend", "amd64"));
        assertFalse(OwnLayers.enabledFor("org.nd4j.linalg.jcublas.JCublasBackend", "amd64"));
        assertFalse(OwnLayers.enabledFor("org.nd4j.linalg.cpu.nativecpu.CpuBackend", "aarch64"),
                "oneDNN's presets ship for x86-64 only here");
        assertTrue(OwnLayers.enabled(), "the tests run on the CPU backend");
    }
}
