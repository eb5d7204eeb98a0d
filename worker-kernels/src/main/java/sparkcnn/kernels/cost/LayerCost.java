package sparkcnn.kernels.cost;

import sparkcnn.kernels.arch.Volume;

/**
 * What one layer costs per image.
 *
 * @param trainable   parameters that gradients update (weights, biases, BN scale and shift)
 * @param state       values kept but not trained (BN running mean and variance)
 * @param activations values of the layer's output that must be stored (0 for in-place ReLU and dropout)
 * @param flops       floating-point operations of the forward pass, a multiply-add counting 2
 */
public record LayerCost(String name, String type, Volume output, long trainable, long state, long activations,
                        long flops) {
}
