"""Weight-normalized dense / conv / transposed-conv layers as in the LIS authors' code.

Each output unit ``j`` with raw weights ``v_j`` computes

    y_j = g_j * (v_j . x) / sqrt(c * ||v_j||^2 + epsilon) + b_j

(Salimans & Kingma 2016 with the epsilon and the transposed-conv factor ``c`` of Xiang &
Li 2017's code, which the LIS code reuses). ``g`` and ``b`` are optional: the paper's
hidden layers use neither ("WN"), its last layers use both ("affine WN").

These layers replace tensorflow-addons' ``WeightNormalization`` wrapper (archived, no
Keras 3 support), which differs: it always learns ``g`` and a bias, initialises them
from the first batch by default (``data_init=True``), has no epsilon and no stride
factor for transposed convolutions. Here the reparameterisation is deterministic:
no data-dependent initialisation, so the output depends only on the weights.
"""
import math

import keras
from keras import ops

from tfgan_latent.checks import int_pair



def _inverse_norm(kernel, axes, factor, epsilon, dtype):
    """``1 / sqrt(factor * sum(kernel^2 over axes) + epsilon)``, summed in >= float32."""
    work = "float32" if ops.dtype(kernel) in ("float16", "bfloat16") else ops.dtype(kernel)
    kernel = ops.cast(kernel, work)
    squared = ops.sum(ops.square(kernel), axis=axes)
    return ops.cast(ops.rsqrt(squared * factor + epsilon), dtype)


def _with_common_args(cls):
    """Fills ``{common_args}`` in a class docstring (concatenation would not be a docstring)."""
    cls.__doc__ = cls.__doc__.replace("{common_args}", _COMMON_ARGS)
    return cls


class _WeightNormBase(keras.layers.Layer):
    """Shared pieces: g / b weights, the normalisation, config of the common arguments."""

    # set by subclasses
    _kernel_axes = None  # axes of the kernel summed for one output unit's norm
    _default_bias_uniform = False  # authors' dense bias init is uniform(+-s), conv is zeros

    def __init__(
        self,
        *,
        activation=None,
        scale=True,
        use_bias=True,
        epsilon=1e-6,
        kernel_init_factor=1.0,
        kernel_initializer=None,
        bias_initializer=None,
        scale_initializer="ones",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if epsilon < 0:
            raise ValueError(f"`epsilon` must be >= 0, got {epsilon}.")
        self.activation = keras.activations.get(activation)
        self.scale = bool(scale)
        self.use_bias = bool(use_bias)
        self.epsilon = float(epsilon)
        self.kernel_init_factor = float(kernel_init_factor)
        self.kernel_initializer = (
            None if kernel_initializer is None else keras.initializers.get(kernel_initializer)
        )
        self.bias_initializer = (
            None if bias_initializer is None else keras.initializers.get(bias_initializer)
        )
        self.scale_initializer = keras.initializers.get(scale_initializer)

    # ------------------------------------------------------------------ weights
    def _add_weights(self, kernel_shape, fan_in, units):
        bound = self.kernel_init_factor / math.sqrt(fan_in)

        def uniform():  # a fresh instance per weight: one instance repeats its seed
            return keras.initializers.RandomUniform(-bound, bound)

        self.kernel = self.add_weight(
            name="kernel", shape=kernel_shape, initializer=self.kernel_initializer or uniform()
        )
        self.g = None
        if self.scale:
            self.g = self.add_weight(name="g", shape=(units,), initializer=self.scale_initializer)
        self.bias = None
        if self.use_bias:
            default = uniform() if self._default_bias_uniform else keras.initializers.Zeros()
            self.bias = self.add_weight(
                name="bias", shape=(units,), initializer=self.bias_initializer or default
            )

    def _norm_factor(self):
        return 1.0

    def _output_scale(self, dtype):
        """Per-output-unit multiplier ``g / sqrt(c ||v||^2 + eps)`` (shape ``[units]``)."""
        inv = _inverse_norm(
            self.kernel, self._kernel_axes, self._norm_factor(), self.epsilon, dtype
        )
        if self.g is not None:
            inv = inv * ops.cast(self.g, dtype)
        return inv

    def _finish(self, outputs):
        outputs = outputs * self._output_scale(outputs.dtype)
        if self.bias is not None:
            outputs = outputs + ops.cast(self.bias, outputs.dtype)
        if self.activation is not None:
            outputs = self.activation(outputs)
        return outputs

    def effective_kernel(self):
        """The kernel the layer applies: ``g * v / sqrt(c ||v||^2 + eps)`` per output unit."""
        kernel = ops.convert_to_tensor(self.kernel)
        out_axis = [a for a in range(len(kernel.shape)) if a not in self._kernel_axes][0]
        shape = [1] * len(kernel.shape)
        shape[out_axis] = kernel.shape[out_axis]
        return kernel * ops.reshape(self._output_scale(kernel.dtype), shape)

    # ------------------------------------------------------------------- config
    def get_config(self):
        config = super().get_config()
        def serialize(initializer):
            return None if initializer is None else keras.initializers.serialize(initializer)

        config.update(
            activation=keras.activations.serialize(self.activation) if self.activation else None,
            scale=self.scale,
            use_bias=self.use_bias,
            epsilon=self.epsilon,
            kernel_init_factor=self.kernel_init_factor,
            kernel_initializer=serialize(self.kernel_initializer),
            bias_initializer=serialize(self.bias_initializer),
            scale_initializer=serialize(self.scale_initializer),
        )
        return config


_COMMON_ARGS = """
        activation: optional activation applied after scale and bias.
        scale: learn a per-unit scale ``g`` (init ``scale_initializer``, 1). The paper's
            hidden layers ("WN") have none; its last layers ("affine WN") have one.
        use_bias: learn a per-unit bias ``b`` added after normalisation and scaling.
        epsilon: added inside the square root of the norm (authors' code: 1e-6).
        kernel_init_factor: the raw kernel is drawn from ``uniform(+-f / sqrt(fan_in))``
            (authors' code: ``init_factor``, 1 by default, 0.01 for LIS layers and the
            generator's first dense layer). It only changes the effective learning rate:
            the output is invariant to scaling the raw kernel.
        kernel_initializer: overrides that uniform rule when given.
        bias_initializer: overrides the authors' bias init when given.
        scale_initializer: initializer of ``g``.
        **kwargs: standard ``keras.layers.Layer`` arguments."""


@keras.saving.register_keras_serializable(package="tfgan_latent")
@_with_common_args
class WeightNormDense(_WeightNormBase):
    """Weight-normalized fully connected layer (no data-dependent init).

    ``y = g * (x @ v) / sqrt(sum_i v_ij^2 + eps) + b``, the norm taken per output unit
    over all inputs (kernel axis 0 of the ``[in, units]`` Keras kernel). With the
    authors' defaults, ``b`` is initialised from ``uniform(+-f / sqrt(fan_in))``.
    Replaces ``tfa.layers.WeightNormalization(Dense(...))``, whose default
    data-dependent initialisation and always-on ``g`` / bias differ.

    Args:
        units: number of output units.{common_args}

    Reference: Jung 2017, §3 and App. J ("WN"), resolved from the authors'
    ``common/modules/WeightNormalizedLinear.py`` (from Xiang & Li 2017); Salimans &
    Kingma 2016, Eq. 2.
    """

    _kernel_axes = (0,)
    _default_bias_uniform = True

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(units, int) or units < 1:
            raise ValueError(f"`units` must be a positive int, got {units!r}.")
        self.units = units

    def build(self, input_shape):
        fan_in = input_shape[-1]
        if fan_in is None:
            raise ValueError(
                f"WeightNormDense needs a known last input dimension, got {input_shape}."
            )
        self._add_weights((fan_in, self.units), fan_in, self.units)

    def call(self, inputs):
        return self._finish(ops.matmul(inputs, ops.cast(self.kernel, inputs.dtype)))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        config = super().get_config()
        config.update(units=self.units)
        return config


class _WeightNormConvBase(_WeightNormBase):
    """Shared arguments, checks and config of the two weight-normalized convolutions."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", dilation_rate=1, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(filters, int) or filters < 1:
            raise ValueError(f"`filters` must be a positive int, got {filters!r}.")
        padding = str(padding).lower()
        if padding not in ("valid", "same"):
            raise ValueError(f"`padding` must be 'valid' or 'same', got {padding!r}.")
        self.filters = filters
        self.kernel_size = int_pair(kernel_size, "kernel_size")
        self.strides = int_pair(strides, "strides")
        self.padding = padding
        self.dilation_rate = int_pair(dilation_rate, "dilation_rate")

    def _channels(self, input_shape):
        if input_shape[-1] is None:
            raise ValueError(
                f"{type(self).__name__} needs a known channel dimension, got {input_shape}."
            )
        return input_shape[-1]

    def get_config(self):
        config = super().get_config()
        config.update(
            filters=self.filters,
            kernel_size=self.kernel_size,
            strides=self.strides,
            padding=self.padding,
            dilation_rate=self.dilation_rate,
        )
        return config


@keras.saving.register_keras_serializable(package="tfgan_latent")
@_with_common_args
class WeightNormConv2D(_WeightNormConvBase):
    """Weight-normalized 2-D convolution (channels last, no data-dependent init).

    The norm of output channel ``o`` is taken over the whole ``[kh, kw, in]`` slice of
    the ``[kh, kw, in, out]`` Keras kernel. Bias (if any) starts at zero, as in the
    authors' code. Replaces ``tfa.layers.WeightNormalization(Conv2D(...))``.

    Args:
        filters: number of output channels.
        kernel_size: int or pair.
        strides: int or pair.
        padding: ``"valid"`` or ``"same"`` (TF semantics; PyTorch padding 1 with a
            4x4 / stride-2 kernel on an even size equals ``"same"``).
        dilation_rate: int or pair.{common_args}

    Reference: Jung 2017, App. J Tables 2-3 ("WN"), resolved from the authors'
    ``common/modules/WeightNormalizedConv.py`` (from Xiang & Li 2017).
    """

    _kernel_axes = (0, 1, 2)

    def build(self, input_shape):
        channels = self._channels(input_shape)
        kh, kw = self.kernel_size
        self._add_weights((kh, kw, channels, self.filters), kh * kw * channels, self.filters)

    def call(self, inputs):
        outputs = ops.conv(
            inputs,
            ops.cast(self.kernel, inputs.dtype),
            strides=self.strides,
            padding=self.padding,
            data_format="channels_last",
            dilation_rate=self.dilation_rate,
        )
        return self._finish(outputs)


@keras.saving.register_keras_serializable(package="tfgan_latent")
@_with_common_args
class WeightNormConv2DTranspose(_WeightNormConvBase):
    """Weight-normalized transposed 2-D convolution (channels last, no data-dependent init).

    The norm of output channel ``o`` is taken over the ``[kh, kw, :, in]`` slice of the
    ``[kh, kw, out, in]`` Keras kernel (axes 0, 1, 3), and the squared norm is
    multiplied by ``c = 1 / (s_h * s_w)`` before adding epsilon, so a normalised kernel
    has squared norm ``s_h * s_w`` per output channel (each output pixel only receives
    about ``1 / (s_h s_w)`` of the taps). Bias (if any) starts at zero. The raw kernel's
    fan-in is ``in * kh * kw`` as in the authors' (PyTorch 2017) init. Replaces
    ``tfa.layers.WeightNormalization(Conv2DTranspose(...))``, which has no stride factor.

    Args:
        filters: number of output channels.
        kernel_size: int or pair.
        strides: int or pair.
        padding: ``"valid"`` or ``"same"`` (``"same"`` gives ``size * stride``; with a
            4x4 kernel and stride 2 it equals PyTorch padding 1).
        output_padding: optional int or pair, as in ``keras.layers.Conv2DTranspose``.
        dilation_rate: int or pair.
        stride_factor: if True (authors' code), apply ``c = 1 / (s_h s_w)``; if False,
            ``c = 1`` (plain per-channel unit norm).{common_args}

    Reference: Jung 2017, App. J Table 1 ("fractionally strided, WN"), resolved from the
    authors' ``common/modules/WeightNormalizedConv.py`` (``weight_norm_factor``).
    """

    _kernel_axes = (0, 1, 3)

    def __init__(
        self,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        output_padding=None,
        dilation_rate=1,
        stride_factor=True,
        **kwargs,
    ):
        super().__init__(filters, kernel_size, strides, padding, dilation_rate, **kwargs)
        self.output_padding = (
            None if output_padding is None else int_pair(output_padding, "output_padding", minimum=0)
        )
        self.stride_factor = bool(stride_factor)

    def build(self, input_shape):
        channels = self._channels(input_shape)
        kh, kw = self.kernel_size
        self._add_weights((kh, kw, self.filters, channels), kh * kw * channels, self.filters)

    def _norm_factor(self):
        if not self.stride_factor:
            return 1.0
        return 1.0 / (self.strides[0] * self.strides[1])

    def call(self, inputs):
        outputs = ops.conv_transpose(
            inputs,
            ops.cast(self.kernel, inputs.dtype),
            strides=self.strides,
            padding=self.padding,
            output_padding=self.output_padding,
            data_format="channels_last",
            dilation_rate=self.dilation_rate,
        )
        return self._finish(outputs)

    def get_config(self):
        config = super().get_config()
        config.update(output_padding=self.output_padding, stride_factor=self.stride_factor)
        return config
