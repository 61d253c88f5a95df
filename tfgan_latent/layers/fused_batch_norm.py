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
backend with float32/bf16/float16 inputs takes the fused kernel (``FusedBatchNormV3`` has no
float64 kernel); everything else (inference, float64, other ranks, masks, renorm, other
backends) is Keras's own code.

``moving_variance="unbiased"``: the moving variance averages the *unbiased* batch variance
(n/(n − 1) times the biased one, n the values per channel), as TF1's ``contrib.layers.batch_norm``
(and ``tf_slim``'s) do, since they average what the fused kernel returns; the RFGAN authors'
code and carpedm20/DCGAN-tensorflow use it (parity/README.md, RFGAN). The normalization of the
training pass uses the biased variance either way (Ioffe & Szegedy 2015, Alg. 1).
"""
import keras
from keras import ops

__all__ = ["FusedBatchNormalization"]


MOVING_VARIANCES = ("biased", "unbiased")


@keras.saving.register_keras_serializable(package="tfgan_latent")
class FusedBatchNormalization(keras.layers.BatchNormalization):
    """``keras.layers.BatchNormalization`` with a fused training pass (module docstring).

    Args:
        moving_variance: ``"biased"`` (Keras's convention, the default) or ``"unbiased"``
            (TF1 ``contrib``/``tf_slim`` batch norm): which batch variance the moving variance
            averages (module docstring).
        **kwargs: those of ``keras.layers.BatchNormalization`` (``momentum``, ``epsilon``...).
    """

    def __init__(self, moving_variance="biased", **kwargs):
        super().__init__(**kwargs)
        if moving_variance not in MOVING_VARIANCES:
            raise ValueError(f"`moving_variance` must be one of {MOVING_VARIANCES}, "
                             f"got {moving_variance!r}.")
        if moving_variance == "unbiased" and self.renorm:
            raise ValueError("`moving_variance='unbiased'` is not supported with `renorm=True`.")
        self.moving_variance_kind = moving_variance

    def _fused_applies(self, inputs, training, mask):
        return (training and self.trainable and mask is None and not self.renorm
                and self.center and self.scale and len(inputs.shape) == 4
                and self.axis in (-1, 3) and keras.backend.backend() == "tensorflow"
                and keras.backend.standardize_dtype(inputs.dtype) in (
                    "float32", "bfloat16", "float16"))

    def _update_moving(self, mean, variance):
        self.moving_mean.assign(
            self.moving_mean * self.momentum
            + ops.cast(mean, self.moving_mean.dtype) * (1.0 - self.momentum))
        self.moving_variance.assign(
            self.moving_variance * self.momentum
            + ops.cast(variance, self.moving_variance.dtype) * (1.0 - self.momentum))

    def call(self, inputs, training=None, mask=None):
        if not self._fused_applies(inputs, training, mask):
            if (training and self.trainable and self.moving_variance_kind == "unbiased"):
                return self._unbiased_keras_pass(inputs, mask)
            return super().call(inputs, training=training, mask=mask)
        import tensorflow as tf  # the fused kernel is TensorFlow's (checked above)

        empty = tf.constant([], tf.float32)
        outputs, mean, unbiased, *_ = tf.raw_ops.FusedBatchNormV3(
            x=inputs, scale=ops.cast(self.gamma, "float32"),
            offset=ops.cast(self.beta, "float32"), mean=empty, variance=empty,
            epsilon=self.epsilon, exponential_avg_factor=1.0, data_format="NHWC",
            is_training=True)
        if self.moving_variance_kind == "biased":
            count = ops.cast(ops.prod(ops.shape(inputs)[:-1]), "float32")
            unbiased = unbiased * (count - 1.0) / ops.maximum(count, 1.0)
        self._update_moving(mean, unbiased)
        return ops.cast(outputs, self.compute_dtype)

    def _unbiased_keras_pass(self, inputs, mask):
        """Keras's training pass (its casts, moments and normalization) with the unbiased
        moving-variance update; any dtype (float64 included), rank and axis."""
        if mask is not None:
            raise ValueError("`moving_variance='unbiased'` does not support masks.")
        x = ops.cast(inputs, keras.backend.result_type(inputs.dtype, "float32"))
        mean, variance = ops.moments(x, axes=self._reduction_axes)
        shape = ops.shape(x)
        count = ops.cast(ops.prod([shape[a] for a in self._reduction_axes]), x.dtype)
        self._update_moving(mean, variance * count / ops.maximum(count - 1.0, 1.0))
        outputs = ops.batch_normalization(
            x=x, mean=mean, variance=variance, axis=self.axis,
            offset=ops.cast(self.beta, x.dtype) if self.center else None,
            scale=ops.cast(self.gamma, x.dtype) if self.scale else None, epsilon=self.epsilon)
        return ops.cast(outputs, self.compute_dtype)

    def get_config(self):
        return {**super().get_config(), "moving_variance": self.moving_variance_kind}
