"""A discriminator that also sees the features of a frozen, pre-trained extractor (RFGAN).

``RepresentativeFeatureDiscriminator(trunk, feature_extractor)`` computes
``logit(x) = [h2, h1]·[w2; w1] + b`` with ``h2 = vec(trunk(x))`` the discriminator's own last
conv block and ``h1 = vec(E(x))`` the frozen encoder's last conv block (Bang & Shim 2018 §3.1,
Fig. 1). Any Keras trunk and any Keras extractor work (a denoising AE's encoder from
``--model=dae``, or a user's own model).

The extractor never trains: ``trainable = False`` (so it is in no optimizer's variable list),
and it is always called with ``training=False`` (BatchNorm uses its moving statistics, which
therefore never change either; the authors' code let its logging ops update them, a drift we
do not copy, research/rfgan.md §1.1). Gradients still flow *through* it: to the generator
(G is trained "considering both representative and discriminative features", §3.1) and into
gradient penalties, which are taken on the whole composite D (research/rfgan.md §1.4).

Merge (authors' ``RFGAN.discriminator``: ``tf.concat([D_conv4, E_conv4], axis=3)``, flatten,
``linear(·, 1)``): ``"channel"`` concatenates the two maps channel-wise, trunk first, then
flattens; ``"flatten"`` flattens each and concatenates (the same function up to a permutation
of the head's weights; it works for any two shapes); ``"auto"`` picks ``channel`` when all
but the channel axis match.
"""
import json
from pathlib import Path

import keras
import numpy as np
from keras import layers, ops

from tfgan_latent.models import nets
from tfgan_latent.models.nested import NestedModelsConfig

MERGES = ("auto", "channel", "flatten")


def _feature_shape(model, name):
    if not isinstance(model, keras.Model) or not getattr(model, "outputs", None):
        raise ValueError(f"`{name}` must be a built functional keras.Model, got "
                         f"{type(model).__name__}.")
    if len(model.outputs) != 1:
        raise ValueError(f"`{name}` must have one output, got {len(model.outputs)}.")
    shape = tuple(model.outputs[0].shape[1:])
    if any(d is None for d in shape):
        raise ValueError(f"`{name}` output must have a static shape, got {shape}.")
    return shape


def resolve_merge(merge, trunk_shape, feature_shape):
    """``"channel"`` or ``"flatten"`` for the two feature shapes (see the module docstring)."""
    if merge not in MERGES:
        raise ValueError(f"`merge` must be one of {MERGES}, got {merge!r}.")
    maps_match = (len(trunk_shape) >= 2 and len(trunk_shape) == len(feature_shape)
                  and trunk_shape[:-1] == feature_shape[:-1])
    if merge == "channel" and not maps_match:
        raise ValueError(
            f"merge='channel' needs feature maps of equal spatial shape, but the discriminator "
            f"trunk gives {trunk_shape} and the feature extractor {feature_shape}; use "
            f"merge='flatten' (or 'auto'), or an encoder with the discriminator's trunk "
            f"architecture.")
    if merge == "auto":
        return "channel" if maps_match else "flatten"
    return merge


@keras.saving.register_keras_serializable(package="tfgan_latent")
class RepresentativeFeatureDiscriminator(NestedModelsConfig, keras.Model):
    """``Dense(1)`` on the discriminator trunk's features concatenated with frozen features.

    Args:
        trunk: a functional ``keras.Model``, data → the discriminator's own features
            (``nets.discriminator_trunk(d)`` cuts a DCGAN/MLP discriminator's output off).
        feature_extractor: a functional ``keras.Model`` on the same data, frozen here.
        merge: ``"auto"``, ``"channel"`` or ``"flatten"`` (module docstring).
        head_init: the head's kernel initializer, ``"normal"`` (N(0, 0.02), the DCGAN init of
            the paper's reference code) or ``"glorot"`` (Xavier uniform: the authors' ``linear``
            op, ``ops.py``); the bias starts at 0 either way.
        **kwargs: ``keras.Model`` arguments (``name``).

    Reference: Bang & Shim 2018, "Improved Training of GANs using Representative Features",
    §3.1 and Fig. 1.
    """

    def __init__(self, trunk, feature_extractor, *, merge="auto", head_init="normal", **kwargs):
        super().__init__(**kwargs)
        trunk_shape = _feature_shape(trunk, "trunk")
        feature_shape = _feature_shape(feature_extractor, "feature_extractor")
        if tuple(trunk.inputs[0].shape[1:]) != tuple(feature_extractor.inputs[0].shape[1:]):
            raise ValueError(
                f"the discriminator trunk takes inputs of shape {tuple(trunk.inputs[0].shape[1:])} "
                f"but the feature extractor takes {tuple(feature_extractor.inputs[0].shape[1:])}; "
                "they must see the same data.")
        self.trunk = trunk
        self.feature_extractor = feature_extractor
        self.feature_extractor.trainable = False
        self.merge = merge
        self.resolved_merge = resolve_merge(merge, trunk_shape, feature_shape)
        self.trunk_size = int(np.prod(trunk_shape))
        self.feature_size = int(np.prod(feature_shape))
        self.head_init = head_init
        self.head = layers.Dense(1, kernel_initializer=nets.initializer(head_init, "rf_head_init"),
                                 dtype=nets.output_dtype(), name="score")
        self.head.build((None, self.trunk_size + self.feature_size))
        self.built = True

    def merged_features(self, x, training=False):
        """The head's input ``[h2, h1]`` (trunk first), ``[B, trunk_size + feature_size]``."""
        h_d = self.trunk(x, training=training)
        h_e = self.feature_extractor(x, training=False)
        batch = ops.shape(x)[0]
        if self.resolved_merge == "channel":
            merged = ops.concatenate([h_d, ops.cast(h_e, h_d.dtype)], axis=-1)
            return ops.reshape(merged, (batch, -1))
        return ops.concatenate([ops.reshape(h_d, (batch, -1)),
                                ops.reshape(ops.cast(h_e, h_d.dtype), (batch, -1))], axis=-1)

    def call(self, x, training=False):
        return self.head(self.merged_features(x, training=training))

    def head_kernels(self):
        """(w2, w1): the head's weights on the trunk's and on the extractor's features, each in
        the row order of ``vec`` of its own map (undoing a channel merge's interleaving)."""
        kernel = self.head.kernel.numpy()[:, 0]
        if self.resolved_merge == "flatten":
            return kernel[: self.trunk_size], kernel[self.trunk_size:]
        trunk_shape = tuple(self.trunk.outputs[0].shape[1:])
        c_d = trunk_shape[-1]
        grid = kernel.reshape(trunk_shape[:-1] + (-1,))
        return grid[..., :c_d].reshape(-1), grid[..., c_d:].reshape(-1)

    _model_keys = ("trunk", "feature_extractor")

    def get_config(self):
        config = super().get_config()
        config["merge"] = self.merge
        config["head_init"] = self.head_init
        return config


ENCODER_FILE, ENCODER_INFO = "encoder.keras", "encoder.json"


def load_feature_extractor(source, layer=""):
    """A frozen feature extractor from a ``--model=dae`` run folder or a ``.keras`` model file.

    Args:
        source: a run folder holding ``encoder.keras`` (+ ``encoder.json`` naming its feature
            layer), or a ``.keras`` file of any functional model.
        layer: the layer whose output to use; ``""``: the run's recorded feature layer, else
            the model's output.
    """
    path = Path(source)
    info = {}
    if path.is_dir():
        if not (path / ENCODER_FILE).exists():
            raise ValueError(f"--encoder_from={source}: no {ENCODER_FILE} there; pass the folder "
                             "of a finished `--model=dae` run or a .keras model file.")
        if (path / ENCODER_INFO).exists():
            info = json.loads((path / ENCODER_INFO).read_text())
        path = path / ENCODER_FILE
    elif path.suffix != ".keras" or not path.exists():
        raise ValueError(f"--encoder_from={source}: expected a `--model=dae` run folder or an "
                         "existing .keras model file.")
    model = keras.saving.load_model(str(path), compile=False)
    layer = layer or info.get("feature_layer", "")
    if layer:
        try:
            output = model.get_layer(layer).output
        except ValueError:
            names = [l.name for l in model.layers]
            raise ValueError(f"--rf_feature_layer={layer!r} is not a layer of {path}; its layers "
                             f"are {names}.") from None
        model = keras.Model(model.inputs, output, name="feature_extractor")
    model.trainable = False
    return model
