"""G-LIS, R-iterative and R-separate on the shared GAN base (Jung 2017, §2.1-2.3, App. K).

Losses follow the authors' code (research/lis.md §1.1): non-saturating BCE on D's logits
for D and G, one D step per G step, a fresh z for each.
"""
import collections
import json
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from tfgan_latent.layers import LISChain
from tfgan_latent.models.gan import GAN
from tfgan_latent.models.nested import NestedModelsConfig
from tfgan_latent.optimizers import TorchRMSprop
from tfgan_latent.papers.lis.losses import lis_similarity_loss, similarity

_register = keras.saving.register_keras_serializable(package="tfgan_latent")


def _check_model(name, value):
    if not isinstance(value, keras.Model):
        raise ValueError(f"`{name}` must be a built keras.Model, got {type(value).__name__}.")


@_register
class LISGenerator(keras.Model):
    """Any generator with a chain of LIS modules in front: ``G(LIS(z))``.

    Args:
        generator: a built Keras model mapping ``[B, latent_dim]`` to samples.
        num_modules: LIS modules ``N`` (paper: 0, 1 or 3).
        early_stop: the random early stop in training (paper: True).
        seed: seed of the chain's early-stop draws.
        hidden_units: LIS module width (None: ``latent_dim``, App. J "2x256 neurons").
        **kwargs: ``keras.Model`` arguments.

    ``call(z, training, num_active)`` returns the samples; ``lis_forward`` also returns
    the chain's ``latent``, ``latents`` (z'_1..z'_N), ``num_active`` and ``active``.

    Reference: Jung 2017, §2.3 and Fig. 3a (LIS modules before G's first layer).
    """

    def __init__(self, generator, num_modules=1, early_stop=True, seed=None, hidden_units=None,
                 **kwargs):
        super().__init__(**kwargs)
        _check_model("generator", generator)
        shape = tuple(generator.input_shape)
        if len(shape) != 2 or shape[-1] is None:
            raise ValueError(
                f"`generator` must take z of shape [batch, latent_dim], its input is {shape}."
            )
        self.generator = generator
        self.latent_dim = int(shape[-1])
        self.num_modules = num_modules
        self.early_stop = early_stop
        self.seed = seed
        self.hidden_units = hidden_units
        self.lis_chain = LISChain(num_modules, early_stop=early_stop, seed=seed,
                                  hidden_units=hidden_units, name="lis_chain")
        self.lis_chain.build((None, self.latent_dim))
        self.built = True

    def lis_forward(self, z, training=False, num_active=None):
        out = dict(self.lis_chain(z, training=training, num_active=num_active))
        out["samples"] = self.generator(out["latent"], training=training)
        return out

    def call(self, z, training=False, num_active=None):
        return self.lis_forward(z, training=training, num_active=num_active)["samples"]

    def get_config(self):
        config = super().get_config()
        config.update(
            generator=keras.saving.serialize_keras_object(self.generator),
            num_modules=self.num_modules, early_stop=self.early_stop, seed=self.seed,
            hidden_units=self.hidden_units,
        )
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["generator"] = keras.saving.deserialize_keras_object(config["generator"])
        return cls(**config)


@_register
class GLIS(GAN):
    """G-LIS: a GAN whose generator starts with LIS modules trained with the similarity loss.

    ``L_G = BCE(D(G(z'_K)), 1) + sum_{k<=K} lambda_R^k L_R(z, z'_k)`` with the original
    ``z`` as target and ``K`` from the random early stop; D's fake batch makes its own
    draw of ``K``. ``lambda_r = 0`` is the paper's ablation (no constraint).

    Args:
        generator: an ``LISGenerator`` (wrap any generator: ``LISGenerator(g, N)``).
        discriminator: a model mapping samples to logits ``[B, 1]``.
        lambda_r: ``lambda_R`` (paper 0.9, §2.3 / code ``--lambda_r``).
        **kwargs: ``GAN`` arguments (``latent_dim``, ``seed``, ...). With ``ema_decay`` (not
            in the paper) the average covers G and the LIS modules (``generator_variables``),
            so samples, ``module_samples`` and the export all run the averaged chain.

    Reference: Jung 2017, §2.3 (G-LIS), Eq. 2; losses as in the authors' ``g_lis/main.py``.
    """

    tracker_names = GAN.tracker_names + ("similarity", "lis_active")

    def __init__(self, generator, discriminator, *, lambda_r=0.9, **kwargs):
        if not isinstance(generator, LISGenerator):
            raise ValueError(
                "`generator` must be an LISGenerator (wrap yours: LISGenerator(g, num_modules=N)), "
                f"got {type(generator).__name__}."
            )
        if not lambda_r >= 0:
            raise ValueError(f"`lambda_r` must be >= 0, got {lambda_r!r}.")
        super().__init__(generator, discriminator, **kwargs)
        self.lambda_r = float(lambda_r)

    def generator_losses(self, z):
        out = self.generator.lis_forward(z, training=True)
        adversarial = self.adversarial_g_loss(self.discriminator(out["samples"], training=True))
        sim = lis_similarity_loss(z, out["latents"], out["active"], self.lambda_r)
        return {"g_loss": adversarial + sim, "similarity": sim,
                "lis_active": ops.cast(out["num_active"], "float32")}

    # ------------------------------------------------ per-module diagnostics
    def module_diagnostics(self, z, real=None, batch=500):
        """Per module count ``k = 0..N`` at inference (the first ``k`` modules, no early stop:
        the paper's "k of N" images, Figs. 6, 11-13) on latents ``z`` [B, N_z]:

        * ``lis_similarity_<k>`` (k >= 1): ``L_R(z, z'_k)`` (Eq. 2, against the original z);
        * ``lis_dz2_<k>``: mean ``||z'_k - z||²`` (how far the chain moves z);
        * ``lis_g_loss_<k>``: ``BCE(D(G(z'_k)), 1)`` (App. I, Fig. 27b);
        * ``lis_d_fake_loss_<k>``: ``BCE(D(G(z'_k)), 0)`` and ``lis_d_real_loss``:
          ``BCE(D(real), 1)`` when ``real`` is given (Fig. 27c);
        * ``lis_d_fake_<k>``: mean ``D(G(z'_k))`` (sigmoid of D's logit).

        The paper's Fig. 27 plots the training losses; these are the same quantities in
        inference mode on fixed latents (with ``--eval_every``: one point per evaluation), so
        points are comparable across steps. Losses are the code's non-saturating BCE on logits.
        """
        z = np.asarray(z, np.float32)
        sums = collections.defaultdict(float)
        for i in range(0, len(z), batch):
            zb = z[i:i + batch]
            for k in range(self.generator.num_modules + 1):
                out = self.generator.lis_forward(zb, training=False, num_active=k)
                logits = ops.convert_to_numpy(self.discriminator(out["samples"], training=False))
                delta = ops.convert_to_numpy(out["latent"]) - zb
                if k:
                    sums[f"lis_similarity_{k}"] += np.sum(np.mean(delta**2, axis=1))
                sums[f"lis_dz2_{k}"] += np.sum(np.sum(delta**2, axis=1))
                sums[f"lis_g_loss_{k}"] += np.sum(np.logaddexp(0.0, -logits))
                sums[f"lis_d_fake_loss_{k}"] += np.sum(np.logaddexp(0.0, logits))
                sums[f"lis_d_fake_{k}"] += np.sum(1.0 / (1.0 + np.exp(-logits)))
        result = {key: float(value / len(z)) for key, value in sums.items()}
        if real is not None:
            real = np.asarray(real, np.float32)
            logits = np.concatenate([
                ops.convert_to_numpy(self.discriminator(real[i:i + batch], training=False))
                for i in range(0, len(real), batch)])
            result["lis_d_real_loss"] = float(np.mean(np.logaddexp(0.0, -logits)))
        return result

    def evaluation_extras(self, real, seed):
        """``module_diagnostics`` on as many fixed latents as ``real`` examples (with D's
        loss on ``real``): logged by ``--eval_every`` and reported by ``evaluate --run``."""
        return self.module_diagnostics(self.fixed_latents(len(real), seed + 101), real)

    def module_samples(self, z):
        """``[N + 1, B, ...]``: ``G(z'_k)`` for k = 0..N (all in inference) on the same z."""
        return np.stack([
            ops.convert_to_numpy(self.generator.lis_forward(z, training=False, num_active=k)["samples"])
            for k in range(self.generator.num_modules + 1)])

    def write_run_files(self, out):
        """``lis_modules.png``: one row per module count k = 0..N, the same 8 latents (images;
        Figs. 6, 11-13) or one scatter of 2000 per k (points); ``lis_modules.json``:
        ``module_diagnostics`` on 2000 fixed latents; ``lis_curves.png`` (App. I, Fig. 27) from
        the run's ``--eval_every`` records, when there are any."""
        from tfgan_latent.train import samples

        out = Path(out)
        seed = self.seed or 0
        z = self.fixed_latents(2000, seed + 202)
        grid = self.module_samples(z[:8])
        path = out / "lis_modules.png"
        if grid.ndim == 5:  # images: rows k = 0..N
            samples.save_image_grid(grid.reshape((-1,) + grid.shape[2:]), path, columns=grid.shape[1])
        else:
            samples.save_point_panels(self.module_samples(z), path,
                                      [f"{k} of {len(grid) - 1}" for k in range(len(grid))])
        stats = out / "lis_modules.json"
        stats.write_text(json.dumps({"latents": len(z), "seed": seed + 202,
                                     **self.module_diagnostics(z)}, indent=2) + "\n")
        files = {"lis_modules": str(path), "lis_module_stats": str(stats)}
        curves = plot_module_curves(out / "metrics.jsonl", out / "lis_curves.png",
                                    self.generator.num_modules)
        if curves:
            files["lis_curves"] = str(curves)
        return files

    def export_endpoints(self):
        """``lis_latents``: z -> ``latents`` [B, N, latent_dim] = z'_1..z'_N (all modules)."""
        if self.generator.num_modules == 0:
            return ()

        def latents(generator, z):
            return {"latents": ops.stack(generator.lis_forward(z)["latents"], axis=1)}

        return (("lis_latents", latents),)

    def get_config(self):
        return {**super().get_config(), "lambda_r": self.lambda_r}


def _refuse_fp16(reason):
    if keras.config.dtype_policy().name == "mixed_float16":
        raise ValueError(f"--precision=fp16 is not supported here ({reason}); use "
                         "--precision=bf16 or float32.")


def _check_torch_rmsprop(name, optimizer):
    if not isinstance(optimizer, TorchRMSprop):
        raise ValueError(
            f"`{name}` must be a TorchRMSprop (its `active` flag skips the updates of "
            f"iterations that are not trained), got {type(optimizer).__name__}."
        )


def plot_module_curves(metrics_path, plot_path, num_modules):
    """App. I, Fig. 27 from a run's eval records: (a) ``L_R`` per module, (b) G's loss per
    z'_k, (c) D's loss on real images and per z'_k; None when no record has them."""
    from tfgan_latent.train.callbacks import eval_records
    from tfgan_latent.train.samples import plt

    if not Path(metrics_path).exists():
        return None
    records = [r for r in eval_records(metrics_path) if "eval/lis_g_loss_0" in r]
    if not records:
        return None
    steps = [r["step"] for r in records]
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.4))
    panels = (("(a) L_R per module", [(f"module {k}", f"lis_similarity_{k}")
                                      for k in range(1, num_modules + 1)]),
              ("(b) G loss", [(f"z'_{k}" if k else "z", f"lis_g_loss_{k}")
                              for k in range(num_modules + 1)]),
              ("(c) D loss", [("real", "lis_d_real_loss")] + [
                  (f"fake z'_{k}" if k else "fake z", f"lis_d_fake_loss_{k}")
                  for k in range(num_modules + 1)]))
    for ax, (title, lines) in zip(axes, panels):
        for label, key in lines:
            values = [r.get(f"eval/{key}", np.nan) for r in records]
            if not np.all(np.isnan(values)):
                ax.plot(steps, values, marker=".", label=label)
        ax.set_title(title)
        ax.set_xlabel("step")
        if ax.lines:
            ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(plot_path, dpi=90)
    plt.close(fig)
    return Path(plot_path)


@_register
class RIterative(GAN):
    """R-iterative: G, D and a reverser R trained together on chains z -> x_0 -> R -> x_1 ...

    Per batch, for ``t = 0..N_R``: the input is ``z_0`` (t = 0) or ``c_t = R(x_{t-1})``
    (R sees detached images). Iteration ``t`` is trained if an earlier one was, if it
    is the last, or with probability ``(t + 1) / (N_R + 1)``. A trained iteration runs,
    in the code's order, a G step on ``x_t = G(stop_grad(c_t))`` (non-saturating), for
    ``t >= 1`` an R step on ``lambda^t L_R(z_0, c_t) + (1 - lambda^t) BCE(D(G(c_t)), 1)``
    (after G's update; only R's variables change), and a D step on ``x_t`` and a fresh real
    batch. So the dataset batch is ``(N_R + 1) * batch_size`` (``d_steps = N_R + 1``).
    Untrained iterations still compute ``x_t``; their updates are switched off with the
    optimizers' ``active`` flag (exactly no change), which needs ``TorchRMSprop``.

    Args:
        generator, discriminator: plain (non-LIS) nets; D returns logits.
        reverser: a model mapping samples to ``[B, latent_dim]``.
        iterations: ``N_R`` (paper and code: 3).
        lambda_r: ``lambda`` (0.9).
        **kwargs: ``GAN`` arguments except ``d_steps``.

    With ``ema_decay`` (not in the paper, ``GAN``'s weight average) the average of G's
    variables is updated once per batch, after the last iteration (the last G update of the
    batch; an untrained iteration's switched-off update leaves G as it was). Only G is
    averaged: samples, scores and the export are ``G(z)``; R and D train against the live G.

    Reference: Jung 2017, §2.2, App. K Alg. 2; order G -> R -> D, exponent ``t`` (Alg. 2
    prints ``1 + t``) and the training draw as the authors' ``r_iterative/main.py`` runs
    them (research/lis.md §1.7).
    """

    tracker_names = GAN.tracker_names + ("r_loss", "trained_iterations")
    _model_keys = GAN._model_keys + ("reverser",)
    updates_average = True  # train_step calls update_average once, after the last G update

    def __init__(self, generator, discriminator, reverser, *, iterations=3, lambda_r=0.9, **kwargs):
        if not isinstance(iterations, int) or isinstance(iterations, bool) or iterations < 1:
            raise ValueError(f"`iterations` must be an int >= 1, got {iterations!r}.")
        if not 0.0 <= lambda_r <= 1.0:
            raise ValueError(f"`lambda_r` must be in [0, 1], got {lambda_r!r}.")
        if kwargs.pop("d_steps", iterations + 1) != iterations + 1:
            raise ValueError("R-iterative sets `d_steps` to iterations + 1 itself.")
        _check_model("reverser", reverser)
        super().__init__(generator, discriminator, d_steps=iterations + 1, **kwargs)
        self.reverser = reverser
        self.iterations = iterations
        self.lambda_r = float(lambda_r)
        # Every iteration's own numbers (§2.2: quality should improve along the chain), not
        # only the last iteration's: g_loss_it<t>, d_fake_it<t> (D's mean logit on x_t),
        # d_loss_it<t>, r_loss_it<t> (t >= 1). Logged whether or not t was trained.
        self.trackers.update({n: keras.metrics.Mean(name=n) for n in self.iteration_tracker_names()})

    def iteration_tracker_names(self):
        names = []
        for t in range(self.iterations + 1):
            names += [f"g_loss_it{t}", f"d_fake_it{t}", f"d_loss_it{t}"]
            names += [f"r_loss_it{t}"] if t else []
        return tuple(names)

    def compile(self, *, g_optimizer, d_optimizer, r_optimizer, **kwargs):
        _refuse_fp16("R-iterative: an untrained iteration must leave every optimizer exactly "
                     "unchanged, and a loss-scale optimizer counts every call")
        super().compile(g_optimizer=g_optimizer, d_optimizer=d_optimizer, **kwargs)
        self.r_optimizer = keras.optimizers.get(r_optimizer)
        for name in ("g_optimizer", "d_optimizer", "r_optimizer"):
            _check_torch_rmsprop(name, getattr(self, name))
        self.r_optimizer.build(self.reverser.trainable_variables)

    def training_flags(self):
        """Bool scalars: is iteration ``t = 0..N_R`` trained? One shared draw per batch.

        Trained if an earlier one was, if it is the last, or if ``u <= (t + 1) / (N_R + 1)``
        (``u ~ U(0, 1)``), so the first trained ``t`` has probabilities
        ``[1/4, 3/8, 9/32, 3/32]`` for ``N_R = 3``.
        """
        flags, trained = [], ops.convert_to_tensor(False)
        for t in range(self.iterations):
            u = keras.random.uniform((), seed=self.seed_generator)
            trained = ops.logical_or(trained, u <= (t + 1) / (self.iterations + 1))
            flags.append(trained)
        return flags + [ops.convert_to_tensor(True)]

    def reverser_loss(self, z0, c, fake_logits, t):
        """``lambda^t L_R(z_0, c_t) + (1 - lambda^t) BCE(D(G(c_t)), 1)`` (code: exponent t)."""
        weight = self.lambda_r**t
        return weight * similarity(z0, c) + (1.0 - weight) * self.adversarial_g_loss(fake_logits)

    def _apply(self, optimizer, tape, loss, variables, flag):
        optimizer.active.assign(ops.cast(flag, optimizer.active.dtype))
        self.apply_gradients(tape, loss, variables, optimizer)

    def train_step(self, data):
        real = data[0] if isinstance(data, (tuple, list)) else data
        reals = self._split_real(real)
        z0 = self.sample_latent(ops.shape(reals[0])[0])
        g_vars, r_vars = self.generator_variables, self.reverser.trainable_variables
        count = ops.convert_to_tensor(0.0)
        c, x_prev, logs = z0, None, {}
        for t, trained in enumerate(self.training_flags()):
            flag = ops.cast(trained, "float32")
            count = count + flag
            r_tape = tf.GradientTape()
            if t > 0:
                with r_tape:  # R's forward; the tape is entered again for its loss below
                    c = self.reverser(ops.stop_gradient(x_prev), training=True)
            with tf.GradientTape() as g_tape:
                x = self.generator(ops.stop_gradient(c), training=True)
                g_loss = self.adversarial_g_loss(self.discriminator(x, training=True))
            self._apply(self.g_optimizer, g_tape, g_loss, g_vars, flag)
            if t > 0:
                with r_tape:  # after G's update, as in the code
                    fake_out = self.discriminator(self.generator(c, training=True), training=True)
                    r_loss = self.reverser_loss(z0, c, fake_out, t)
            if t > 0:
                self._apply(self.r_optimizer, r_tape, r_loss, r_vars, flag)
                logs["r_loss"] = logs[f"r_loss_it{t}"] = r_loss
            fake = ops.stop_gradient(x)
            with tf.GradientTape() as d_tape:
                d_logs = self.discriminator_losses_on(reals[t], fake)
            self._apply(self.d_optimizer, d_tape, d_logs["d_loss"], self.discriminator_variables, flag)
            logs.update(d_logs, g_loss=g_loss)
            logs.update({f"g_loss_it{t}": g_loss, f"d_fake_it{t}": d_logs["d_fake"],
                         f"d_loss_it{t}": d_logs["d_loss"]})
            x_prev = x
        logs["trained_iterations"] = count
        self.step.assign_add(1)
        self.update_average()
        return self._track(logs)

    def checkpoint_items(self):
        items = super().checkpoint_items()
        items.update(reverser=self.reverser, r_optimizer=self.r_optimizer)
        return items

    def get_compile_config(self):
        return {**super().get_compile_config(),
                "r_optimizer": keras.saving.serialize_keras_object(self.r_optimizer)}

    def compile_from_config(self, config):
        self.compile(**{k: keras.saving.deserialize_keras_object(v) for k, v in config.items()})

    def get_config(self):
        return {**super().get_config(), "iterations": self.iterations, "lambda_r": self.lambda_r,
                "d_steps": self.iterations + 1}


@_register
class RefinedGenerator(NestedModelsConfig, keras.Model):
    """``z -> G(R(G(z)))``: samples refined by a reverser (Jung 2017, §2.1, Fig. 2)."""

    def __init__(self, generator, reverser, **kwargs):
        super().__init__(**kwargs)
        _check_model("generator", generator)
        _check_model("reverser", reverser)
        self.generator = generator
        self.reverser = reverser
        self.built = True

    def call(self, z, training=False):
        first = self.generator(z, training=False)
        return self.generator(self.reverser(first, training=training), training=False)

    _model_keys = ("generator", "reverser")


@_register
class RSeparate(GAN):
    """R-separate: trains a reverser R on a frozen generator; refined samples are G(R(G(z))).

    Per step: ``z`` from the prior, ``x = G(z)`` with every LIS module run, and one step on
    ``L_R(z, R(x))`` (target: the original, pre-LIS ``z``) for R only. G and D are frozen;
    D only scores ``x`` and ``G(R(x))`` for the logs (``BCE(D(.), 0)``, the "D fake loss"
    the paper compares). Real data are not used.

    Args:
        generator, discriminator: the finished GAN's nets (frozen).
        reverser: a model mapping samples to ``[B, latent_dim]``.
        **kwargs: ``GAN`` arguments (``latent_dim``, ``latent_distribution``, ``seed``);
            no ``ema_decay``: the net it trains is R, not G (its ``train_step`` keeps no
            average, so ``GAN`` refuses one). Where the ``--from_run`` run kept a weight
            average, R inverts the averaged G (``registration.load_finished_run``).

    Reference: Jung 2017, §2.1, §3.1, App. K Alg. 1; authors' ``g_lis/train_r.py``.
    """

    tracker_names = ("r_loss", "d_fake_loss", "d_fake_loss_refined")
    _model_keys = GAN._model_keys + ("reverser",)

    def __init__(self, generator, discriminator, reverser, **kwargs):
        _check_model("reverser", reverser)
        super().__init__(generator, discriminator, **kwargs)
        self.reverser = reverser
        self.refined = RefinedGenerator(generator, reverser, name="refined_generator")

    @property
    def output_generator(self):
        return self.refined

    @property
    def generator_variables(self):
        return self.reverser.trainable_variables

    def compile(self, *, r_optimizer, **kwargs):
        """Stores and builds R's optimizer (the only one: G and D are frozen)."""
        _refuse_fp16("R-separate inverts a generator trained in float32 or bf16")
        keras.Model.compile(self, optimizer=None, **kwargs)
        self.r_optimizer = keras.optimizers.get(r_optimizer)
        self.r_optimizer.build(self.generator_variables)

    def train_step(self, data):
        real = data[0] if isinstance(data, (tuple, list)) else data
        z = self.sample_latent(ops.shape(real)[0])
        x = self.generator(z, training=False)
        with tf.GradientTape() as tape:
            z_hat = self.reverser(x, training=True)
            r_loss = similarity(z, z_hat)
        self.apply_gradients(tape, r_loss, self.generator_variables, self.r_optimizer)
        refined = self.generator(z_hat, training=False)
        logs = {
            "r_loss": r_loss,
            "d_fake_loss": ops.mean(ops.softplus(self.discriminator(x, training=False))),
            "d_fake_loss_refined": ops.mean(ops.softplus(self.discriminator(refined, training=False))),
        }
        self.step.assign_add(1)
        return self._track(logs)

    def checkpoint_items(self):
        return self._with_layer_seeds({
            "generator": self.generator, "discriminator": self.discriminator,
            "reverser": self.reverser, "r_optimizer": self.r_optimizer,
            "seed_state": self.seed_generator.state, "step": self.step,
        })

    def export_endpoints(self):
        """``unrefined``: z -> G(z), next to ``serving_default`` = G(R(G(z)))."""
        return (("unrefined", lambda refined, z: refined.generator(z)),)

    def get_compile_config(self):
        return {"r_optimizer": keras.saving.serialize_keras_object(self.r_optimizer)}

    def compile_from_config(self, config):
        self.compile(r_optimizer=keras.saving.deserialize_keras_object(config["r_optimizer"]))
