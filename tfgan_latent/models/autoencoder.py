"""The one autoencoder base: encoder → code → decoder, trained with ``fit`` like the GANs.

RFGAN's denoising autoencoder (Bang & Shim 2018 §3.1) is this model with a corruption;
BEGAN's autoencoder discriminator (``AutoencoderDiscriminator`` below) and the
latent-dimension study's AE reuse its encoder / decoder split. It builds on ``TrainedModel``, so ``tfgan-latent train`` checkpoints, resumes
(bitwise: the corruption draws come from the checkpointed ``SeedGenerator``), guards against
NaN, previews (noisy input beside its reconstruction) and exports it: ``serving_default``
maps ``images`` (or ``points``) to their reconstruction, ``encode`` to the code.
"""
import keras
import numpy as np
from keras import ops

from tfgan_latent import corruption
from tfgan_latent.models.gan import TrainedModel, loss_scaled
from tfgan_latent.models.nested import NestedModelsConfig

RECONSTRUCTION_LOSSES = ("l1", "l2")


def reconstruction_loss(reconstruction, target, kind="l1"):
    """Mean over all elements of ``|x̂ − x|`` (``l1``, RFGAN authors' ``l1_loss``) or ``(x̂ − x)²``."""
    diff = ops.cast(reconstruction, "float32") - ops.cast(target, "float32")
    if kind == "l1":
        return ops.mean(ops.abs(diff))
    if kind == "l2":
        return ops.mean(ops.square(diff))
    raise ValueError(f"`loss` must be one of {RECONSTRUCTION_LOSSES}, got {kind!r}.")


@keras.saving.register_keras_serializable(package="tfgan_latent")
class AutoencoderDiscriminator(NestedModelsConfig, keras.Model):
    """D(x) = decoder(encoder(x)): an autoencoder used as a discriminator (BEGAN).

    Args:
        encoder: a built ``keras.Model``, data → code ``[B, d]``.
        decoder: a built ``keras.Model``, code → data of the input's shape.

    Reference: Berthelot et al. 2017 §3 (BEGAN), Zhao et al. 2017 (EBGAN); Chang et al. 2018
    §3 (BEGAN-CS constrains ``encoder``).
    """

    def __init__(self, encoder, decoder, **kwargs):
        super().__init__(**kwargs)
        for name, net in (("encoder", encoder), ("decoder", decoder)):
            if not isinstance(net, keras.Model):
                raise ValueError(f"`{name}` must be a built keras.Model, got {type(net).__name__}.")
        code, latent = tuple(encoder.outputs[0].shape[1:]), tuple(decoder.inputs[0].shape[1:])
        if code != latent:
            raise ValueError(f"the encoder's code shape {code} must equal the decoder's input "
                             f"shape {latent}.")
        self.encoder, self.decoder = encoder, decoder
        self.built = True

    def call(self, x, training=False):
        return self.decoder(self.encoder(x, training=training), training=training)

    _model_keys = ("encoder", "decoder")

    def encode(self, x, training=False):
        return self.encoder(x, training=training)


@keras.saving.register_keras_serializable(package="tfgan_latent")
class Autoencoder(TrainedModel):
    """A (denoising) autoencoder: minimises ``loss(decoder(encoder(corrupt(x))), x)``.

    Args:
        encoder: a built functional ``keras.Model``, data → code.
        decoder: a built ``keras.Model``, code → data of the input's shape.
        loss: ``"l1"`` (RFGAN authors' code) or ``"l2"``.
        noise: one of ``corruption.NOISES`` (``"none"``: a plain autoencoder).
        noise_amount: the corrupted fraction (salt_pepper, masking, authors_sp_quirk) or the
            standard deviation (gaussian).
        salt_vs_pepper: the salt share of salt-and-pepper noise (0.5 in the authors' code).
        feature_layer: the encoder layer whose output is the "representative feature" other
            models take from this AE (RFGAN: the last conv block); ``""``: the code.
        seed: seed of the corruption draws.

    Reference: Vincent et al. 2008 (denoising AE); Bang & Shim 2018 §3.1 and §4 (pre-trained
    on P_data only, then frozen).
    """

    tracker_names = ("loss", "input_error")
    _model_keys = ("encoder", "decoder")
    export_kind = "autoencoder"  # serving_default: data → reconstruction; encode: data → code

    def __init__(self, encoder, decoder, *, loss="l1", noise="salt_pepper", noise_amount=0.25,
                 salt_vs_pepper=0.5, feature_layer="", seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        if loss not in RECONSTRUCTION_LOSSES:
            raise ValueError(f"`loss` must be one of {RECONSTRUCTION_LOSSES}, got {loss!r}.")
        if noise not in corruption.NOISES:
            raise ValueError(f"`noise` must be one of {corruption.NOISES}, got {noise!r}.")
        if not (noise_amount >= 0 and (noise == "gaussian" or noise_amount <= 1)):
            raise ValueError(f"`noise_amount` must be in [0, 1] (a fraction; >= 0 for gaussian), "
                             f"got {noise_amount!r}.")
        if not 0 <= salt_vs_pepper <= 1:
            raise ValueError(f"`salt_vs_pepper` must be in [0, 1], got {salt_vs_pepper!r}.")
        for name, net in (("encoder", encoder), ("decoder", decoder)):
            if not isinstance(net, keras.Model):
                raise ValueError(f"`{name}` must be a built keras.Model, got {type(net).__name__}.")
        if noise == "authors_sp_quirk" and len(encoder.inputs[0].shape) != 4:
            raise ValueError("noise='authors_sp_quirk' applies to images [B, H, W, C] only.")
        if feature_layer:
            encoder.get_layer(feature_layer)  # raises ValueError naming the missing layer
        self.encoder, self.decoder = encoder, decoder
        self.loss_kind, self.noise = loss, noise
        self.noise_amount, self.salt_vs_pepper = float(noise_amount), float(salt_vs_pepper)
        self.feature_layer = feature_layer
        self.built = True

    # ---------------------------------------------------------------- compile
    def compile(self, *, optimizer, **kwargs):
        """Stores and builds the optimizer (call inside ``strategy.scope()``)."""
        super().compile(optimizer=loss_scaled(keras.optimizers.get(optimizer)), **kwargs)
        self.optimizer.build(self.trainable_variables)

    # ------------------------------------------------------------------ model
    @property
    def data_shape(self):
        return tuple(self.encoder.inputs[0].shape[1:])

    def call(self, x, training=False):
        """The reconstruction of ``x`` (no corruption)."""
        return self.decoder(self.encoder(x, training=training), training=training)

    def encode(self, x, training=False):
        return self.encoder(x, training=training)

    def feature_extractor(self, layer=None):
        """A functional model ``x → output of layer`` (default ``feature_layer``, else the code)."""
        layer = self.feature_layer if layer is None else layer
        output = self.encoder.get_layer(layer).output if layer else self.encoder.outputs[0]
        return keras.Model(self.encoder.inputs, output, name="feature_extractor")

    def corrupt(self, x, seed_generator=None):
        """``x`` with this model's noise; draws from ``seed_generator`` (default: the model's)."""
        seed = seed_generator or self.seed_generator
        batch, rest = ops.shape(x)[0], tuple(x.shape[1:])
        uniform = lambda s: keras.random.uniform(s, seed=seed)
        if self.noise == "none" or self.noise_amount == 0:
            return x
        if self.noise == "salt_pepper":
            hit = self._global_draw(uniform, batch, rest)
            salt = self._global_draw(uniform, batch, rest)
            return corruption.salt_and_pepper(x, hit, salt, amount=self.noise_amount,
                                              salt_vs_pepper=self.salt_vs_pepper)
        if self.noise == "masking":
            return corruption.masking(x, self._global_draw(uniform, batch, rest),
                                      amount=self.noise_amount)
        if self.noise == "gaussian":
            normal = lambda s: keras.random.normal(s, seed=seed)
            return corruption.gaussian(x, self._global_draw(normal, batch, rest),
                                       stddev=self.noise_amount)
        axes = corruption.authors_coordinate_axes(rest)
        coords = []
        for count in corruption.authors_noise_count(rest, self.noise_amount, self.salt_vs_pepper):
            per_axis = [self._global_draw(
                lambda s, d=d: keras.random.randint(s, 0, d - 1, seed=seed), batch, (count,))
                for d in axes]
            coords.append(ops.stack(per_axis, axis=-1))
        return corruption.authors_salt_and_pepper(x, *coords)

    # --------------------------------------------------------------- training
    def train_step(self, data):
        x = data[0] if isinstance(data, (tuple, list)) else data
        noisy = self.corrupt(x)

        def losses():
            reconstruction = self.decoder(self.encoder(noisy, training=True), training=True)
            return {"loss": reconstruction_loss(reconstruction, x, self.loss_kind),
                    "input_error": reconstruction_loss(noisy, x, self.loss_kind)}

        logs = self._update(losses, "loss", self.trainable_variables, self.optimizer)
        self.step.assign_add(1)
        return self._track(logs)

    def checkpoint_items(self):
        items = {"encoder": self.encoder, "decoder": self.decoder, "optimizer": self.optimizer,
                 "seed_state": self.seed_generator.state, "step": self.step}
        return self._with_layer_seeds(items)

    # ---------------------------------------------------------- trainer hooks
    def preview_inputs(self, n, seed, real):
        """Half of ``n`` real examples and their fixed corruption (images; all ``n`` for points)."""
        clean = np.asarray(real(n), dtype=np.float32)
        if clean.ndim == 4:
            clean = clean[: n // 2]
        noisy = self.corrupt(ops.convert_to_tensor(clean), keras.random.SeedGenerator(seed + 17))
        return np.stack([clean, ops.convert_to_numpy(noisy)])

    def preview(self, inputs):
        """Images: noisy input and reconstruction side by side; points: reconstructions."""
        recon = ops.convert_to_numpy(self(ops.convert_to_tensor(inputs[1]), training=False))
        if recon.ndim != 4:
            return recon
        pairs = np.stack([inputs[1], recon], axis=1)  # [n, 2, H, W, C]
        return pairs.reshape((-1,) + recon.shape[1:])

    def export_to(self, base_dir, output_name, metadata):
        """``serving_default``: data → reconstruction; ``encode``: data → code."""
        import tensorflow as tf

        from tfgan_latent.train import export

        code = self.encoder.outputs[0]
        both = keras.Model(self.encoder.inputs, {"reconstruction": self.decoder(code),
                                                 "code": code}, name="autoencoder")
        spec = tf.TensorSpec((None,) + self.data_shape, tf.float32, name=output_name)
        endpoints = {
            "serving_default": lambda m, x: {output_name: m(x, training=False)["reconstruction"]},
            "encode": lambda m, x: {"code": m(x, training=False)["code"]},
        }
        return export.export_model(both, spec, endpoints, base_dir, metadata)

    def write_run_files(self, out):
        """``encoder.keras`` (the trained encoder) and ``encoder.json`` (its feature layer)."""
        import json
        from pathlib import Path

        from tfgan_latent.train import export

        path = Path(out) / "encoder.keras"
        export.plain_copy(self.encoder).save(path)
        (Path(out) / "encoder.json").write_text(json.dumps(
            {"feature_layer": self.feature_layer, "noise": self.noise,
             "noise_amount": self.noise_amount}, indent=2) + "\n")
        return {"encoder": str(path)}

    # ----------------------------------------------------------------- config
    @property
    def latent_dim(self):
        return int(np.prod(self.encoder.outputs[0].shape[1:]))

    @property
    def latent_prior(self):
        return None

    @property
    def latent_prior_args(self):
        return {}

    def get_config(self):
        config = super().get_config()
        config.update(loss=self.loss_kind, noise=self.noise, noise_amount=self.noise_amount,
                      salt_vs_pepper=self.salt_vs_pepper, feature_layer=self.feature_layer)
        return config
