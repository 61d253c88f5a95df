"""TPReLU: a PReLU with a learned threshold (Xiang & Li 2017), as used by LIS (Jung 2017)."""
import keras
from keras import ops

from tfgan_latent.checks import check_rank


@keras.saving.register_keras_serializable(package="tfgan_latent")
class TPReLU(keras.layers.Layer):
    """Thresholded PReLU with one slope and one threshold per channel.

    ``TPReLU(x) = PReLU(x - b; clip(a, 0, 1)) + b``, i.e. ``x`` where ``x > b`` and
    ``b + clip(a, 0, 1) * (x - b)`` elsewhere (both give ``b`` at ``x == b``). The slope
    ``a`` is clipped in the forward pass only: the stored variable is unclipped and
    receives zero gradient while it lies outside the clip range. At ``x == b`` the
    gradient follows PyTorch's PReLU (the negative-side slope), as in the authors' code.

    Args:
        axis: the channel axis; ``a`` and ``b`` have one entry per channel and are
            shared over every other axis (authors' code: one pair per feature of a
            dense layer / per feature map of a conv layer). Default: last axis.
        alpha_initializer: initializer of the slope ``a`` (authors' code: 0.25).
        threshold_initializer: initializer of the threshold ``b`` (authors' code: 0).
        alpha_clip: ``(low, high)`` range ``a`` is clipped to in the forward pass
            (authors' code: ``(0, 1)``); ``None`` for no clipping.
        **kwargs: standard ``keras.layers.Layer`` arguments (``name``, ``dtype``, ...).

    Reference: Jung 2017, §3 and App. J ("PReLUs with learned thresholds"); the form
    and initial values are those of the authors' ``common/modules/TPReLU.py``
    (Xiang & Li 2017, arXiv 1704.03971).
    """

    def __init__(
        self,
        axis=-1,
        alpha_initializer=keras.initializers.Constant(0.25),
        threshold_initializer="zeros",
        alpha_clip=(0.0, 1.0),
        **kwargs,
    ):
        super().__init__(**kwargs)
        if alpha_clip is not None:
            alpha_clip = (float(alpha_clip[0]), float(alpha_clip[1]))
            if alpha_clip[0] > alpha_clip[1]:
                raise ValueError(
                    f"`alpha_clip` must be (low, high) with low <= high, got {alpha_clip}."
                )
        self.axis = int(axis)
        self.alpha_initializer = keras.initializers.get(alpha_initializer)
        self.threshold_initializer = keras.initializers.get(threshold_initializer)
        self.alpha_clip = alpha_clip
        self.supports_masking = True

    def build(self, input_shape):
        check_rank(self, input_shape, range(2, 9), "a batch of features or maps (rank >= 2)")
        rank = len(input_shape)
        axis = self.axis % rank
        channels = input_shape[axis]
        if channels is None:
            raise ValueError(
                f"TPReLU needs a known channel dimension (axis {self.axis}), got {input_shape}."
            )
        self.alpha = self.add_weight(
            name="alpha", shape=(channels,), initializer=self.alpha_initializer
        )
        self.threshold = self.add_weight(
            name="threshold", shape=(channels,), initializer=self.threshold_initializer
        )

    def call(self, inputs):
        rank = len(inputs.shape)
        axis = self.axis % rank
        shape = tuple(-1 if i == axis else 1 for i in range(rank))
        alpha = ops.cast(self.alpha, inputs.dtype)
        if self.alpha_clip is not None:
            alpha = ops.clip(alpha, self.alpha_clip[0], self.alpha_clip[1])
        alpha = ops.reshape(alpha, shape)
        threshold = ops.reshape(ops.cast(self.threshold, inputs.dtype), shape)
        shifted = inputs - threshold
        return ops.where(shifted > 0, shifted, alpha * shifted) + threshold

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            axis=self.axis,
            alpha_initializer=keras.initializers.serialize(self.alpha_initializer),
            threshold_initializer=keras.initializers.serialize(self.threshold_initializer),
            alpha_clip=self.alpha_clip,
        )
        return config
