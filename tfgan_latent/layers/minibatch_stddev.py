"""Minibatch standard deviation with the τ-smoothed statistic of latent-space growing."""
import math

import keras
from keras import ops

from tfgan_latent.layers.fading import exact_constant


@keras.saving.register_keras_serializable(package="tfgan_latent")
class MinibatchStddev(keras.layers.Layer):
    """Appends one constant feature map holding the minibatch standard deviation.

    For an input ``x`` of shape ``[B, H, W, C]`` (channels last; any rank >= 2 works the
    same way) the layer computes, over the **whole minibatch** (``group_size=None``, the
    thesis) or over each ProGAN group (``group_size=G``, below):

        sigma[h, w, c] = sqrt(mean_b (x[b, h, w, c] - mean_b x[b, h, w, c])^2 + epsilon)

    (biased / population variance, ``epsilon`` inside the square root), reduces it to one
    scalar ``s`` and returns ``concat([x, s * ones([B, H, W, 1])], axis=-1)``, i.e.
    ``C + 1`` channels with the new map **last**. The statistic is computed in the input's
    dtype (float32 for 16-bit inputs) and cast back to it.

    * ``use_tau=False``: ``s = mean_{h, w, c} sigma`` (the plain statistic; the code's
      ``useTau='n'``).
    * ``use_tau=True``: the channels split into the "old" ones (the first
      ``old_channels``, by default ``C // 2``, the channels that existed before the
      last channel growth) and the "new" ones (the rest), and

          s = (1 - tau) * mean_{h, w, c < old} sigma + tau * mean_{h, w, c >= old} sigma

      (Eq. 15, whose garbled ``std_2 + std_2`` reads ``std_1 + std_2`` in the Fig. 3
      example; the code's split is ``y[:, :, :C//2]`` / ``y[:, :, C//2:]``). ``tau = 0``
      uses only the old channels, which is exactly the statistic of the pre-growth
      network (its ``C/2`` channels are the old ones), so a freshly grown D reproduces
      the old D. ``tau = 1`` uses only the new channels (not used by the thesis
      schedule). The thesis ramps ``tau`` linearly 0 -> 1/2 over the fade epochs and
      then holds it at 1/2 (§7.2.3; code ``tau += 0.125 / batch_idxs``); with equal
      halves ``tau = 1/2`` equals the plain statistic (up to float rounding). For an
      unequal split, the plain statistic is reached at ``tau = (C - old) / C``.

    Groups (``group_size=G``; Karras et al. 2018, ``networks.py::minibatch_stddev_layer``,
    which the authors' bGAN and lgGAN ``ops.py`` use with G = 4): with ``G' = min(G, B)``
    (``B`` must be a multiple of ``G'``) and ``M = B / G'``, sample ``b`` belongs to group
    ``b mod M`` (the code reshapes ``[B, ...]`` to ``[G', M, ...]``, so a group is the
    **strided** set ``{m, m + M, m + 2M, ...}``, not ``G'`` consecutive samples). Each
    group gets its own ``sigma`` (over its ``G'`` members), its own ``s`` (τ split as
    above) and its members the map ``s[b mod M]``. ``G >= B`` is the whole minibatch.
    The thesis's text computes the statistic "over the minibatch" (§6.2.6, Fig. 3), as
    its bgGAN, cgGAN and clgGAN code does.

    ``tau`` is a non-trainable scalar variable (``layer.tau``, the layer's variable
    dtype), so a schedule can ``layer.tau.assign(value)`` between steps without
    retracing and ``tf.train.Checkpoint`` / ``get_weights`` carry it. With
    ``use_tau=False`` there is no such variable (``layer.tau`` is ``None``).

    Batch size 1 (or groups of one): the variance is exactly 0, so every ``sigma`` is
    ``sqrt(epsilon)`` (``1e-4`` by default) and ``s = sqrt(epsilon)`` for every ``tau``;
    the value and its gradient are finite (this is what the authors' code computes).
    Under a ``tf.distribute`` strategy the minibatch is the per-replica batch.

    Args:
        use_tau: use the τ-smoothed statistic of Eq. 15 (clgGAN, and cgGAN per §6.2.6)
            instead of the plain mean (bGAN, bgGAN, lgGAN, and the first cycle).
        old_channels: number of leading channels counted as "old" by the τ split;
            ``None`` (the code) uses ``C // 2``. Must leave at least one channel on
            each side. Ignored when ``use_tau=False``.
        initial_tau: initial value of the ``tau`` variable, in ``[0, 1]``. The default
            1/2 is the stable value; a growth schedule assigns 0 right after growth.
        epsilon: added to the variance inside the square root (code: 1e-8).
        group_size: ``None`` (default): the whole minibatch (thesis §6.2.6); a positive
            int: ProGAN's strided groups of that size (the authors' bGAN / lgGAN: 4).
        **kwargs: standard ``keras.layers.Layer`` arguments (``name``, ``dtype``, ...).

    Reference: Sandström 2019, §6.2.6, Eq. 15 and Fig. 3 (after Karras et al. 2018,
    §3); resolved from the authors' ``celebA/clgGAN/code/ops.py::minibatch_stddev_layer``
    (whole batch, τ) and ``celebA/bGAN/code/ops.py:73-87`` (groups of 4).
    """

    def __init__(
        self,
        use_tau=True,
        old_channels=None,
        initial_tau=0.5,
        epsilon=1e-8,
        group_size=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if old_channels is not None and (
            isinstance(old_channels, bool) or not isinstance(old_channels, int) or old_channels < 1
        ):
            raise ValueError(
                f"`old_channels` must be None or a positive int, got {old_channels!r}."
            )
        initial_tau = float(initial_tau)
        if not 0.0 <= initial_tau <= 1.0:
            raise ValueError(f"`initial_tau` must be in [0, 1], got {initial_tau}.")
        epsilon = float(epsilon)
        if not (epsilon >= 0.0 and math.isfinite(epsilon)):
            raise ValueError(f"`epsilon` must be a finite float >= 0, got {epsilon}.")
        if group_size is not None and (
            isinstance(group_size, bool) or not isinstance(group_size, int) or group_size < 1
        ):
            raise ValueError(f"`group_size` must be None or a positive int, got {group_size!r}.")
        self.use_tau = bool(use_tau)
        self.group_size = group_size
        self.old_channels = old_channels
        self.initial_tau = initial_tau
        self.epsilon = epsilon
        self.tau = None

    def _split(self, channels):
        old = channels // 2 if self.old_channels is None else self.old_channels
        if not 1 <= old <= channels - 1:
            raise ValueError(
                "MinibatchStddev with `use_tau=True` needs at least one old and one new "
                f"channel: `old_channels`={self.old_channels!r} with {channels} input "
                "channels (expected 1 <= old_channels <= channels - 1, and channels >= 2)."
            )
        return old

    def build(self, input_shape):
        if len(input_shape) < 2:
            raise ValueError(
                "MinibatchStddev needs inputs of rank >= 2 (batch, ..., channels), "
                f"got {input_shape}."
            )
        channels = input_shape[-1]
        if channels is None:
            raise ValueError(
                f"MinibatchStddev needs a known channel dimension, got {input_shape}."
            )
        if self.use_tau:
            self._split(channels)
            self.tau = self.add_weight(
                name="tau",
                shape=(),
                initializer=exact_constant(self.initial_tau),
                trainable=False,
            )

    @staticmethod
    def _compute_dtype(inputs):
        dtype = keras.backend.standardize_dtype(inputs.dtype)
        return "float32" if dtype in ("float16", "bfloat16") else dtype

    def _groups(self, x):
        """``(x as [G', M, ...], G')``: ProGAN's strided groups (the whole batch: G' = B)."""
        batch = ops.shape(x)[0]
        if self.group_size is None:
            return x[:, None], 1
        size = ops.minimum(self.group_size, batch)
        return ops.reshape(x, (size, -1) + tuple(x.shape[1:])), size

    def group_statistic(self, inputs):
        """The scalar ``s`` of each group, ``[M]`` (``[1]`` for the whole minibatch)."""
        x = ops.cast(inputs, self._compute_dtype(inputs))
        grouped, _ = self._groups(x)
        centered = grouped - ops.mean(grouped, axis=0, keepdims=True)
        sigma = ops.sqrt(ops.mean(ops.square(centered), axis=0) + self.epsilon)  # [M, ...]
        axes = tuple(range(1, len(sigma.shape)))
        if not self.use_tau:
            return ops.mean(sigma, axis=axes)
        old = self._split(inputs.shape[-1])
        tau = ops.cast(self.tau, x.dtype)
        return ((1.0 - tau) * ops.mean(sigma[..., :old], axis=axes)
                + tau * ops.mean(sigma[..., old:], axis=axes))

    def statistic(self, inputs):
        """The scalar ``s`` the layer appends (whole minibatch; with groups, the first
        group's), in the compute dtype (float32 for 16-bit inputs)."""
        return self.group_statistic(inputs)[0]

    def call(self, inputs):
        stat = self.group_statistic(inputs)  # [M]
        if self.group_size is not None:
            _, size = self._groups(inputs)
            stat = ops.tile(stat, (size,))  # sample b gets group b mod M
        stat = ops.reshape(ops.cast(stat, inputs.dtype), (-1,) + (1,) * (len(inputs.shape) - 1))
        feature_map = ops.ones_like(inputs[..., :1]) * stat
        return ops.concatenate([inputs, feature_map], axis=-1)

    def compute_output_shape(self, input_shape):
        channels = input_shape[-1]
        return tuple(input_shape[:-1]) + (None if channels is None else channels + 1,)

    def get_config(self):
        config = super().get_config()
        config.update(
            use_tau=self.use_tau,
            old_channels=self.old_channels,
            initial_tau=self.initial_tau,
            epsilon=self.epsilon,
            group_size=self.group_size,
        )
        return config
