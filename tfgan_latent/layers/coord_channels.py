"""CoordConv's coordinate channels (Liu et al. 2018)."""
import keras
from keras import ops


@keras.saving.register_keras_serializable(package="tfgan_latent")
class AddCoordChannels(keras.layers.Layer):
    """Appends two constant maps holding each pixel's column and row coordinate.

    For an input ``[B, H, W, C]`` (channels last) the layer returns ``[B, H, W, C + 2]``:
    the input, then ``x[b, i, j] = 2 (j + 0.5) / W − 1`` (column, left to right) and
    ``y[b, i, j] = 2 (i + 0.5) / H − 1`` (row, top to bottom), both in (−1, 1).

    A convolution that follows can then place what it draws by position, which a plain
    convolution (translation-equivariant, and blind to position away from the borders)
    cannot: the "CoordConv" layer of Liu et al. 2018, "An intriguing failing of convolutional
    neural networks and the CoordConv solution" (NeurIPS), §3 and Fig. 3 (the i and j
    coordinate channels, scaled to [−1, 1]); §6 uses it in the generator and discriminator of
    GANs on images of simple shapes. The paper's channels run from −1 at the first pixel to
    +1 at the last; these are at pixel centres instead (the same convention as
    ``tfgan_latent.data.shapes``), so a map has the same coordinates at every resolution of a
    generator. The maps take the layer's compute dtype (bfloat16 under
    ``mixed_bfloat16``).

    Args:
        **kwargs: standard ``keras.layers.Layer`` arguments (``name``, ``dtype``, ...).
    """

    def build(self, input_shape):
        if len(input_shape) != 4 or input_shape[1] is None or input_shape[2] is None:
            raise ValueError(
                "AddCoordChannels needs inputs [batch, height, width, channels] with a known "
                f"height and width, got {input_shape}."
            )

    def call(self, inputs):
        h, w = inputs.shape[1], inputs.shape[2]
        rows = (ops.arange(h, dtype="float32") + 0.5) * (2.0 / h) - 1.0
        cols = (ops.arange(w, dtype="float32") + 0.5) * (2.0 / w) - 1.0
        grid = ops.stack([ops.tile(cols[None, :], (h, 1)), ops.tile(rows[:, None], (1, w))], -1)
        grid = ops.cast(grid, inputs.dtype)[None]
        return ops.concatenate([inputs, ops.zeros_like(inputs[..., :1]) + grid], axis=-1)

    def compute_output_shape(self, input_shape):
        channels = input_shape[-1]
        return tuple(input_shape[:-1]) + (None if channels is None else channels + 2,)
