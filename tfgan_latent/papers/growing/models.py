"""One cycle of the growing thesis's CNN models: WGAN-GP with the cycle's fades (§6.2, §7.2.3).

A growing run is a sequence of cycles (``registration.py`` makes each a runner stage):
cycle k trains ``GrowingGAN`` on the nets of ``cnn.build_generator(arch_k, arch_{k-1})``
/ ``cnn.build_discriminator(...)`` with the previous cycle's weights transferred
(``cnn.transfer_weights``) and new Adam optimizers (§6.2; code ``subGAN.train`` builds
them per cycle). ``cycle_schedule`` splits ``--steps`` in the thesis's epoch ratio.
"""
import dataclasses

import keras
from keras import ops

from tfgan_latent.layers import AlphaFade, MinibatchStddev, coarsen_real_images, fade_real_images
from tfgan_latent.models.gan import in_cross_replica
from tfgan_latent.models.variants import WGANGP
from tfgan_latent.papers.growing import cnn
from tfgan_latent.papers.growing import walks
from tfgan_latent.papers.growing.walks import NORMALIZATIONS

_register = keras.saving.register_keras_serializable(package="tfgan_latent")

# How D's real images are shown per model (§6.2.7): at full size, coarsened to the
# cycle's content resolution and re-upsampled (Fig. 4), or downsampled to the nets'
# resolution with the new resolution faded in (Fig. 5).
REAL_IMAGES = {"bgan": "full", "bggan": "coarsen", "cggan": "coarsen",
               "lggan": "fade", "clggan": "fade"}


@dataclasses.dataclass(frozen=True)
class CycleSteps:
    """Global steps of one cycle: ``[start, end)``, the first ``fade`` of them fading."""

    start: int
    end: int
    fade: int


def cycle_schedule(model, num_cycles, steps, first_epochs=4, grown_epochs=8, fade_epochs=4):
    """Splits ``steps`` over the cycles in the ratio of the thesis's epochs (§7.2.3).

    Thesis: 4 epochs for cycle 1 and 8 for each later one (4, 8, 8, 8, 8, 8 = 44 at
    128 px), the first 4 of a grown cycle fading α, β: 0 -> 1 and τ: 0 -> 1/2, the other
    4 stable. bGAN is one cycle of all 44 epochs. bgGAN / cgGAN also fade the real images
    over the first ``fade_epochs`` of cycle 1 (code ``useAlpha = y.y.y.y.y.y``,
    growing.md A14); lgGAN / clgGAN cycle 1 has no fade. Step counts are rounded from
    ``steps * epochs / total epochs``; a grown cycle fades for at least one step and ends
    with at least one step at full fade (p = 1), so every growth starts from a net whose
    new parts are fully in, even when ``fade_epochs`` >= ``grown_epochs`` or the run is short.
    """
    if model not in cnn.MODELS:
        raise ValueError(f"`model` must be one of {cnn.MODELS}, got {model!r}.")
    for name, value in (("first_epochs", first_epochs), ("grown_epochs", grown_epochs),
                        ("fade_epochs", fade_epochs), ("num_cycles", num_cycles)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"`{name}` must be a positive int, got {value!r}.")
    epochs = [first_epochs] + [grown_epochs] * (num_cycles - 1)
    if model == "bgan":
        return [CycleSteps(0, steps, 0)]
    least = 1 + 2 * (num_cycles - 1)
    if steps < least:
        raise ValueError(
            f"--steps={steps} is too few for {num_cycles} cycles of {model}: cycle 1 needs a "
            "step and every grown cycle two (its fade must end, at β = 1, before the next "
            f"growth); use --steps >= {least}."
        )
    total = sum(epochs)
    ends = [round(steps * sum(epochs[: k + 1]) / total) for k in range(num_cycles)]
    plan, start = [], 0
    for k, end in enumerate(ends):
        end = max(end, start + (1 if k == 0 else 2)) if k < num_cycles - 1 else steps
        end = min(end, steps - 2 * (num_cycles - 1 - k))  # leave two steps per later cycle
        if k == 0:
            fade_ep = min(fade_epochs, first_epochs) if REAL_IMAGES[model] == "coarsen" else 0
            room = end - start  # the real-image fade may fill cycle 1 (the thesis: 4 of 4)
        else:
            fade_ep = min(fade_epochs, grown_epochs)
            room = end - start - 1  # at least the cycle's last step runs at β = α = 1
        fade = min(room, max(1, round(steps * fade_ep / total))) if fade_ep else 0
        plan.append(CycleSteps(start, end, fade))
        start = end
    return plan


def _arch_from_config(arch):
    if isinstance(arch, cnn.CycleArch):
        return arch
    arch = dict(arch)
    arch["widths"] = tuple(tuple(w) for w in arch["widths"])
    return cnn.CycleArch(**arch)


@_register
class GrowingGAN(WGANGP):
    """WGAN-GP on one cycle of a growing model, with the cycle's α / β / τ and real-image fades.

    Per ``train_step`` (one minibatch; thesis §7.2.3, code ``subGAN.train``):

    1. fade progress ``p = min(1, (step - cycle_start) / fade_steps)`` (1 without a fade).
       In a grown cycle every β-faded layer gets ``beta = p``, the ``AlphaFade`` layers
       ``alpha = p`` and the minibatch-stddev ``tau = tau_end * p`` (§6.2.6, §6.2.7). The
       code increments them after each iteration (``alpha += 0.25 / batch_idxs``), so
       iteration i of a cycle runs at ``i / fade_steps``, as here.
    2. the real batch D sees: lgGAN / clgGAN box-downsample it to the nets' resolution
       and, in a grown cycle, fade the new resolution in with ``p`` (Fig. 5); bgGAN /
       cgGAN coarsen it to ``4 * 2^(cycle-1)`` pixels and upsample back, fading from half
       that with ``p`` (Fig. 4, also in cycle 1); bGAN uses it as is.
    3. z: N(0, I_latent_dim) normalised to unit length, its first ``arch.latent_dim``
       coordinates fed to G (§7.2.3).
    4. one D step (WGAN-GP, λ = 10, the gradient of the batch sum at x̂ since the
       minibatch stddev couples the samples, §4.6) then one G step with the **same** z
       (code: one ``batch_z`` feeds both ``d_optim`` and ``g_optim``; n_critic = 1).

    ``call`` / ``output_generator`` / the export take the full ``latent_dim``-d z and
    use its prefix, so the serving signature is z ``[None, latent_dim]`` in every cycle.

    Args:
        generator, discriminator: this cycle's nets (``cnn.build_generator(arch, prev)``).
        arch: this cycle's ``cnn.CycleArch``.
        image_size: the real images' size (the final resolution).
        cycle_start: global step at which the cycle starts.
        fade_steps: steps over which the fades run (0: none).
        tau_end: τ after the fade (1/2: the old and new channel halves weigh the same, i.e.
            the plain statistic; §6.2.6, growing.md A11).
        latent_normalization: ``"per_sample"`` (each z has norm 1, the thesis text) or
            ``"batch"`` (the whole minibatch matrix has norm 1, the authors' code; A2).
        **kwargs: ``WGANGP`` arguments (``latent_dim`` = the full latent size, thesis 256;
            ``gp_weight``; ``seed``; ``ema_decay``, not in the thesis: see below).
            ``d_steps`` / ``g_steps`` are 1.

    Weight average (``ema_decay`` > 0): updated once per step after the G step, over this
    cycle's generator variables. A grown cycle's nets are new variables, so its average is
    made at the growth by ``grow_average_from(prev)``: the previous cycle's average goes
    through the same transfer as the weights (``cnn.transfer_weights``: the old weights into
    each layer's leading block), and the new entries and new layers start at the grown net's
    own fresh values. So the average runs on across the growth as ProGAN's does (Karras et al.
    2018 §A.1, β = 0.999; their train.py averages one network that holds every resolution,
    ``Gs = G.clone()``, ``Gs.setup_as_moving_average_of(G)``, where a layer not yet faded in
    sits at its initial values in both), instead of restarting at the live weights, which
    with β = 0.999 would show the cycle's first weights for about a thousand steps. The decay's
    warm-up counts the global step. α, β and τ are not trainable, so the averaged net fades
    as the live one does.
    """

    tracker_names = WGANGP.tracker_names + ("fade",)
    updates_average = True  # train_step calls update_average once, after the G step

    def __init__(self, generator, discriminator, *, arch, image_size, cycle_start=0,
                 fade_steps=0, tau_end=0.5, latent_normalization="per_sample",
                 latent_batch_size=None, **kwargs):
        for name in ("d_steps", "g_steps"):
            if kwargs.pop(name, 1) != 1:
                raise ValueError(f"GrowingGAN trains one D and one G step per batch; `{name}` "
                                 "must be 1 (thesis §7.2.3: n_critic = 1).")
        if latent_normalization not in NORMALIZATIONS:
            raise ValueError(f"`latent_normalization` must be one of {NORMALIZATIONS}, got "
                             f"{latent_normalization!r}.")
        kwargs.setdefault("latent_distribution", "normal")
        super().__init__(generator, discriminator, **kwargs)
        self.arch = _arch_from_config(arch)
        if self.arch.latent_dim > self.latent_dim:
            raise ValueError(f"`arch` takes {self.arch.latent_dim} latents, more than "
                             f"latent_dim={self.latent_dim}.")
        if image_size % self.arch.resolution:
            raise ValueError(f"`image_size`={image_size} must be a multiple of the cycle's "
                             f"resolution {self.arch.resolution}.")
        for name, value in (("cycle_start", cycle_start), ("fade_steps", fade_steps)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"`{name}` must be an int >= 0, got {value!r}.")
        self.image_size = image_size
        self.cycle_start, self.fade_steps = cycle_start, fade_steps
        self.tau_end = float(tau_end)
        self.latent_normalization = latent_normalization
        self.latent_batch_size = latent_batch_size  # the global training batch (fixed latents)
        self.real_images = REAL_IMAGES[self.arch.model]
        # [cycle, first step, fade steps]: read in-graph, so a checkpoint carries the schedule.
        self.schedule = keras.Variable(
            [self.arch.cycle, cycle_start, fade_steps], dtype="int64", trainable=False,
            aggregation="only_first_replica", name="cycle_schedule")
        self._betas, self._alphas, self._taus = [], [], []
        if self.arch.cycle > 1:  # only a grown cycle's nets fade
            for net in (generator, discriminator):
                for layer in net._flatten_layers(include_self=False, recursive=True):
                    if hasattr(layer, "grow_from"):
                        self._betas.append(layer.beta)
                    elif isinstance(layer, AlphaFade):
                        self._alphas.append(layer.alpha)
                    elif isinstance(layer, MinibatchStddev) and layer.tau is not None:
                        self._taus.append(layer.tau)

    # ------------------------------------------------------------ schedule
    def fade_progress(self):
        """``p`` of the current step: ``min(1, (step - start) / fade_steps)``; 1 without fade."""
        start, fade = self.schedule[1], self.schedule[2]
        dtype = cnn.output_dtype()  # float64 under a float64 policy (parity), else float32
        done = ops.cast(self.step - start, dtype)
        ratio = done / ops.cast(ops.maximum(fade, 1), dtype)
        return ops.where(fade > 0, ops.minimum(ops.cast(1.0, dtype), ratio), ops.cast(1.0, dtype))

    def _apply_schedule(self, progress):
        def assign():
            for variable in self._betas + self._alphas:
                variable.assign(progress)
            for variable in self._taus:
                variable.assign(self.tau_end * progress)
        if self._betas or self._alphas or self._taus:
            in_cross_replica(assign)

    def discriminator_reals(self, real, progress):
        """The real batch D sees at ``progress`` (step 2 of the class docstring)."""
        cycle, size = self.arch.cycle, self.image_size
        if self.real_images == "coarsen":
            if 4 * 2 ** (cycle - 1) > size:  # a latent-only cycle grown on past the resolution
                return real
            return coarsen_real_images(real, 4 * 2 ** (cycle - 1), progress)
        if self.real_images == "fade":
            factor = size // self.arch.resolution
            if factor > 1:
                real = ops.average_pool(real, factor, strides=factor, padding="valid")
            return fade_real_images(real, progress) if cycle > 1 else real
        return real

    # ------------------------------------------------------------- latents
    def sample_latent(self, batch_size):
        """Unit-norm N(0, I) draws of ``latent_dim``; returns the prefix G takes (§7.2.3)."""
        axis = 1 if self.latent_normalization == "per_sample" else None

        def sampler(shape):
            z = keras.random.normal(shape, seed=self.seed_generator)
            return z / ops.sqrt(ops.sum(ops.square(z), axis=axis, keepdims=True))

        z = self._global_draw(sampler, batch_size, (self.latent_dim,))
        return z[:, : self.arch.latent_dim]

    @property
    def latent_prior(self):
        """Unit-norm N(0, I) latents, per sample (the text) or per batch (the code)."""
        return "unit_sphere" if self.latent_normalization == "per_sample" else "unit_sphere_batch"

    @property
    def latent_prior_args(self):
        """Per-batch normalisation scales rows by about 1/√B: evaluate with the training B."""
        batch = self.latent_batch_size if self.latent_normalization == "batch" else None
        return {"batch_size": batch} if batch else {}

    # ------------------------------------------------------------ training
    def train_step(self, data):
        real = data[0] if isinstance(data, (tuple, list)) else data
        progress = self.fade_progress()
        self._apply_schedule(progress)
        real = self.discriminator_reals(real, progress)
        z = self.sample_latent(ops.shape(real)[0])
        logs = dict(self._update(lambda: self.discriminator_losses(real, z), "d_loss",
                                 self.discriminator_variables, self.d_optimizer))
        logs.update(self._update(lambda: self.generator_losses(z), "g_loss",
                                 self.generator_variables, self.g_optimizer))
        logs["fade"] = progress
        self.step.assign_add(1)
        self.update_average()
        return self._track(logs)

    def grow_average_from(self, prev):
        """Makes this grown cycle's weight average from ``prev``'s (the previous cycle's GAN,
        whose weights ``cnn.transfer_weights`` put into this cycle's nets): ``prev``'s average
        transferred the same way, with this net's own values in every entry that is new.

        The transfer's fresh draws come from the layers' unseeded initializers, which give the
        same values on every call (Keras: an unseeded initializer "will produce the same random
        values across multiple calls"), so the new entries equal the live net's. Without an
        average in ``prev`` (or here), this cycle's average stays at its start (the live
        weights). Call it before training the cycle, in the strategy's scope.
        """
        if not self.generator_average or not getattr(prev, "generator_average", None):
            return
        live = [ops.convert_to_numpy(v) for v in self.generator_variables]
        with prev.averaged():
            cnn.transfer_weights(self.generator, prev.generator)
        for average, variable in self.average_pairs():
            average.assign(variable.value)
        for variable, value in zip(self.generator_variables, live):
            variable.assign(value)

    # ----------------------------------------------------------- inference
    def call(self, z, training=False):
        """Samples from full ``[B, latent_dim]`` latents (G reads their prefix)."""
        self._check_latent(z)
        return self.generator(z[:, : self.arch.latent_dim], training=training)

    def _with_prefix(self, generator):
        if self.arch.latent_dim == self.latent_dim:
            return generator
        z = keras.Input((self.latent_dim,), dtype=cnn.output_dtype(), name="z")
        return keras.Model(z, generator(z[:, : self.arch.latent_dim]), name="prefix_generator")

    @property
    def output_generator(self):
        """G on the full z (its prefix), at the current α / β."""
        return self._with_prefix(self.generator)

    def evaluation_extras(self, real, seed):
        """§9's proposed number, per latent group: ``walks.run_group_variability`` of the
        output generator with the run's latent normalisation (``real`` is not used)."""
        del real
        return walks.run_group_variability(self.output_generator, self.latent_dim, seed,
                                           **walks.latent_settings(self))

    def serving_generator(self):
        """Once the fade is over (α = β = 1): the plain net of this cycle's architecture.

        It has the trained weights and no fade-only toRGB branch, and gives the same
        images as the fading net (tested); during a fade, the fading net itself.
        """
        faded = float(ops.convert_to_numpy(self.fade_progress())) >= 1.0
        if self.arch.cycle == 1 or not faded:
            return self.output_generator
        plain = cnn.build_generator(self.arch)
        for layer in plain.layers:
            if layer.trainable_weights:
                source = self.generator.get_layer(layer.name)
                for target, value in zip(layer.trainable_weights, source.trainable_weights):
                    target.assign(value.numpy())
        return self._with_prefix(plain)

    # -------------------------------------------------------- checkpoints
    def checkpoint_items(self):
        return {**super().checkpoint_items(), "cycle_schedule": self.schedule}

    def get_config(self):
        config = super().get_config()
        for key in ("d_steps", "g_steps"):
            config.pop(key)
        config.update(arch=dataclasses.asdict(self.arch), image_size=self.image_size,
                      cycle_start=self.cycle_start, fade_steps=self.fade_steps,
                      tau_end=self.tau_end, latent_normalization=self.latent_normalization,
                      latent_batch_size=self.latent_batch_size)
        return config
