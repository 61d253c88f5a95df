"""Batch normalization whose training pass over NHWC images runs TensorFlow's fused kernel.

The method is Ioffe & Szegedy 2015 ("Batch Normalization", Alg. 1: per-channel minibatch
mean and biased variance, x̂ = (x − μ_B)/√(σ²_B + ε), y = γx̂ + β); for inference, Keras keeps
an exponential moving average of μ_B and σ²_B (its ``momentum``) instead of the paper's
population estimate of Alg. 2 (unbiased variance over many minibatches), and so does this layer.
Radford et al. 2016 §3 put it in the DCGAN nets that use it here.

Keras 3's ``BatchNormalization`` computes the batch moments and the normalization as separate
elementwise ops (``Mean``, ``SquaredDifference``, ``Mul``, ``Sub``...) and, under a mixed
policy, casts its input to float32 and back. On a CPU those ops are about 9 % of a 64×64 DCGAN
step's op time (``benchmarks/results/profile_steps.txt``). TensorFlow's ``FusedBatchNormV3``
does the same in one pass (and its gradient in one more), takes bf16/float16 inputs with
float32 statistics directly, and so needs no casts.

Same layer otherwise: the same variables (so checkpoints of either restore into the other), the
same moving-statistics update (Keras's: momentum, the *biased* batch variance; the fused kernel
returns the unbiased one, which is rescaled by (n − 1)/n), the same ε. Only the training pass of
a 4-D, channels-last, centred and scaled, unmasked, non-renorm layer under the TensorFlow
backend takes the fused kernel; everything else (inference, other ranks, masks, renorm, other
backends) is Keras's own code.
"""
import keras
from keras import ops

__all__ = ["FusedBatchNormalization"]


@keras.saving.register_keras_serializable(package="tfgan_latent")
class FusedBatchNormalization(keras.layers.BatchNormalization):
    """``keras.layers.BatchNormalization`` with a fused training pass (module docstring).

    Args:
        **kwargs: those of ``keras.layers.BatchNormalization`` (``momentum``, ``epsilon``...).
    """

    def _fused_applies(self, inputs, training, mask):
        return (training and self.trainable and mask is None and not self.renorm
                and self.center and self.scale and len(inputs.shape) == 4
                and self.axis in (-1, 3) and keras.backend.backend() == "tensorflow")

    def call(self, inputs, training=None, mask=None):
        if not self._fused_applies(inputs, training, mask):
            return super().call(inputs, training=training, mask=mask)
        import tensorflow as tf  # the fused kernel is TensorFlow's (checked above)

        empty = tf.constant([], tf.float32)
        x = inputs if inputs.dtype in (tf.float32, tf.bfloat16, tf.float16) else tf.cast(
            inputs, tf.float32)
        outputs, mean, unbiased, *_ = tf.raw_ops.FusedBatchNormV3(
            x=x, scale=ops.cast(self.gamma, "float32"), offset=ops.cast(self.beta, "float32"),
            mean=empty, variance=empty, epsilon=self.epsilon, exponential_avg_factor=1.0,
            data_format="NHWC", is_training=True)
        count = ops.cast(ops.prod(ops.shape(x)[:-1]), "float32")
        variance = unbiased * (count - 1.0) / ops.maximum(count, 1.0)
        self.moving_mean.assign(
            self.moving_mean * self.momentum + mean * (1.0 - self.momentum))
        self.moving_variance.assign(
            self.moving_variance * self.momentum + variance * (1.0 - self.momentum))
        return ops.cast(outputs, self.compute_dtype)
