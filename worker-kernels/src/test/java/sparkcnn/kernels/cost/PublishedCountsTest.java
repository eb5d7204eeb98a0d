package sparkcnn.kernels.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import sparkcnn.kernels.arch.ConvSpec;
import sparkcnn.kernels.arch.DenseNet;
import sparkcnn.kernels.arch.PatternNet;
import sparkcnn.kernels.arch.PatternNet.Stage;
import sparkcnn.kernels.arch.Volume;

/** The cost report against the numbers published for the standard networks. */
class PublishedCountsTest {
    static final Volume CIFAR = new Volume(32, 32, 3);
    static final Volume IMAGENET = new Volume(224, 224, 3);

    static PatternNet vgg16() {
        return new PatternNet(IMAGENET, List.of(new Stage(2, 64, 3, true), new Stage(2, 128, 3, true),
                new Stage(3, 256, 3, true), new Stage(3, 512, 3, true), new Stage(3, 512, 3, true)),
                List.of(4096, 4096), 1000);
    }

    @Test
    void alexNetConv1() {
        LayerCost conv1 = CostReport.cost(new ConvSpec("conv1", 96, 11, 4, 0), List.of(new Volume(227, 227, 3)),
                new Volume(55, 55, 96));
        assertEquals(34_944, conv1.trainable());
        assertEquals(290_400, conv1.activations());
    }

    @Test
    void vgg16ParametersAndActivations() {
        CostReport vgg = CostReport.of(vgg16().architecture());
        assertEquals(138_357_544L, vgg.trainable());
        assertEquals(0, vgg.state());
        // the cs231n notes' per-layer rows, input included (their "24M" total does not match them)
        assertEquals(15_237_608L, vgg.activations());
        assertEquals(new Volume(7, 7, 512), vgg.layers().stream()
                .filter(l -> l.name().equals("stage5_pool")).findFirst().orElseThrow().output());
        // about 15.5 G multiply-adds forward, the usual figure for VGG-16
        assertEquals(15.5e9, vgg.flops() / 2.0, 0.1e9);
    }

    @Test
    void denseNetBcCifar() {
        assertEquals(769_162L, CostReport.of(DenseNet.cifar(100, 12, true, 0.5, CIFAR, 10, 0).architecture()).trainable());
        assertEquals(176_122L, CostReport.of(DenseNet.cifar(40, 12, true, 0.5, CIFAR, 10, 0).architecture()).trainable());
    }

    @Test
    void denseNet121() {
        CostReport report = CostReport.of(DenseNet.imagenet(121, IMAGENET, 1000).architecture());
        assertEquals(7_978_856L, report.trainable());
        assertEquals(new Volume(7, 7, 1024), report.layers().stream()
                .filter(l -> l.name().equals("final_relu")).findFirst().orElseThrow().output());
        // about 2.9 G multiply-adds forward (Huang et al. report 2.9 GFLOPs counting multiply-adds)
        assertEquals(2.9e9, report.flops() / 2.0, 0.1e9);
    }

    @Test
    void trainingMemoryFollowsTheRuleOfThumb() {
        CostReport vgg = CostReport.of(vgg16().architecture());
        assertEquals(4 * (138_357_544L + 15_237_608L), vgg.inferenceBytes(1));
        assertEquals(4 * (3 * 138_357_544L + 2 * 64 * 15_237_608L), vgg.trainingBytes(64));
    }
}
