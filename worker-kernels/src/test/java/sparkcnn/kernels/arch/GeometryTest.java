package sparkcnn.kernels.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import sparkcnn.kernels.net.GraphBuilder;
import sparkcnn.kernels.optim.Optimizer;

class GeometryTest {

    @Test
    void alexNetConv1GivesThe55x55x96Volume() {
        var conv1 = new ConvSpec("conv1", 96, 11, 4, 0);
        assertEquals(new Volume(55, 55, 96), Geometry.output(conv1, new Volume(227, 227, 3)));
    }

    @Test
    void poolingHalvesWidthAndHeightAndKeepsDepth() {
        assertEquals(new Volume(14, 14, 32), Geometry.output(PoolSpec.max2x2("p"), new Volume(28, 28, 32)));
    }

    @Test
    void aStrideThatDoesNotDivideIsRejectedNamingTheLayerAndItsNumbers() {
        var bad = new ConvSpec("block1_conv2", 8, 3, 2, 0);
        var e = assertThrows(GeometryException.class, () -> Geometry.output(bad, new Volume(10, 10, 3)));
        assertTrue(e.getMessage().contains("'block1_conv2'"), e.getMessage());
        assertTrue(e.getMessage().contains("4.5"), e.getMessage());
        assertTrue(e.getMessage().contains("W=10, F=3, P=0, S=2"), e.getMessage());
    }

    @Test
    void patternNetLayersFollowTheCs231nPattern() {
        var net = new PatternNet(new Volume(28, 28, 1),
                List.of(new PatternNet.Stage(2, 16, 3, true), new PatternNet.Stage(1, 32, 5, false)), List.of(64), 10);
        List<String> names = net.layers().stream().map(LayerSpec::name).toList();
        assertEquals(List.of("stage1_conv1", "stage1_relu1", "stage1_conv2", "stage1_relu2", "stage1_pool",
                "stage2_conv1", "stage2_relu1", "fc1", "fc1_relu", "output"), names);
        List<Volume> volumes = Geometry.outputs(net.input(), net.layers());
        assertEquals(new Volume(14, 14, 16), volumes.get(4));
        assertEquals(new Volume(14, 14, 32), volumes.get(6));
        assertEquals(new Volume(1, 1, 10), volumes.get(volumes.size() - 1));
    }

    @Test
    void theGraphBuilderChecksGeometryBeforeBuildingAnything() {
        // 7x7 after two pools; a third 2x2 pool on 7 gives (7-2)/2+1 = 3.5
        var net = new PatternNet(new Volume(28, 28, 1), List.of(new PatternNet.Stage(1, 4, 3, true),
                new PatternNet.Stage(1, 4, 3, true), new PatternNet.Stage(1, 4, 3, true)), List.of(), 10);
        var e = assertThrows(GeometryException.class,
                () -> GraphBuilder.build(net.input(), net.layers(), Optimizer.constant("sgd", 0.1, 0, 0), 1));
        assertTrue(e.getMessage().contains("'stage3_pool'"), e.getMessage());
        assertTrue(e.getMessage().contains("3.5"), e.getMessage());
    }
}
