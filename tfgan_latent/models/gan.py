"""The one GAN base every paper builds on.

A subclassed ``keras.Model`` holding a generator and a discriminator, trained with
``fit``: ``train_step`` runs ``d_steps`` discriminator updates then ``g_steps`` generator
updates per batch (Goodfellow et al. 2014, Alg. 1, with k = ``d_steps``; Gulrajani et al.
2017, Alg. 1, n_critic = 5). Subclasses override only their loss pieces
(``adversarial_d_loss``, ``adversarial_g_loss``, ``penalty``), or, for papers whose D is not a plain scorer,
``discriminator_losses`` / ``generator_losses``.

Distribution (research/env.md §2b): the model is marked built, both optimizers are built
on their variables in ``compile`` (call it inside ``strategy.scope()``), losses are local
means divided by ``num_replicas_in_sync`` before differentiation because Keras sums
gradients over replicas, and logged values are the unscaled means. Random draws (z,
interpolation weights) are drawn for the global batch with the shared seed and each
replica takes its own slice, so a mirrored run sees exactly the numbers a single-device
run sees, and replicas never share a z.
"""
import contextlib

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from tfgan_latent import losses
from tfgan_latent.checks import positive_int
from tfgan_latent.models.nested import NestedModelsConfig

LATENT_DISTRIBUTIONS = ("normal", "uniform")


def _replica_info():
    """(replica id, number of replicas) of the current replica context."""
    strategy = tf.distribute.get_strategy()
    n = strategy.num_replicas_in_sync
    if n == 1:
        return 0, 1
    ctx = tf.distribute.get_replica_context()
    return ctx.replica_id_in_sync_group, n


def in_cross_replica(fn):
    """Runs ``fn()`` once in cross-replica context (e.g. to assign schedule variables).

    Inside a replica function of a multi-replica strategy this is a ``merge_call``; on
    one device, or already in cross-replica context, it is a plain call.
    """
    if tf.distribute.has_strategy() and not tf.distribute.in_cross_replica_context():
        return tf.distribute.get_replica_context().merge_call(lambda _: fn())
    return fn()


LATENT_PRIORS = LATENT_DISTRIBUTIONS + ("unit_sphere", "unit_sphere_batch")


def prior_latents(prior, n, latent_dim, seed, batch_size=None):
    """``n`` latents [n, latent_dim] float32 from ``prior``, a pure function of the arguments.

    ``normal``: N(0, I); ``uniform``: U(−1, 1); ``unit_sphere``: N(0, I) rows scaled to unit
    norm (the growing thesis's text, §7.2.3); ``unit_sphere_batch``: every block of
    ``batch_size`` rows (default: all n) divided by its Frobenius norm, as the growing code
    normalises each training batch (growing.md A2), so a row's scale matches training only
    when ``batch_size`` is the training batch. One generator, ``default_rng(seed + 7919)``, so
    a run, its export and ``evaluate`` see the same z.
    """
    if prior not in LATENT_PRIORS:
        raise ValueError(f"latent prior must be one of {LATENT_PRIORS}, got {prior!r}.")
    rng = np.random.default_rng(seed + 7919)
    if prior == "uniform":
        return rng.uniform(-1.0, 1.0, (n, latent_dim)).astype(np.float32)
    z = rng.standard_normal((n, latent_dim))
    if prior == "normal":
        return z.astype(np.float32)
    block = int(batch_size or n) if prior == "unit_sphere_batch" else None
    return unit_norm(z, block).astype(np.float32)


def unit_norm(z, block=None):
    """``z`` [n, d] (numpy) scaled to unit norm: every row (``block`` None), or every block of
    ``block`` consecutive rows divided by its Frobenius norm (a last shorter block by its own)."""
    z = np.array(z, dtype=np.float64)
    if block is None:
        return z / np.linalg.norm(z, axis=1, keepdims=True)
    for start in range(0, len(z), block):
        z[start:start + block] /= np.linalg.norm(z[start:start + block])
    return z


# Optimizer hyperparameters Keras reads through ``ops.cast(self.<name>, variable.dtype)``.
_CAST_HYPERPARAMETERS = ("beta_1", "beta_2", "momentum", "weight_decay")


def float64_exact(optimizer):
    """``optimizer`` with its cast hyperparameters (β1, β2, momentum, weight decay) as numpy
    float64 while the global policy's variables are float64; else unchanged.

    Keras's Adam casts β with ``ops.cast(self.beta_2, variable.dtype)``, and a cast of a Python
    float passes through a float32 tensor: in a float64 run β2 = 0.999 entered β2^t as
    0.99900001287 while the moments used the exact 1 − β2, so the first step was 6.4e-6
    (relative) too long. A numpy float64 becomes a float64 tensor. Found by the RFGAN parity
    fixtures (parity/README.md); float32 runs are untouched.
    """
    if keras.config.dtype_policy().variable_dtype != "float64":
        return optimizer
    inner = getattr(optimizer, "inner_optimizer", optimizer)
    for name in _CAST_HYPERPARAMETERS:
        value = getattr(inner, name, None)
        if type(value) is float:
            setattr(inner, name, np.float64(value))
    return optimizer


def loss_scaled(optimizer):
    """``optimizer`` wrapped in ``keras.optimizers.LossScaleOptimizer`` (dynamic scale, Keras's
    defaults: 2^15, halved on a non-finite step, doubled after 2000 finite ones) while the
    global dtype policy is ``mixed_float16`` (``--precision=fp16``); else ``optimizer``. Under
    a float64 policy its hyperparameters are made exact first (``float64_exact``)."""
    optimizer = float64_exact(optimizer)
    if (keras.config.dtype_policy().name == "mixed_float16"
            and not isinstance(optimizer, keras.optimizers.LossScaleOptimizer)):
        return keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer


@keras.saving.register_keras_serializable(package="tfgan_latent")
class TrainedModel(NestedModelsConfig, keras.Model):
    """What the trainer needs of any model it fits: step, NaN guard, trackers, seeds, hooks.

    The GAN base and the autoencoder base (``tfgan_latent.models.autoencoder``) both build
    on it, so ``tfgan-latent train`` runs, checkpoints, resumes, previews and exports either.
    Subclasses set ``tracker_names`` (logged means), ``_model_keys`` (sub-models in the config
    and checkpoint) and call ``super().__init__(seed=..., **kwargs)``.

    Attributes:
        d_steps: examples per step, in batches (the runner feeds ``d_steps * batch_size``).
        step: the number of ``train_step`` calls so far (checkpointed).
        nonfinite: ``[step, tracker index]`` of the first non-finite tracked value, or -1.
    """

    tracker_names = ()
    _model_keys = ()
    d_steps = 1
    # What ``export_to`` writes: names the run's default export base and the CLI's message.
    export_kind = "generator"

    def __init__(self, *, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.step = keras.Variable(
            0, dtype="int64", trainable=False, aggregation="only_first_replica", name="step"
        )
        # (step, tracker index) of the first non-finite tracked value; -1 while all finite.
        # Kept in-graph so the NaN guard needs no per-step host round trip.
        self.nonfinite = keras.Variable(
            [-1, -1], dtype="int64", trainable=False, aggregation="only_first_replica",
            name="nonfinite",
        )
        self.trackers = {n: keras.metrics.Mean(name=n) for n in self.tracker_names}

    @property
    def metrics(self):
        return list(self.trackers.values())

    def fit(self, x=None, *args, **kwargs):
        """``keras.Model.fit``; a ``tf.data.Dataset`` is not shuffled by default (Keras would
        warn that its ``shuffle=True`` default does not apply to one)."""
        if isinstance(x, tf.data.Dataset):
            kwargs.setdefault("shuffle", False)
        return super().fit(x, *args, **kwargs)

    def _global_draw(self, sampler, batch_size, rest_shape):
        """Draws for the global batch with the shared seed; returns this replica's slice."""
        rid, n = _replica_info()
        if n == 1:
            return sampler((batch_size,) + tuple(rest_shape))
        full = sampler((batch_size * n,) + tuple(rest_shape))
        return full[rid * batch_size : (rid + 1) * batch_size]

    def apply_gradients(self, tape, loss, variables, optimizer):
        """One optimizer step on ``loss`` (a local mean) recorded by ``tape``.

        Keras sums gradients over replicas, so they are divided by the replica count. With a
        ``keras.optimizers.LossScaleOptimizer`` (``--precision=fp16``) the backward pass starts
        from the dynamic loss scale S instead of 1 (``output_gradients``: the gradient of S·loss,
        so small float16 gradients do not flush to zero); the optimizer divides by S, skips a
        step whose gradients are not finite and adapts S (Micikevicius et al. 2018).
        """
        _, n = _replica_info()
        if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
            scale = ops.cast(optimizer.dynamic_scale, loss.dtype)
            grads = tape.gradient(loss, variables, output_gradients=scale)
        else:
            grads = tape.gradient(loss, variables)
        optimizer.apply(grads if n == 1 else [g / n for g in grads], variables)

    def _update(self, loss_fn, key, variables, optimizer):
        with tf.GradientTape() as tape:
            logs = loss_fn()
        self.apply_gradients(tape, logs[key], variables, optimizer)
        return logs

    def _track(self, logs):
        missing = set(self.trackers) - set(logs)
        if missing:
            raise ValueError(f"train_step produced no value for trackers {sorted(missing)}.")
        finite = tf.math.is_finite(tf.stack([tf.cast(logs[n], tf.float32) for n in self.trackers]))
        first_bad = tf.stack(
            [tf.identity(self.step.value), tf.argmin(tf.cast(finite, tf.int32), output_type=tf.int64)]
        )
        keep = tf.logical_or(tf.reduce_all(finite), self.nonfinite.value[0] >= 0)
        self.nonfinite.assign(tf.where(keep, self.nonfinite.value, first_bad))
        results = {}
        vector = isinstance(self.distribute_strategy, tf.distribute.MultiWorkerMirroredStrategy)
        for name, tracker in self.trackers.items():
            tracker.update_state(logs[name])
            value = tracker.result()
            # MWMS fit cannot reduce scalars (tensorflow#72388): return shape (1,).
            results[name] = ops.reshape(value, (1,)) if vector else value
        return results

    def _with_layer_seeds(self, items):
        """Adds the seed states of layers with their own ``SeedGenerator`` (dropout, LIS).

        ``tf.train.Checkpoint`` does not follow a layer's ``SeedGenerator``, so without
        this a resumed run would replay other dropout masks / early-stop draws.
        """
        seeds = {}
        for key in self._model_keys:
            for layer in getattr(self, key)._flatten_layers(include_self=True, recursive=True):
                generator = getattr(layer, "seed_generator", None)
                if isinstance(generator, keras.random.SeedGenerator):
                    seeds[f"{key}_{len(seeds)}"] = generator.state
        if seeds:
            items["layer_seed_states"] = seeds
        return items

    def get_config(self):
        """The base config plus every sub-model of ``_model_keys`` (serialized) and the seed."""
        config = super().get_config()
        config["seed"] = self.seed
        return config

    # Trainer hooks (``tfgan_latent.train.runner``): previews, export, extra run files. The
    # first three are abstract: every trained model (GAN, Autoencoder) implements them.
    def preview_inputs(self, n, seed, real):
        """Fixed inputs of the run's preview grids; ``real(n)`` returns ``n`` real examples."""
        raise NotImplementedError

    def preview(self, inputs):
        """Numpy outputs the run's preview grids show for ``preview_inputs``."""
        raise NotImplementedError

    def export_to(self, base_dir, output_name, metadata):
        """Writes the model's SavedModel under ``base_dir/<next version>/``; returns the path."""
        raise NotImplementedError

    def write_run_files(self, out):
        """Extra files a finished run leaves in its folder (none by default)."""
        return {}

    # A weight average (``GAN(ema_decay=...)``): previews, scores and exports use it.
    def average_pairs(self):
        """``(average, live)`` variable pairs of a weight average the model keeps (none here)."""
        return ()

    def swap_average(self):
        """Swaps every averaged variable with its average (its own inverse: call it twice to
        get the live weights back bit for bit). ``evaluate``/``invert`` call it once on a
        loaded run, so they use what the run's previews and export showed."""
        for average, live in self.average_pairs():
            value = tf.identity(live.value)
            live.assign(average.value)
            average.assign(value)

    @contextlib.contextmanager
    def averaged(self):
        """Within: the averaged weights in place of the live ones (a no-op without average)."""
        self.swap_average()
        try:
            yield self
        finally:
            self.swap_average()

@keras.saving.register_keras_serializable(package="tfgan_latent")
class GAN(TrainedModel):
    """Shared GAN trainer (non-saturating loss unless a subclass says otherwise).

    Args:
        generator: a built Keras model mapping ``[B, latent_dim]`` to samples.
        discriminator: a built Keras model mapping samples to scores ``[B, 1]``.
        latent_dim: size of z.
        d_steps: discriminator updates per batch (each on its own slice of real data:
            the dataset must yield ``d_steps * batch_size`` examples per step).
        g_steps: generator updates per batch.
        latent_distribution: ``"normal"`` (N(0, I)) or ``"uniform"`` (U(-1, 1)).
        reuse_latents: the generator updates of a batch reuse the z batch of its last
            discriminator update instead of drawing their own (the DCGAN reference code
            carpedm20/DCGAN-tensorflow feeds one ``batch_z`` to its 1 D and 2 G updates,
            and RFGAN §4.2 follows it).
        ema_decay: 0 (default: none of the five papers averages) or β in (0, 1): keep an
            exponential moving average of ``generator_variables`` (Yazıcı et al. 2019, "The
            unusual effectiveness of averaging in GAN training"; Karras et al. 2018 §A.1 use
            β = 0.999), updated once per ``train_step`` after its G updates with the decay
            min(β, (1 + t) / (10 + t)) at step t (the ``num_updates`` rule of TF's
            ``ExponentialMovingAverage``, so a short run's average does not stay near the
            initial weights). Only trainable variables are averaged; batch-norm moving
            statistics stay the live generator's. Previews, scores and the export use the
            average (``averaged``); the checkpoint keeps both. A subclass with its own
            ``train_step`` supports it by calling ``update_average`` and declaring
            ``updates_average = True`` (else ``ema_decay`` is refused).
        seed: seed of the model's ``SeedGenerator`` (z and penalty draws).
    """

    tracker_names = ("d_loss", "g_loss", "d_real", "d_fake")
    _model_keys = ("generator", "discriminator")  # sub-models in the config and checkpoint
    # Declared by the class that defines ``train_step``, in its own body: True where that
    # step calls ``update_average`` exactly once, after its G updates and after counting the
    # step. ``ema_decay`` is refused for a model whose train_step's class does not declare it
    # (a subclass that overrides train_step does not inherit the declaration).
    updates_average = True

    def __init__(
        self,
        generator,
        discriminator,
        *,
        latent_dim,
        d_steps=1,
        g_steps=1,
        latent_distribution="normal",
        reuse_latents=False,
        ema_decay=0.0,
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        if not (isinstance(ema_decay, (int, float)) and 0.0 <= ema_decay < 1.0):
            raise ValueError(f"`ema_decay` must be a number in [0, 1) (0: no weight average), "
                             f"got {ema_decay!r}.")
        owner = next(c for c in type(self).__mro__ if "train_step" in vars(c))
        if ema_decay and not vars(owner).get("updates_average", False):
            # A train_step that does not call update_average would preview and export a
            # never-updated average (the initial weights): refuse it.
            raise ValueError(f"`ema_decay` is not supported by {type(self).__name__}, whose "
                             f"train_step ({owner.__name__}.train_step) does not update the "
                             "weight average.")
        for name, value in (("latent_dim", latent_dim), ("d_steps", d_steps), ("g_steps", g_steps)):
            positive_int(name, value)
        if latent_distribution not in LATENT_DISTRIBUTIONS:
            raise ValueError(
                f"`latent_distribution` must be one of {LATENT_DISTRIBUTIONS}, "
                f"got {latent_distribution!r}."
            )
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = latent_dim
        self.d_steps = d_steps
        self.g_steps = g_steps
        self.latent_distribution = latent_distribution
        self.reuse_latents = bool(reuse_latents)
        self.ema_decay = float(ema_decay)
        # Starts at the initial weights; created here, so inside the strategy's scope.
        self.generator_average = [
            keras.Variable(ops.convert_to_tensor(v), trainable=False,
                           aggregation="only_first_replica", name=f"average_{i}")
            for i, v in enumerate(self.generator_variables)] if self.ema_decay else []
        self.built = True  # sub-models are built; lets fit run under a strategy

    # ----------------------------------------------------------------- compile
    def compile(self, *, g_optimizer, d_optimizer, **kwargs):
        """Stores and builds both optimizers (call inside ``strategy.scope()``)."""
        kwargs.setdefault("optimizer", None)
        if kwargs.get("jit_compile") and tf.distribute.has_strategy():
            raise ValueError("`jit_compile=True` is not supported under a tf.distribute strategy.")
        super().compile(**kwargs)
        self.g_optimizer = loss_scaled(keras.optimizers.get(g_optimizer))
        self.d_optimizer = loss_scaled(keras.optimizers.get(d_optimizer))
        self.g_optimizer.build(self.generator_variables)
        self.d_optimizer.build(self.discriminator_variables)

    @property
    def generator_variables(self):
        """Variables the generator update trains (LIS adds its modules here)."""
        return self.generator.trainable_variables

    @property
    def discriminator_variables(self):
        return self.discriminator.trainable_variables

    def average_pairs(self):
        return tuple(zip(self.generator_average, self.generator_variables))

    def update_average(self):
        """One update of the generator's weight average (``ema_decay``), at step ``self.step``
        (already counted); a model with its own ``train_step`` calls it exactly once per step,
        after its G updates and ``self.step.assign_add(1)`` (so the first step has t = 1)."""
        if not self.ema_decay:
            return
        t = ops.cast(self.step.value, "float32")
        decay = ops.minimum(self.ema_decay, (1.0 + t) / (10.0 + t))
        for average, live in self.average_pairs():
            average.assign(decay * average.value + (1.0 - decay) * live.value)

    # -------------------------------------------------------------- sampling
    def sample_latent(self, batch_size):
        """z for this replica's batch: N(0, I) or U(-1, 1) per ``latent_distribution``."""
        if self.latent_distribution == "normal":
            sampler = lambda s: keras.random.normal(s, seed=self.seed_generator)
        else:
            sampler = lambda s: keras.random.uniform(s, -1.0, 1.0, seed=self.seed_generator)
        return self._global_draw(sampler, batch_size, (self.latent_dim,))

    def sample_uniform(self, batch_size, rest_shape=()):
        """U(0, 1) per example (e.g. gradient-penalty interpolation weights)."""
        sampler = lambda s: keras.random.uniform(s, seed=self.seed_generator)
        return self._global_draw(sampler, batch_size, rest_shape)

    # ------------------------------------------------------------ inference
    def _check_latent(self, z):
        shape = tuple(z.shape)
        if len(shape) != 2 or (shape[-1] is not None and shape[-1] != self.latent_dim):
            raise ValueError(
                f"`z` must have shape [batch, {self.latent_dim}] (latent_dim={self.latent_dim}), "
                f"got shape {shape}."
            )

    def call(self, z, training=False):
        """Generates samples from latents ``z`` of shape ``[B, latent_dim]``."""
        self._check_latent(z)
        return self.generator(z, training=training)

    def generate(self, z):
        """Inference-mode samples for a numpy or tensor ``z``."""
        z = ops.convert_to_tensor(z, dtype="float32")
        return self(z, training=False)

    # ------------------------------------------------------ loss pieces
    def adversarial_d_loss(self, real_out, fake_out):
        """Adversarial D loss; default: non-saturating GAN (Goodfellow et al. 2014, Eq. 1)."""
        return losses.non_saturating_discriminator_loss(real_out, fake_out)

    def adversarial_g_loss(self, fake_out):
        """Adversarial G loss; default: the -log D(G(z)) form (Goodfellow et al. 2014, §3)."""
        return losses.non_saturating_generator_loss(fake_out)

    def penalty(self, real, fake):
        """Extra discriminator penalty (gradient penalties); None for none."""
        return None

    def discriminator_losses(self, real, z):
        """Scalars for one D update; must contain ``d_loss`` (the minimised total)."""
        return self.discriminator_losses_on(real, self.generator(z, training=True))

    def discriminator_losses_on(self, real, fake):
        """``discriminator_losses`` for given fake samples."""
        real_out = self.discriminator(real, training=True)
        fake_out = self.discriminator(fake, training=True)
        d_loss = self.adversarial_d_loss(real_out, fake_out)
        logs = {"d_real": ops.mean(real_out), "d_fake": ops.mean(fake_out)}
        pen = self.penalty(real, fake)
        if pen is not None:
            logs["penalty"] = pen
            d_loss = d_loss + pen
        logs["d_loss"] = d_loss
        return logs

    def generator_losses(self, z):
        """Scalars for one G update; must contain ``g_loss``."""
        fake = self.generator(z, training=True)
        return {"g_loss": self.adversarial_g_loss(self.discriminator(fake, training=True))}

    # ------------------------------------------------------------- training
    def _split_real(self, real):
        """Splits a [d_steps * b, ...] batch into d_steps interleaved slices of b rows.

        Row j goes to slice j % d_steps, so with a distributed batch each D step still
        sees the same global set of real examples as on one device.
        """
        if self.d_steps == 1:
            return [real]
        grouped = ops.reshape(real, (-1, self.d_steps) + tuple(real.shape[1:]))
        return [grouped[:, i] for i in range(self.d_steps)]

    def train_step(self, data):
        real = data[0] if isinstance(data, (tuple, list)) else data
        logs, z = {}, None
        for chunk in self._split_real(real):
            batch = ops.shape(chunk)[0]
            z = self.sample_latent(batch)
            d_logs = self._update(
                lambda: self.discriminator_losses(chunk, z),
                "d_loss",
                self.discriminator_variables,
                self.d_optimizer,
            )
            logs.update(d_logs)
        batch = ops.shape(real)[0] // self.d_steps
        for _ in range(self.g_steps):
            g_logs = self._update(
                lambda: self.generator_losses(z if self.reuse_latents else self.sample_latent(batch)),
                "g_loss",
                self.generator_variables,
                self.g_optimizer,
            )
            logs.update(g_logs)
        self.step.assign_add(1)
        self.update_average()
        return self._track(logs)

    # ---------------------------------------------------------- checkpoints
    def checkpoint_items(self):
        """Everything a bitwise resume needs, for ``tf.train.Checkpoint``."""
        items = {
            "generator": self.generator,
            "discriminator": self.discriminator,
            "g_optimizer": self.g_optimizer,
            "d_optimizer": self.d_optimizer,
            "seed_state": self.seed_generator.state,
            "step": self.step,
        }
        if self.generator_average:
            items["generator_average"] = {str(i): v for i, v in enumerate(self.generator_average)}
        return self._with_layer_seeds(items)

    @property
    def output_generator(self):
        """The model samples and exports use (the generator; R-separate: G∘R∘G)."""
        return self.generator

    def serving_generator(self):
        """The model ``export`` writes: ``output_generator`` unless a subclass simplifies it."""
        return self.output_generator

    @property
    def latent_prior(self):
        """The prior's name for ``prior_latents`` (written into exports for evaluation)."""
        return self.latent_distribution

    @property
    def latent_prior_args(self):
        """Extra ``prior_latents`` arguments of this model's prior (exported beside its name)."""
        return {}

    def fixed_latents(self, n, seed):
        """``n`` latents from the prior as numpy, fixed by ``seed`` (sample grids, evaluation)."""
        return prior_latents(self.latent_prior, n, self.latent_dim, seed, **self.latent_prior_args)

    def export_endpoints(self):
        """Extra ``(name, fn(generator, z) -> dict)`` SavedModel signatures (none here)."""
        return ()

    def preview_inputs(self, n, seed, real):
        return self.fixed_latents(n, seed)

    def preview(self, inputs):
        return ops.convert_to_numpy(self.output_generator(inputs, training=False))

    def export_to(self, base_dir, output_name, metadata):
        """``serving_default``: z → samples (plus ``export_endpoints``), for TF Serving."""
        from tfgan_latent.train import export  # the trainer's module; imported late

        return export.export_generator(
            self.serving_generator(), self.latent_dim, base_dir, output_name,
            extra_endpoints=self.export_endpoints(), metadata=metadata)

    # ------------------------------------------------------------ config
    def get_config(self):
        config = super().get_config()
        config.update(
            latent_dim=self.latent_dim,
            d_steps=self.d_steps,
            g_steps=self.g_steps,
            latent_distribution=self.latent_distribution,
            reuse_latents=self.reuse_latents,
            ema_decay=self.ema_decay,
        )
        return config

    def get_compile_config(self):
        return {
            "g_optimizer": keras.saving.serialize_keras_object(self.g_optimizer),
            "d_optimizer": keras.saving.serialize_keras_object(self.d_optimizer),
        }

    def compile_from_config(self, config):
        self.compile(
            g_optimizer=keras.saving.deserialize_keras_object(config["g_optimizer"]),
            d_optimizer=keras.saving.deserialize_keras_object(config["d_optimizer"]),
        )
