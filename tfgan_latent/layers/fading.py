"""β fading of grown channels / latent inputs and α fading of grown layers (Sandström 2019).

* ``BetaFadedDense``, ``BetaFadedConv2D``, ``BetaFadedLatentProjection``: layers whose
  input and/or output size grew. The entries of the kernel (and bias) that did not exist
  before the growth are multiplied at run time by a non-trainable scalar ``beta``
  (``ŵ = β·w``, §6.2.7). ``grown_weights`` / ``grow_from`` copy a pre-growth layer's
  weights into the leading block.
* ``AlphaFade``: ``(1 - α)·old + α·new`` with a non-trainable scalar ``alpha`` (the
  ProGAN-style fade-in of new layers, §6.2.4, §6.2.7, Fig. 6).
* ``fade_real_images`` (lgGAN / clgGAN, Fig. 5) and ``coarsen_real_images``
  (bgGAN / cgGAN, Fig. 4): the real-image resolution fades, as plain functions.
"""
import numbers

import keras
import numpy as np
from keras import ops

from tfgan_latent.checks import int_pair


def _he_normal():
    """``N(0, sqrt(2 / fan_in))``, untruncated (§6.2.8; Keras ``HeNormal`` truncates)."""
    return keras.initializers.VarianceScaling(
        scale=2.0, mode="fan_in", distribution="untruncated_normal"
    )


def exact_constant(value):
    """Initializer filling ``value`` directly in the variable's dtype (Keras's ``Constant``
    rounds through float32: 0.3 becomes 0.30000001192092896 in a float64 variable)."""
    return lambda shape, dtype=None: ops.full(shape, value, dtype=dtype)


def _check_unit_interval(value, name):
    value = float(value)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"`{name}` must be in [0, 1], got {value}.")
    return value


def _check_optional_positive_int(value, name):
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, int) or value < 1
    ):
        raise ValueError(f"`{name}` must be None or a positive int, got {value!r}.")
    return value



class _BetaFadedBase(keras.layers.Layer):
    """Shared mechanism: which kernel / bias entries are new, and how they are faded.

    A subclass sets ``self._out_dim`` (output units / filters) in ``__init__`` and
    implements ``_kernel_shape(in_dim, out_dim)``, ``_kernel_out_flags(out_old)`` (the
    "is old" flags along the kernel's last axis), ``_to_view`` / ``_from_view`` (the
    kernel seen with the input axis first and the output-channel axis last), and
    ``_linear(inputs, kernel)``.
    """

    def __init__(
        self,
        *,
        old_input_dim=None,
        old_output_dim=None,
        old_trailing_inputs=0,
        initial_beta=0.0,
        raw_outputs_from=None,
        raw_bias=False,
        activation=None,
        use_bias=True,
        kernel_initializer=None,
        bias_initializer="zeros",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.old_input_dim = _check_optional_positive_int(old_input_dim, "old_input_dim")
        self.old_output_dim = _check_optional_positive_int(old_output_dim, "old_output_dim")
        if (
            isinstance(old_trailing_inputs, bool)
            or not isinstance(old_trailing_inputs, int)
            or old_trailing_inputs < 0
        ):
            raise ValueError(
                f"`old_trailing_inputs` must be an int >= 0, got {old_trailing_inputs!r}."
            )
        if old_trailing_inputs and old_input_dim is None:
            raise ValueError(
                "`old_trailing_inputs` > 0 needs `old_input_dim` (the inputs must have "
                f"grown), got old_trailing_inputs={old_trailing_inputs} and old_input_dim=None."
            )
        self.old_trailing_inputs = old_trailing_inputs
        self.raw_outputs_from = _check_optional_positive_int(raw_outputs_from, "raw_outputs_from")
        if not isinstance(raw_bias, bool):
            raise ValueError(f"`raw_bias` must be a bool, got {raw_bias!r}.")
        self.raw_bias = raw_bias
        self.initial_beta = _check_unit_interval(initial_beta, "initial_beta")
        self.activation = keras.activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = keras.initializers.get(kernel_initializer or _he_normal())
        self.bias_initializer = keras.initializers.get(bias_initializer)

    # ------------------------------------------------------------------- build
    def _input_dim(self, input_shape):
        in_dim = input_shape[-1]
        if in_dim is None:
            raise ValueError(
                f"{type(self).__name__} needs a known last input dimension, got {input_shape}."
            )
        return in_dim

    def build(self, input_shape):
        in_dim = self._input_dim(input_shape)
        out_dim = self._out_dim
        old_total_in = (self.old_input_dim or 0) + self.old_trailing_inputs
        if self.old_input_dim is not None and old_total_in > in_dim:
            raise ValueError(
                f"`old_input_dim` + `old_trailing_inputs` = {self.old_input_dim} + "
                f"{self.old_trailing_inputs} exceeds the input size {in_dim}."
            )
        if self.old_output_dim is not None and self.old_output_dim > out_dim:
            raise ValueError(
                f"`old_output_dim` = {self.old_output_dim} exceeds the output size {out_dim}."
            )
        self.input_dim = in_dim
        in_old = np.ones(in_dim, dtype=bool)
        if self.old_input_dim is not None:
            in_old[self.old_input_dim : in_dim - self.old_trailing_inputs] = False
        out_old = np.ones(out_dim, dtype=bool)
        if self.old_output_dim is not None:
            out_old[self.old_output_dim :] = False
        self._in_old = in_old
        self._out_old = out_old
        self._grown = not (in_old.all() and out_old.all())
        self.kernel = self.add_weight(
            name="kernel",
            shape=self._kernel_shape(in_dim, out_dim),
            initializer=self.kernel_initializer,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias", shape=(out_dim,), initializer=self.bias_initializer
            )
        self.beta = self.add_weight(
            name="beta",
            shape=(),
            initializer=exact_constant(self.initial_beta),
            trainable=False,
        )

    # --------------------------------------------------------------- the fade
    def _old_kernel_mask(self):
        """Bool mask, broadcastable to the kernel: True where the entry existed before."""
        in_old = self._in_old[:, None]
        out_old = self._kernel_out_flags(self._out_old)[None, :]
        mask = np.logical_and(in_old, out_old)
        if self.raw_outputs_from is not None:  # the authors' `last=True` quirk: used unscaled
            raw = np.arange(self._out_dim) >= self.raw_outputs_from
            mask = np.logical_or(mask, self._kernel_out_flags(raw)[None, :])
        rank = len(self.kernel.shape)
        return mask.reshape((1,) * (rank - 2) + mask.shape)

    def effective_kernel(self):
        """The kernel used at run time: new entries multiplied by ``beta``."""
        kernel = ops.convert_to_tensor(self.kernel)
        if not self._grown:
            return kernel
        beta = ops.cast(self.beta, kernel.dtype)
        return kernel * ops.where(self._old_kernel_mask(), ops.ones_like(beta), beta)

    def effective_bias(self):
        """The bias used at run time (``None`` without bias): new entries times ``beta``."""
        if self.bias is None:
            return None
        bias = ops.convert_to_tensor(self.bias)
        if self._out_old.all() or self.raw_bias:
            return bias
        beta = ops.cast(self.beta, bias.dtype)
        return bias * ops.where(self._out_old, ops.ones_like(beta), beta)

    def call(self, inputs):
        kernel = ops.cast(self.effective_kernel(), inputs.dtype)
        outputs = self._linear(inputs, kernel)
        if self.bias is not None:
            outputs = outputs + ops.cast(self.effective_bias(), inputs.dtype)
        if self.activation is not None:
            outputs = self.activation(outputs)
        return outputs

    # ----------------------------------------------------------------- growth
    def _old_sizes(self):
        old_in = self.input_dim if self.old_input_dim is None else self.old_input_dim
        old_total_in = old_in + self.old_trailing_inputs
        old_out = self._out_dim if self.old_output_dim is None else self.old_output_dim
        return old_in, old_total_in, old_out

    def grown_weights(self, old):
        """The grown ``[kernel, bias]`` (``[kernel]`` without bias) as numpy arrays.

        The old weights are copied into the leading block: old input ``i <
        old_input_dim`` goes to input ``i``, the ``old_trailing_inputs`` last old inputs
        go to the last inputs, old output ``j`` goes to output ``j``. Every other entry is
        drawn fresh from ``kernel_initializer`` (default He normal, untruncated) and
        ``bias_initializer`` (default zeros), as the authors' ``subGAN.load`` does
        (normal draws for new kernel blocks, ``np.zeros`` appended to the biases). With
        ``beta = 0`` the grown layer then gives exactly the pre-growth layer's outputs on
        the old outputs and exactly 0 (before the activation, zero bias) on the new ones.

        The raw old kernel is copied: grow from a layer whose own ``beta`` is 1 (or that
        has no new entries), as the thesis does after each stable phase.

        Args:
            old: the pre-growth layer (anything with ``kernel`` and, with bias, ``bias``
                attributes: a plain Keras ``Dense`` / ``Conv2D`` or a β-faded layer),
                or its weights ``[kernel, bias]`` (``[kernel]`` without bias).
        """
        if not self.built:
            raise ValueError(
                f"{type(self).__name__}.grown_weights needs a built layer (call it or "
                "`build(input_shape)` first)."
            )
        if hasattr(old, "kernel"):
            old_bias = getattr(old, "bias", None)
            old = [old.kernel] + ([] if old_bias is None else [old_bias])
        old = [np.asarray(w.numpy() if hasattr(w, "numpy") else w) for w in old]
        expected = 2 if self.use_bias else 1
        if len(old) != expected:
            raise ValueError(
                f"`old` must hold {expected} array(s) (kernel{', bias' if self.use_bias else ''}) "
                f"for use_bias={self.use_bias}, got {len(old)}."
            )
        old_in, old_total_in, old_out = self._old_sizes()
        old_kernel_shape = self._kernel_shape(old_total_in, old_out)
        if tuple(old[0].shape) != tuple(old_kernel_shape):
            raise ValueError(
                f"`old` kernel must have shape {old_kernel_shape} (pre-growth layer), "
                f"got {old[0].shape}."
            )
        kernel_shape = tuple(self.kernel.shape)
        kernel = np.array(
            ops.convert_to_numpy(self.kernel_initializer(kernel_shape, dtype=self.kernel.dtype))
        )
        view = self._to_view(kernel, self.input_dim, self._out_dim)
        first_trailing = self.input_dim - self.old_trailing_inputs
        in_index = np.concatenate([np.arange(old_in), np.arange(first_trailing, self.input_dim)])
        view[in_index, ..., :old_out] = self._to_view(old[0], old_total_in, old_out)
        grown = [self._from_view(view).astype(kernel.dtype)]
        if self.use_bias:
            if tuple(old[1].shape) != (old_out,):
                raise ValueError(
                    f"`old` bias must have shape ({old_out},) (pre-growth layer), "
                    f"got {old[1].shape}."
                )
            bias = np.array(
                ops.convert_to_numpy(self.bias_initializer((self._out_dim,), dtype=self.bias.dtype))
            )
            bias[:old_out] = old[1]
            grown.append(bias)
        return grown

    def grow_from(self, old):
        """Assigns ``grown_weights(old)`` to ``kernel`` / ``bias`` (``beta`` is untouched)."""
        grown = self.grown_weights(old)
        self.kernel.assign(grown[0])
        if self.use_bias:
            self.bias.assign(grown[1])
        return grown

    # ----------------------------------------------------------------- config
    def get_config(self):
        config = super().get_config()
        config.update(
            old_input_dim=self.old_input_dim,
            old_output_dim=self.old_output_dim,
            old_trailing_inputs=self.old_trailing_inputs,
            initial_beta=self.initial_beta,
            raw_outputs_from=self.raw_outputs_from,
            raw_bias=self.raw_bias,
            activation=keras.activations.serialize(self.activation) if self.activation else None,
            use_bias=self.use_bias,
            kernel_initializer=keras.initializers.serialize(self.kernel_initializer),
            bias_initializer=keras.initializers.serialize(self.bias_initializer),
        )
        return config


_BETA_RULE = """
    Which entries are new (code ``ops.py::conv2d`` / ``conv4x4`` / ``dense`` with
    ``useBeta='y'``): a kernel entry is new when its input **or** its output did not exist
    before the growth, so the code's three β-scaled blocks are all covered: the
    new-input rows of the old outputs (``partially_new_new``), the whole block of the new
    outputs (``all_new``) and the new outputs' biases (``biases_new``). Inputs are laid out
    ``[old | new | trailing old]`` and outputs ``[old | new]`` (new ones appended, old
    weights in the leading block). The scaling is exact: ``beta = 0`` zeroes the new
    entries and ``beta = 1`` applies the raw kernel, so a pre-growth layer is reproduced
    exactly at ``beta = 0`` and the layer equals its plain Keras counterpart at ``beta = 1``.
    Known code deviations, selectable: the code leaves the new-input weights of some
    outputs unscaled in layers flagged ``last=True`` (clgGAN's old toRGB;
    ``raw_outputs_from``) and never scales ``conv4x4``'s (g1's) biases (``raw_bias``);
    by default every new entry is scaled (research/growing.md A10). Right after growth
    (β = 0, new biases 0) and at β = 1 both give the same outputs; during the fade they
    do not, and the gradients differ.

    ``beta`` is a non-trainable scalar variable (``layer.beta``, float32) that a schedule
    assigns (``layer.beta.assign(v)``; the thesis ramps it 0 -> 1 linearly over the 4 fade
    epochs, code ``beta += 0.25 / batch_idxs``, then holds 1); checkpoints carry it."""

_BETA_ARGS = """
        old_input_dim: number of leading input features / channels that existed before
            the growth; ``None`` if the inputs did not grow (e.g. clgGAN's old fromRGB,
            the code's ``first=True``).
        old_output_dim: number of leading outputs that existed before the growth;
            ``None`` if the outputs did not grow (D's final dense ``d1``, toRGB, bgGAN's
            ``g1``).
        old_trailing_inputs: number of trailing inputs that existed before the growth
            and stay last (1 for D's ``d3``, which reads the minibatch-stddev map:
            §6.2.6 last sentence, code ``conv2d(..., minibstd=True)``). Needs
            ``old_input_dim``.
        initial_beta: initial value of ``beta`` in [0, 1] (default 0: the state right
            after growth, §6.2.7).
        raw_outputs_from: ``None`` (every new entry is faded), or an output index from
            which the kernel is used unscaled, new inputs included: the authors' code with
            ``last=True`` (clgGAN's old toRGB: ``conv2d`` splits its 3 outputs at
            ``3 // 2 = 1`` and leaves outputs 1, 2 unscaled; growing.md A10).
        raw_bias: ``False`` (the new outputs' biases are faded) or ``True``: every bias is
            used unscaled, as the authors' ``conv4x4`` (g1) does: it slices its ``C``
            biases at ``output_dim // 2`` with ``output_dim = 16·C``, so ``biases_new`` is
            empty and the new channels' biases are trained and used at full weight during
            the fade (they start at 0, so β = 0 still gives the pre-growth outputs).
        activation: optional activation applied after the bias (the thesis applies
            LeakyReLU(0.2), which maps the zero new channels at ``beta = 0`` to 0).
        use_bias: add a bias.
        kernel_initializer: default ``N(0, sqrt(2 / fan_in))`` untruncated (He, §6.2.8);
            also draws the new entries in ``grown_weights``.
        bias_initializer: default zeros (§6.2.8; the code appends zero biases at growth).
        **kwargs: standard ``keras.layers.Layer`` arguments."""


def _fill_doc(cls):
    """Fills the shared ``{beta_rule}`` / ``{beta_args}`` parts of a class docstring."""
    cls.__doc__ = cls.__doc__.replace("{beta_rule}", _BETA_RULE).replace(
        "{beta_args}", _BETA_ARGS
    )
    return cls


@keras.saving.register_keras_serializable(package="tfgan_latent")
@_fill_doc
class BetaFadedDense(_BetaFadedBase):
    """Fully connected layer whose new inputs / outputs are faded in by ``beta``.

    ``y = x @ K̂ + b̂`` with kernel ``K`` of shape ``[in, units]``, where ``K̂`` and ``b̂``
    multiply every entry that is new since the growth by ``beta``. The thesis uses it
    for D's final dense layer ``d1`` (new input rows only). The MLP latent growth of
    §6.1 (a zero new kernel row, no fade) is ``BetaFadedDense(units, old_input_dim=1,
    initial_beta=1.0, kernel_initializer="zeros")`` followed by ``grow_from(old)``.
{beta_rule}

    Args:
        units: number of outputs.{beta_args}

    Reference: Sandström 2019, §6.2.7 (``ŵ = β·w``); layout and scaled blocks from the
    authors' ``celebA/clgGAN/code/ops.py::dense`` and ``subGAN.load`` (stage ``'f'``).
    """

    def __init__(self, units, **kwargs):
        if isinstance(units, bool) or not isinstance(units, int) or units < 1:
            raise ValueError(f"`units` must be a positive int, got {units!r}.")
        super().__init__(**kwargs)
        self.units = units
        self._out_dim = units

    def _kernel_shape(self, in_dim, out_dim):
        return (in_dim, out_dim)

    def _kernel_out_flags(self, out_old):
        return out_old

    def _to_view(self, kernel, in_dim, out_dim):
        return kernel

    def _from_view(self, view):
        return view

    def _linear(self, inputs, kernel):
        return ops.matmul(inputs, kernel)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        config = super().get_config()
        config.update(units=self.units)
        return config


@keras.saving.register_keras_serializable(package="tfgan_latent")
@_fill_doc
class BetaFadedConv2D(_BetaFadedBase):
    """2-D convolution (channels last) whose new input / output channels are faded in.

    Kernel ``[kh, kw, in, filters]``; old weights in the leading block
    ``[:, :, :old_input_dim, :old_output_dim]`` (plus the trailing old inputs). Used for
    every conv of cgGAN / clgGAN whose channel count doubles, the old fromRGB (outputs
    only) and the old toRGB (inputs only) of clgGAN (§6.2.7 last paragraph), and D's
    ``d3`` after the minibatch-stddev map (``old_trailing_inputs=1``).
{beta_rule}

    Args:
        filters: number of output channels.
        kernel_size: int or pair.
        strides: int or pair.
        padding: ``"valid"`` or ``"same"`` (TF semantics; the thesis convs are
            ``"same"`` except the 4x4 ``d2``, which is ``"valid"``).{beta_args}

    Reference: Sandström 2019, §6.2.7 (``ŵ = β·w``), §6.2.6 (d3 keeps reading the
    stddev map); layout and scaled blocks from the authors'
    ``celebA/clgGAN/code/ops.py::conv2d`` and ``subGAN.load`` (stage ``'f'``).
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", **kwargs):
        if isinstance(filters, bool) or not isinstance(filters, int) or filters < 1:
            raise ValueError(f"`filters` must be a positive int, got {filters!r}.")
        padding = str(padding).lower()
        if padding not in ("valid", "same"):
            raise ValueError(f"`padding` must be 'valid' or 'same', got {padding!r}.")
        kernel_size = int_pair(kernel_size, "kernel_size")
        strides = int_pair(strides, "strides")
        super().__init__(**kwargs)
        self.filters = filters
        self.kernel_size = kernel_size
        self.strides = strides
        self.padding = padding
        self._out_dim = filters

    def build(self, input_shape):
        if len(input_shape) != 4:
            raise ValueError(
                f"BetaFadedConv2D needs inputs of rank 4 (batch, height, width, channels), "
                f"got {input_shape}."
            )
        super().build(input_shape)

    def _kernel_shape(self, in_dim, out_dim):
        return tuple(self.kernel_size) + (in_dim, out_dim)

    def _kernel_out_flags(self, out_old):
        return out_old

    def _to_view(self, kernel, in_dim, out_dim):
        return np.moveaxis(kernel, 2, 0)  # [in, kh, kw, out] (a view: writes go through)

    def _from_view(self, view):
        return np.moveaxis(view, 0, 2)

    def _linear(self, inputs, kernel):
        return ops.conv(
            inputs, kernel, strides=self.strides, padding=self.padding,
            data_format="channels_last",
        )

    def compute_output_shape(self, input_shape):
        spatial = []
        for size, k, s in zip(input_shape[1:3], self.kernel_size, self.strides):
            if size is None:
                spatial.append(None)
            elif self.padding == "same":
                spatial.append(-(-size // s))
            else:
                spatial.append((size - k) // s + 1)
        return (input_shape[0], *spatial, self.filters)

    def get_config(self):
        config = super().get_config()
        config.update(
            filters=self.filters,
            kernel_size=self.kernel_size,
            strides=self.strides,
            padding=self.padding,
        )
        return config


@keras.saving.register_keras_serializable(package="tfgan_latent")
@_fill_doc
class BetaFadedLatentProjection(_BetaFadedBase):
    """G's first layer ``g1``: latent ``z`` -> ``[size, size, filters]``, β-faded.

    ``y = reshape(z @ K̂, [size, size, filters]) + b̂`` with a bias-free kernel ``K`` of
    shape ``[z_dim, size·size·filters]`` (row-major reshape, column
    ``(h·size + w)·filters + c``) and a **per-channel** bias of shape ``[filters]``: the
    thesis's 4x4 "full"-padded convolution on a 1x1xz input (§6.2.8; code ``conv4x4``,
    kernel ``[z, 16C]``, biases ``[C]``). Inputs must have rank 2 ``[batch, z_dim]``.
    The new output channels are the new ``c >= old_output_dim`` at every position
    (the code reshapes the kernel to ``[z, 4, 4, C]`` to split them), new latent rows
    are ``>= old_input_dim``. bgGAN grows only the latent rows (``old_output_dim=None``);
    cgGAN / clgGAN grow both. With no growth arguments this is a plain ``g1``.
{beta_rule}

    Args:
        filters: number of output channels ``C``.
        size: spatial size of the output map (thesis: 4).{beta_args}

    Reference: Sandström 2019, §6.2.8 (g1 as a 4x4 conv), §6.2.7 (``ŵ = β·w``);
    layout and scaled blocks from the authors' ``celebA/clgGAN/code/ops.py::conv4x4``
    and ``subGAN.load`` (stage ``'f'``, the ``kernel`` branch).
    """

    def __init__(self, filters, size=4, **kwargs):
        if isinstance(filters, bool) or not isinstance(filters, int) or filters < 1:
            raise ValueError(f"`filters` must be a positive int, got {filters!r}.")
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError(f"`size` must be a positive int, got {size!r}.")
        if kwargs.get("old_trailing_inputs"):
            raise ValueError(
                "`old_trailing_inputs` must be 0 for BetaFadedLatentProjection (new latent "
                f"rows are appended last), got {kwargs['old_trailing_inputs']!r}."
            )
        super().__init__(**kwargs)
        self.filters = filters
        self.size = size
        self._out_dim = filters

    def build(self, input_shape):
        if len(input_shape) != 2:
            raise ValueError(
                "BetaFadedLatentProjection needs inputs of rank 2 (batch, z_dim), "
                f"got {input_shape}."
            )
        super().build(input_shape)

    def _kernel_shape(self, in_dim, out_dim):
        return (in_dim, self.size * self.size * out_dim)

    def _kernel_out_flags(self, out_old):
        return np.tile(out_old, self.size * self.size)

    def _to_view(self, kernel, in_dim, out_dim):
        return kernel.reshape(in_dim, self.size, self.size, out_dim)  # a view (contiguous)

    def _from_view(self, view):
        return view.reshape(view.shape[0], -1)

    def _linear(self, inputs, kernel):
        outputs = ops.matmul(inputs, kernel)
        return ops.reshape(outputs, (-1, self.size, self.size, self.filters))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.size, self.size, self.filters)

    def get_config(self):
        config = super().get_config()
        config.update(filters=self.filters, size=self.size)
        return config


@keras.saving.register_keras_serializable(package="tfgan_latent")
class AlphaFade(keras.layers.Layer):
    """``(1 - alpha) * old + alpha * new`` of two same-shape tensors (layer fade-in).

    Called on ``[old, new]``. ``alpha`` is a non-trainable scalar variable
    (``layer.alpha``, float32) that a schedule assigns (thesis: 0 -> 1 linearly over the
    4 fade epochs, code ``alpha += 0.25 / batch_idxs``, then 1); checkpoints carry it.
    ``alpha = 0`` returns ``old`` and ``alpha = 1`` returns ``new`` exactly. ``alpha`` is
    not clipped (as in the authors' code; ProGAN's ``lerp_clip`` clips).

    Where the thesis models (lgGAN, clgGAN) put it (authors' ``model.py``):

    * G: ``tanh(AlphaFade()([toRGB_old(up2(h_prev)), toRGB_new(h_new)]))``: the blend is
      taken **before** tanh. ``h_prev`` is the (LReLU) output of the last layer at the
      previous resolution, ``up2`` nearest-neighbour x2 upsampling, ``toRGB_old`` the
      previous cycle's 1x1 conv (g3_4), ``h_new`` the output of the two new convs.
    * D: ``AlphaFade()([lrelu(fromRGB_old(avgpool2(x))), avgpool2(h_new)])`` at the first
      downsampling, where ``h_new`` is the output of the new fromRGB and the two new
      convs (each followed by LReLU) and ``fromRGB_old`` is the previous cycle's 1x1
      conv (d4_4). The blend feeds the old layers.

    At ``alpha = 0`` (with ``beta = 0``, ``tau = 0``) the grown G equals ``up2`` of the old
    G and the grown D equals the old D on ``avgpool2(x)``.

    Args:
        initial_alpha: initial value of ``alpha`` in [0, 1] (default 0: the state right
            after growth).
        **kwargs: standard ``keras.layers.Layer`` arguments.

    Reference: Sandström 2019, §6.2.4 and §6.2.7, Fig. 6 (after Karras et al. 2018,
    §3); blend points from the authors' ``celebA/clgGAN/code/model.py`` (``g_smoothed``,
    ``d_smoothed``).
    """

    def __init__(self, initial_alpha=0.0, **kwargs):
        super().__init__(**kwargs)
        self.initial_alpha = _check_unit_interval(initial_alpha, "initial_alpha")

    def build(self, input_shape):
        if (
            not isinstance(input_shape, (list, tuple))
            or len(input_shape) != 2
            or not isinstance(input_shape[0], (list, tuple))
        ):
            raise ValueError(
                f"AlphaFade must be called on a pair [old, new], got input shape {input_shape}."
            )
        old_shape, new_shape = (tuple(s) for s in input_shape)
        if len(old_shape) != len(new_shape) or any(
            a is not None and b is not None and a != b
            for a, b in zip(old_shape[1:], new_shape[1:])
        ):
            raise ValueError(
                f"AlphaFade needs `old` and `new` of the same shape, got {old_shape} and "
                f"{new_shape}."
            )
        self.alpha = self.add_weight(
            name="alpha",
            shape=(),
            initializer=exact_constant(self.initial_alpha),
            trainable=False,
        )

    def call(self, inputs):
        old, new = inputs
        alpha = ops.cast(self.alpha, new.dtype)
        return (1.0 - alpha) * ops.cast(old, new.dtype) + alpha * new

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[1])

    def get_config(self):
        config = super().get_config()
        config.update(initial_alpha=self.initial_alpha)
        return config


# ------------------------------------------------------------- real-image fades
def _image_shape(images, name="images"):
    shape = tuple(images.shape)
    if len(shape) != 4 or None in shape[1:]:
        raise ValueError(
            f"`{name}` must be a rank-4 [batch, height, width, channels] tensor with known "
            f"height, width and channels, got shape {shape}."
        )
    return shape


def _check_alpha(alpha):
    if isinstance(alpha, numbers.Real):
        return _check_unit_interval(alpha, "alpha")
    return alpha


def _downsample(images, fh, fw):
    """Box (fh x fw average pooling, VALID) downsampling; sizes must divide."""
    _, h, w, c = images.shape
    if fh == fw == 1:
        return images
    blocks = ops.reshape(images, (-1, h // fh, fh, w // fw, fw, c))
    return ops.mean(blocks, axis=(2, 4))


def _upsample(images, fh, fw):
    """Nearest-neighbour upsampling: every pixel copied into an fh x fw block."""
    return ops.repeat(ops.repeat(images, fh, axis=1), fw, axis=2)


def fade_real_images(images, alpha, factor=2):
    """The real images D sees while a new resolution fades in (lgGAN, clgGAN).

    ``(1 - alpha) * up(down(images)) + alpha * images``, where ``down`` is
    ``factor x factor`` average pooling and ``up`` nearest-neighbour upsampling by
    ``factor``: at ``alpha = 0`` the images carry only the previous resolution's content
    (the image the previous cycle's D saw, pixel-replicated), at ``alpha = 1`` the full
    current resolution. The authors' ``get_image_interpolate`` resizes the 128x128 crop
    with PIL (bilinear, antialiased); box averaging is used here so that repeated halving
    from 128 equals one direct box downsampling (research/growing.md A13).

    Args:
        images: float tensor ``[batch, r, r, channels]`` at the current resolution
            (height and width divisible by ``factor``).
        alpha: Python float in [0, 1] or a scalar tensor / variable (e.g. the
            ``AlphaFade`` layer's ``alpha``).
        factor: the growth factor between resolutions (thesis: 2).

    Returns:
        A tensor of the shape and dtype of ``images``.

    Reference: Sandström 2019, §6.2.7, Fig. 5 (after Karras et al. 2018, App. A.1);
    authors' ``celebA/clgGAN/code/utils.py::get_image_interpolate``.
    """
    if isinstance(factor, bool) or not isinstance(factor, int) or factor < 1:
        raise ValueError(f"`factor` must be a positive int, got {factor!r}.")
    alpha = _check_alpha(alpha)
    images = ops.convert_to_tensor(images)
    _, h, w, _ = _image_shape(images)
    if h % factor or w % factor:
        raise ValueError(
            f"`images` height and width must be divisible by `factor`={factor}, got {h}x{w}."
        )
    alpha = ops.cast(alpha, images.dtype)
    coarse = _upsample(_downsample(images, factor, factor), factor, factor)
    return (1.0 - alpha) * coarse + alpha * images


def coarsen_real_images(images, resolution, alpha=1.0):
    """The real images D sees in bgGAN / cgGAN: reduced content at the full size.

    The images are box-downsampled to ``resolution x resolution`` and nearest-upsampled
    back to their own size (the thesis uses ``resolution = z_dim / 2``: 4x4 at z = 8, ...,
    128x128 at z = 256, Fig. 4). With ``alpha < 1`` they are cross-faded with the content
    at ``resolution / 2``: ``(1 - alpha) * up(down_{r/2}(x)) + alpha * up(down_r(x))``, the
    code's fade of every cycle, cycle 1 included (``useAlpha = y.y.y.y.y.y``).

    Args:
        images: float tensor ``[batch, H, W, channels]`` (thesis: the 128x128 crop);
            ``H`` and ``W`` must be divisible by ``resolution``.
        resolution: the target content resolution ``r``, an even positive int (the fade
            needs ``r / 2``).
        alpha: Python float in [0, 1] or a scalar tensor / variable.

    Returns:
        A tensor of the shape and dtype of ``images``.

    Reference: Sandström 2019, §6.2.7, Fig. 4 and 5; authors'
    ``celebA/cgGAN/code/utils.py::get_image_interpolate`` (PIL resizing there, box
    averaging here, research/growing.md A13).
    """
    if (
        isinstance(resolution, bool)
        or not isinstance(resolution, int)
        or resolution < 2
        or resolution % 2
    ):
        raise ValueError(f"`resolution` must be an even int >= 2, got {resolution!r}.")
    alpha = _check_alpha(alpha)
    images = ops.convert_to_tensor(images)
    _, h, w, _ = _image_shape(images)
    if h % resolution or w % resolution:
        raise ValueError(
            f"`images` height and width must be divisible by `resolution`={resolution}, "
            f"got {h}x{w}."
        )
    fh, fw = h // resolution, w // resolution
    reduced = fade_real_images(_downsample(images, fh, fw), alpha, factor=2)
    return _upsample(reduced, fh, fw)
