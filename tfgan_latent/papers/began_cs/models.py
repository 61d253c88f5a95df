"""BEGAN with BEGAN-CS's latent constraint: one model, α = 0 is BEGAN.

One ``train_step`` is the authors' sequence ([C] ``BEGAN_CS.py`` ``train``):

1. D step on one z batch: L_D = L(x) − k_t·L(G(z)) + α·L_c, L_c = ‖z − Enc(G(z))‖, over D's
   variables only ([P] Eq. 3; L_c reaches the encoder only: the decoder is not on its path);
2. G step on the same z (``reuse_latents``; [C] feeds one ``batch_z``): L_G = L(G(z));
3. k_{t+1} = clip(k_t + λ_k(γ·L(x) − L(G(z))), 0, 1) and M_global from losses *recomputed with
   the updated nets* (``k_from="post_update"``, [C]'s extra ``sess.run``), or from the D step's
   losses (``"pre_update"``, [B]/[BP]'s simultaneous update).

k is a non-trainable variable (checkpoints and resume carry it). With α = 0 the constraint
term is not added at all, so ``--model=began_cs --alpha=0`` and ``--model=began`` run the same
graph: bitwise the same trajectory. Under a strategy each replica computes L on its own slice
(``l2_batch`` divides by the local batch) and k is updated from the replica-mean losses.
"""
import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

from tfgan_latent import losses
from tfgan_latent.models.autoencoder import AutoencoderDiscriminator
from tfgan_latent.models.gan import GAN, _replica_info
from tfgan_latent.papers.began_cs import analysis
from tfgan_latent.papers.began_cs.config import K_FROM


def _replica_mean(x):
    _, n = _replica_info()
    if n == 1:
        return x
    return tf.distribute.get_replica_context().all_reduce("mean", x)


@keras.saving.register_keras_serializable(package="tfgan_latent")
class BEGAN(GAN):
    """BEGAN (Berthelot et al. 2017) as BEGAN-CS trains it, plus the latent constraint α·L_c.

    Args:
        generator: z ``[B, d]`` → samples.
        discriminator: an ``AutoencoderDiscriminator`` whose encoder maps samples to ``[B, d]``.
        latent_dim: d.
        gamma: γ, the diversity ratio E[L(G(z))]/E[L(x)] the k control aims at.
        lambda_k: λ_k, k's proportional gain.
        alpha: α, the weight of L_c in the D loss (0: BEGAN; BEGAN-CS: 0.1).
        k_init: k_0.
        k_from: ``"post_update"`` ([C]) or ``"pre_update"`` ([B]) losses for k and M_global.
        recon_norm: ``losses.began_reconstruction_loss`` norm (``l2_batch``: [C]).
        constraint_norm: ``losses.latent_constraint_loss`` norm (``l1_mean``: [C]).
        latent_distribution: BEGAN's prior is ``"uniform"`` U(−1, 1).
        reuse_latents: the G step and k use the D step's z ([C]).
        ema_decay: ``GAN``'s generator weight average (0: none, as in [P], [C], [B], [BP]);
            updated once per step after the G step. k and M_global come from the live nets
            (they steer training); samples, G(Enc(x)) and the export use the average, while
            Enc is D's encoder, which is not averaged.

    Reference: Chang et al. 2018 (BEGAN-CS) Eq. 1-3, §3-4; Berthelot et al. 2017 §3.
    """

    tracker_names = ("d_loss", "g_loss", "loss_real", "loss_fake", "constraint", "k",
                     "convergence")
    updates_average = True  # train_step calls update_average once, after the G step

    def __init__(self, generator, discriminator, *, latent_dim, gamma=0.5, lambda_k=1e-3,
                 alpha=0.0, k_init=0.0, k_from="post_update", recon_norm="l2_batch",
                 constraint_norm="l1_mean", latent_distribution="uniform", reuse_latents=True,
                 d_steps=1, g_steps=1, seed=None, **kwargs):
        if d_steps != 1 or g_steps != 1:
            raise ValueError("BEGAN makes one D and one G update per step; `d_steps` and "
                             f"`g_steps` must be 1, got {d_steps} and {g_steps}.")
        super().__init__(generator, discriminator, latent_dim=latent_dim,
                         latent_distribution=latent_distribution, reuse_latents=reuse_latents,
                         seed=seed, **kwargs)
        if not isinstance(discriminator, AutoencoderDiscriminator):
            raise ValueError("`discriminator` must be an AutoencoderDiscriminator (BEGAN's D is "
                             f"an autoencoder), got {type(discriminator).__name__}.")
        code = tuple(discriminator.encoder.outputs[0].shape[1:])
        if code != (latent_dim,):
            raise ValueError(f"the encoder's code has shape {code}; BEGAN needs ({latent_dim},) "
                             "= (latent_dim,) so that Enc(G(z)) and z compare.")
        if k_from not in K_FROM:
            raise ValueError(f"`k_from` must be one of {K_FROM}, got {k_from!r}.")
        if recon_norm not in losses.RECONSTRUCTION_NORMS:
            raise ValueError(f"`recon_norm` must be one of {losses.RECONSTRUCTION_NORMS}, got "
                             f"{recon_norm!r}.")
        if constraint_norm not in losses.CONSTRAINT_NORMS:
            raise ValueError(f"`constraint_norm` must be one of {losses.CONSTRAINT_NORMS}, got "
                             f"{constraint_norm!r}.")
        if not 0.0 <= k_init <= 1.0 or alpha < 0 or gamma <= 0 or lambda_k <= 0:
            raise ValueError(f"need 0 <= k_init <= 1, alpha >= 0, gamma > 0, lambda_k > 0; got "
                             f"k_init={k_init}, alpha={alpha}, gamma={gamma}, lambda_k={lambda_k}.")
        self.gamma, self.lambda_k, self.alpha = float(gamma), float(lambda_k), float(alpha)
        self.k_init, self.k_from = float(k_init), k_from
        self.recon_norm, self.constraint_norm = recon_norm, constraint_norm
        # k and the losses in the variables' dtype: float32, or float64 under a float64 policy
        # (the parity tests against the authors' code); float32 under mixed precision.
        self.k = keras.Variable(self.k_init, dtype=self.variable_dtype, trainable=False,
                                aggregation="only_first_replica", name="k")
        self.latent_history = []  # (step, analysis.latent_pca(...)) from evaluation_extras

    # ------------------------------------------------------------------ losses
    def reconstruction_loss(self, x, training=True):
        """L(x) = ‖x − D(x)‖ with this model's norm."""
        return losses.began_reconstruction_loss(x, self.discriminator(x, training=training),
                                                self.recon_norm)

    def discriminator_losses(self, real, z):
        fake = self.generator(z, training=True)
        code = self.discriminator.encoder(fake, training=True)
        loss_fake = losses.began_reconstruction_loss(
            fake, self.discriminator.decoder(code, training=True), self.recon_norm)
        loss_real = self.reconstruction_loss(real)
        constraint = losses.latent_constraint_loss(z, code, self.constraint_norm)
        d_loss = loss_real - ops.convert_to_tensor(self.k) * loss_fake
        if self.alpha:  # α = 0 adds nothing: the BEGAN graph exactly
            d_loss = d_loss + self.alpha * constraint
        return {"d_loss": d_loss, "loss_real": loss_real, "loss_fake": loss_fake,
                "constraint": constraint}

    def generator_losses(self, z):
        return {"g_loss": self.reconstruction_loss(self.generator(z, training=True))}

    # ---------------------------------------------------------------- training
    def train_step(self, data):
        real = data[0] if isinstance(data, (tuple, list)) else data
        real = ops.cast(real, self.variable_dtype)  # no-op in float32
        batch = ops.shape(real)[0]
        z = ops.cast(self.sample_latent(batch), self.variable_dtype)
        logs = self._update(lambda: self.discriminator_losses(real, z), "d_loss",
                            self.discriminator_variables, self.d_optimizer)
        z_g = z if self.reuse_latents else ops.cast(self.sample_latent(batch), self.variable_dtype)
        logs.update(self._update(lambda: self.generator_losses(z_g), "g_loss",
                                 self.generator_variables, self.g_optimizer))
        if self.k_from == "post_update":
            loss_real = self.reconstruction_loss(real, training=False)
            loss_fake = self.reconstruction_loss(self.generator(z_g, training=False),
                                                 training=False)
        else:
            loss_real, loss_fake = logs["loss_real"], logs["loss_fake"]
        loss_real, loss_fake = _replica_mean(loss_real), _replica_mean(loss_fake)
        self.k.assign(losses.began_k_update(self.k, loss_real, loss_fake, self.gamma,
                                            self.lambda_k))
        logs.update(loss_real=loss_real, loss_fake=loss_fake, k=ops.convert_to_tensor(self.k),
                    convergence=losses.began_convergence_measure(loss_real, loss_fake, self.gamma))
        self.step.assign_add(1)
        self.update_average()
        return self._track(logs)

    def checkpoint_items(self):
        items = super().checkpoint_items()
        items["k"] = self.k
        return items

    # --------------------------------------------------------------- inference
    def encode(self, x):
        """One-shot z* = Enc(x) ([P] §3.2)."""
        return self.discriminator.encoder(ops.convert_to_tensor(x, self.variable_dtype),
                                          training=False)

    def generator_reconstruction(self, x):
        """G(Enc(x)): the generator's one-shot reconstruction ([P] §4.5, [C] ``test``)."""
        return self.output_generator(self.encode(x), training=False)

    def decoder_reconstruction(self, x):
        """Dec(Enc(x)) = D(x), shown in D's output range (clipped for images)."""
        out = self.discriminator(ops.convert_to_tensor(x, self.variable_dtype), training=False)
        return ops.clip(out, -1.0, 1.0) if len(out.shape) == 4 else out

    @property
    def output_generator(self):
        """G; for images followed by a clip to [−1, 1] ([C] clips samples when it saves them)."""
        if len(self.generator.outputs[0].shape) != 4:
            return self.generator
        clipped = layers.Activation("hard_tanh", name="clip")(self.generator.outputs[0])
        return keras.Model(self.generator.inputs[0], clipped, name="clipped_generator")

    def export_to(self, base_dir, output_name, metadata):
        """``serving_default``: z → samples; ``encode``: samples → z* = Enc(x) (one shot)."""
        from tfgan_latent.train import export

        encoder = self.discriminator.encoder
        models = {"generator": self.serving_generator(), "encoder": encoder}
        z_spec = tf.TensorSpec([None, self.latent_dim], tf.float32, name="z")
        x_spec = tf.TensorSpec((None,) + tuple(encoder.inputs[0].shape[1:]), tf.float32,
                               name=output_name)
        endpoints = {
            "serving_default": (lambda m, z: {output_name: m["generator"](z, training=False)},
                                z_spec),
            "encode": (lambda m, x: {"z": m["encoder"](x, training=False)}, x_spec),
        }
        return export.export_model(models, None, endpoints, base_dir, metadata)

    # ---------------------------------------------------------------- analysis
    def evaluation_extras(self, real, seed):
        """Latent statistics of [P] §3.1 / Fig. 2 on ``real`` and as many fixed generated samples.

        Returns ``latent_var_real`` / ``latent_var_gen`` (trace of the covariance of Enc(x) and
        Enc(G(z))), their ratio, and ``enc_g_error`` = mean |Enc(G(z)) − z|; keeps the 2-D PCA
        projections in ``latent_history`` for ``write_run_files``'s figure.
        """
        real = np.asarray(real, np.float32)
        z = self.fixed_latents(len(real), seed + 101)
        codes_real = np.concatenate([ops.convert_to_numpy(self.encode(real[i:i + 500]))
                                     for i in range(0, len(real), 500)])
        fake = np.concatenate([ops.convert_to_numpy(self.generator(z[i:i + 500], training=False))
                               for i in range(0, len(z), 500)])
        codes_fake = np.concatenate([ops.convert_to_numpy(self.encode(fake[i:i + 500]))
                                     for i in range(0, len(fake), 500)])
        stats = analysis.latent_pca(codes_real, codes_fake)
        self.latent_history.append((int(self.step.numpy()), stats))
        return {"latent_var_real": stats["var_real"], "latent_var_gen": stats["var_gen"],
                "latent_var_ratio": stats["var_gen"] / max(stats["var_real"], 1e-12),
                "enc_g_error": float(np.mean(np.abs(codes_fake - z)))}

    def write_run_files(self, out):
        """``latent_pca.png`` (Fig. 2-like, one panel per evaluation) when there were any."""
        if not self.latent_history:
            return {}
        from pathlib import Path

        path = analysis.plot_latent_pca(self.latent_history, Path(out) / "latent_pca.png")
        return {"latent_pca": str(path)}

    # ------------------------------------------------------------------ config
    def get_config(self):
        config = super().get_config()
        for key in ("d_steps", "g_steps"):
            config.pop(key, None)
        config.update(gamma=self.gamma, lambda_k=self.lambda_k, alpha=self.alpha,
                      k_init=self.k_init, k_from=self.k_from, recon_norm=self.recon_norm,
                      constraint_norm=self.constraint_norm)
        return config
