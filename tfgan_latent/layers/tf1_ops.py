"""Layers that compute as the TF1 reference code's ops do: RFGAN's conv op, exact leaky ReLU.

Reference: Bang & Shim 2018 §3.1, Fig. 1 (the nets these ops build; the paper states no bias
convention, so the authors' code decides, selectable by ``--conv_bias_twice``).

``Conv2DBiasTwice``: a convolution that adds its bias twice, the RFGAN authors' ``conv2d`` op,
kept selectable.

The released code of Bang & Shim 2018 (QuickSolverKyle/Tensorflow-MyGANs ``ops.py``,
``conv2d``) computes ``conv = conv + biases`` and then ``tf.nn.bias_add(conv, biases)`` again,
so every one of its convolutions outputs ``conv(x, w) + 2b`` (the transposed convolutions and
the linear layers add it once). Where batch norm in training mode follows, the doubled bias
cancels; where nothing does (the authors' ``disc_conv1``, ``en_conv1`` and ``en_conv5``) or batch
norm runs on moving statistics (the frozen encoder inside RFGAN's D), it does not, and under
Adam (whose step ignores the gradient's scale) such a bias moves the output twice as fast.
``conv_bias_twice`` of the DCGAN and RFGAN nets (set by their ``authors_code`` preset) puts
this layer in place of ``Conv2D``; parity/README.md lists the divergence.

``ExactLeakyReLU``: ``max(x, slope·x)`` (the ``lrelu`` of carpedm20/DCGAN-tensorflow and of the
RFGAN authors) in float64; Keras's layer turns its slope into a float32 tensor before the cast
(0.2 → 0.20000000298), 1.5e-8 relative off in float64. Other dtypes take Keras's op
(identical there).
"""
import keras
from keras import ops

__all__ = ["Conv2DBiasTwice", "ExactLeakyReLU"]


@keras.saving.register_keras_serializable(package="tfgan_latent")
class Conv2DBiasTwice(keras.layers.Conv2D):
    """``keras.layers.Conv2D`` whose output is ``(conv(x, w) + b) + b``, then ``activation``.

    Args:
        **kwargs: those of ``keras.layers.Conv2D`` (``use_bias`` must stay True).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.use_bias:
            raise ValueError("Conv2DBiasTwice needs `use_bias=True` (it adds the bias twice).")

    def call(self, inputs):
        outputs = self.convolution_op(inputs, self.kernel)
        bias = ops.cast(self.bias, outputs.dtype)
        shape = (1,) * (len(outputs.shape) - 1) + (self.filters,)
        if self.data_format == "channels_first":
            shape = (1, self.filters) + (1,) * (len(outputs.shape) - 2)
        bias = ops.reshape(bias, shape)
        outputs = (outputs + bias) + bias
        return self.activation(outputs) if self.activation is not None else outputs


@keras.saving.register_keras_serializable(package="tfgan_latent")
class ExactLeakyReLU(keras.layers.LeakyReLU):
    """``keras.layers.LeakyReLU`` computed as ``max(x, slope·x)`` in float64 (module docstring)."""

    def call(self, inputs):
        if keras.backend.standardize_dtype(inputs.dtype) != "float64":
            return super().call(inputs)
        return ops.maximum(inputs, inputs * self.negative_slope)  # a float64 constant
