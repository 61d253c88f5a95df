"""The §7.1 Swiss-roll MLP GAN and its latent growth 1 -> 2 (§6.1) on the shared GAN base.

Nets (thesis §7.1): G and D each have 4 hidden ``Dense(32)`` + ``LeakyReLU(0.2)`` and a
linear output (G -> 2 points, D -> 1 logit). Initialisation is not in the thesis; it is
that of the authors' TF1 ``tf.layers.dense`` (``Swiss_roll/gan/gan.py::generator`` /
``discriminator``): Glorot-uniform kernels, zero biases. The nets' inputs take the dtype
policy's float64 under a float64 policy (``cnn.output_dtype``; float32 otherwise), so the
parity tests against the authors' code (``tests/test_parity_growing.py``) run in float64.

Growth (§6.1): "add m - n columns of weights to the weight matrix of the first layer in
the generator [...] the new weights are zero initialized"; the biases, every later G
layer and the whole D are kept ("the architecture of the discriminator network is
entirely unchanged"; research/growing.md A22). Here G is built once with its final
latent size; its first layer is a ``BetaFadedDense(old_input_dim=start_latent_dim)``
whose new rows start at 0 and whose ``beta`` is the growth switch: 0 before the growth
step (the new rows are multiplied by 0, so z_2 has no effect and the rows get an exact
zero gradient, hence stay exactly 0 under RMSprop), 1 from the growth step on. There is
**no** β fade for the MLP (§6.1 zero-initialises instead; the fade is the CNN's, §6.2.7).
The switch happens inside ``train_step`` when ``step == growth_step``, so ``fit``,
``steps_per_execution``, checkpoints and bitwise resume need no graph rebuild.
"""
import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

from tfgan_latent.checks import positive_int
from tfgan_latent.layers import BetaFadedDense
from tfgan_latent.models.gan import GAN, in_cross_replica
from tfgan_latent.papers.growing import cnn, evaluation

_register = keras.saving.register_keras_serializable(package="tfgan_latent")
LEAKY_SLOPE = 0.2  # §7.1: "leakiness factor c = 0.2"; code: tf.nn.leaky_relu default 0.2



def _hidden(x, units, first, last):
    """Dense(units) + LeakyReLU(0.2) layers ``h{first}`` .. ``h{last}`` (code names)."""
    for i in range(first, last + 1):
        x = layers.Dense(units, name=f"h{i}")(x)  # Keras defaults: glorot_uniform / zeros
        x = layers.LeakyReLU(LEAKY_SLOPE, name=f"h{i}_act")(x)
    return x


def swiss_roll_generator(latent_dim=2, start_latent_dim=None, units=32, num_layers=4,
                         name="generator"):
    """The §7.1 generator: z ``[B, latent_dim]`` -> points ``[B, 2]``.

    Args:
        latent_dim: size of z the generator takes (its final size; thesis: 2).
        start_latent_dim: ``None`` for a plain (from-scratch) generator. Otherwise the
            latent size before the growth (thesis: 1): the first layer ``h1`` is a
            ``BetaFadedDense`` whose kernel rows ``>= start_latent_dim`` are the new
            rows, initialised to 0, with ``beta = 0`` (not yet grown). Its old rows are
            drawn Glorot-uniform with the *pre-growth* fan-in (``[start_latent_dim,
            units]``), exactly as the authors' ``gan.py --zdim 1`` run draws them.
        units: units per hidden layer (§7.1: 32).
        num_layers: hidden layers (§7.1: 4; the code's default is 2.16, but the thesis
            and the code's ``4.32`` model directory use 4 x 32, research/growing.md A3).
        name: model name.

    Reference: Sandström 2019, §7.1 (nets), §6.1 (zero-initialised new first-layer
    rows); init and layer names (``h1``..``h4``, ``out``) from the authors'
    ``Swiss_roll/gan/gan.py`` and ``restore_and_retrain.py``.
    """
    for arg, value in (("latent_dim", latent_dim), ("units", units), ("num_layers", num_layers)):
        positive_int(arg, value)
    if start_latent_dim is not None:
        positive_int("start_latent_dim", start_latent_dim)
        if start_latent_dim >= latent_dim:
            raise ValueError(
                f"`start_latent_dim` ({start_latent_dim}) must be smaller than `latent_dim` "
                f"({latent_dim}) for a growing generator; pass None for a plain one."
            )
    z = keras.Input((latent_dim,), dtype=cnn.output_dtype(), name="z")
    if start_latent_dim is None:
        x = layers.Dense(units, name="h1")(z)
    else:
        first = BetaFadedDense(units, old_input_dim=start_latent_dim, initial_beta=0.0,
                               kernel_initializer="zeros", name="h1")
        x = first(z)
        # Old rows: Glorot-uniform over the pre-growth [start, units] kernel; new rows: 0.
        old_kernel = keras.initializers.GlorotUniform()((start_latent_dim, units))
        first.grow_from([ops.convert_to_numpy(old_kernel), np.zeros(units, "float32")])
    x = layers.LeakyReLU(LEAKY_SLOPE, name="h1_act")(x)
    x = _hidden(x, units, 2, num_layers)
    out = layers.Dense(2, name="out")(x)
    return keras.Model(z, out, name=name)


def swiss_roll_discriminator(units=32, num_layers=4, name="discriminator"):
    """The §7.1 discriminator: points ``[B, 2]`` -> logits ``[B, 1]``.

    Reference: Sandström 2019, §7.1; Glorot-uniform kernels and zero biases from the
    authors' ``Swiss_roll/gan/gan.py::discriminator`` (TF1 ``tf.layers.dense``).
    """
    for arg, value in (("units", units), ("num_layers", num_layers)):
        positive_int(arg, value)
    x_in = keras.Input((2,), dtype=cnn.output_dtype(), name="x")
    x = _hidden(x_in, units, 1, num_layers)
    out = layers.Dense(1, name="out")(x)
    return keras.Model(x_in, out, name=name)


def _fresh_state(optimizer):
    """``[(variable, value)]``: the optimizer's state as a freshly built optimizer has it.

    Every optimizer variable except the learning rate (``iterations``, RMSprop's
    ``velocity`` slots, ...) with its value right after ``build``. Assigning these
    resets the optimizer to a new one, as the authors' ``restore_and_retrain.py`` gets by
    building new ``RMSPropOptimizer`` s in a new graph (only trainable variables restored).
    """
    lr = getattr(optimizer, "_learning_rate", None)
    return [(v, np.array(v.numpy())) for v in optimizer.variables if v is not lr]


def _repeat(n, update):
    """Runs ``update()`` (returning a dict of scalars) ``n`` times; returns the last logs.

    The first call is traced in Python, the other ``n - 1`` in a ``tf.while_loop`` in
    graph mode: one copy of the update in the graph instead of ``n`` (XLA compiles the
    10 + 10 updates in seconds instead of about half a minute). Eagerly, and under a
    multi-replica strategy (whose optimizer ``merge_call`` may not sit inside a loop),
    it is a plain Python loop.
    """
    logs = update()
    if n == 1:
        return logs
    if tf.executing_eagerly() or tf.distribute.get_strategy().num_replicas_in_sync > 1:
        for _ in range(n - 1):
            logs = update()
        return logs
    _, logs = tf.while_loop(lambda i, _: i < n, lambda i, _: (i + 1, update()),
                            (tf.constant(1), logs))
    return logs


@_register
class MLPGrowingGAN(GAN):
    """Sandström's Swiss-roll MLP GAN: 10 D then 10 G updates per minibatch, latent growth.

    Per ``train_step`` (one minibatch, ``steps`` counts these "iterations"):

    1. if ``step == growth_step``: grow (``beta`` of G's first layer 0 -> 1) and reset
       both optimizers to their fresh state (``iterations`` and slots to their build
       values, the learning rate kept);
    2. draw one z ~ U(-1, 1)^latent_dim and ``x_fake = G(z)``;
    3. ``d_updates`` D updates on the same real batch and the same ``x_fake`` (G does not
       change in between, so the fakes are computed once);
    4. ``g_updates`` G updates on the same z.

    Losses: non-saturating (thesis Eq. 6 and 8; code ``--l ns``, sigmoid cross-entropy on
    logits, the D loss the sum of the real and fake terms). The dataset batch is one
    minibatch (``d_steps = 1``): every D update reuses it.

    Code vs thesis:

    * 10 + 10 updates on the same batch and z: code ``nd_steps = ng_steps = 10`` and its
      loop feeds one ``X_batch`` / ``Z_batch`` to both; the thesis only says "for each
      minibatch, the generator and discriminator are updated ten times" (§7.1).
    * Optimizer reset at growth, for **both** G and D: the code (``restore_and_retrain.py``
      makes new optimizers and restores only the trainable weights); the thesis does
      not say.
    * Growth at half the iterations (7,500 of 15,000): the thesis ("1.92/2M real examples"
      at each size, §7.1); the code's default is 10,050 more iterations after a separate
      ``--zdim 1`` run (research/growing.md A5). Set by the caller as ``growth_step``.
    * Old first-layer bias kept, new rows zero: thesis §6.1 and code ``--init z``.
    * Before growth z is still drawn with ``latent_dim`` coordinates (z_2 is ignored,
      its row being switched off); the code draws 1-d z then. Same distribution of
      G(z), another random stream.
    * Thesis over code: 4 x 32 nets (code default ``2.16``, A3), the non-saturating loss
      (code default ``--l wa``, A7), lr honoured (the code hard-codes RMSprop 1e-3 and
      ignores ``--lr``, so the thesis's lr-5 run of Fig. 7 is ``lr=5`` here, A4), data
      noise 0.5 (the code's ``--tn`` default is 0.0).
    * Keras RMSprop (epsilon inside the square root, as TF1's) starts its accumulator at
      0; TF1's ``RMSPropOptimizer`` starts it at 1 (A6): ``--rmsprop_initial_accumulator=1``
      (``optimizers.TF1RMSprop``; the ``authors_code`` preset) starts it as theirs, and
      ``tests/test_parity_growing.py`` replays their updates with it.

    Args:
        generator: from ``swiss_roll_generator``; a growing one has exactly one
            ``BetaFadedDense`` (its first layer) with ``old_input_dim`` set.
        discriminator: from ``swiss_roll_discriminator`` (logits).
        growth_step: the step (minibatch index) at which the growth happens; ``None``
            for no growth (from-scratch baseline, or a generator that does not grow).
            A checkpoint carries it, so a resumed run keeps the step it started with.
        d_updates: D updates per minibatch (code ``nd_steps = 10``).
        g_updates: G updates per minibatch (code ``ng_steps = 10``).
        **kwargs: ``GAN`` arguments (``latent_dim``, ``latent_distribution``, ``seed``,
            ``ema_decay``); ``d_steps`` / ``g_steps`` must be 1 (the updates above replace them).

    Weight average (``ema_decay`` > 0, not in the thesis): updated once per minibatch, after
    its ``g_updates`` G updates. G keeps its variables through the growth (only ``beta`` and
    the optimizers change, and the new rows are exactly 0 until then), so the average simply
    runs on: its new rows are 0 at the growth, as the live ones are, and G's function does
    not jump there. It is not reset with the optimizers.

    Reference: Sandström 2019, §6.1 (growth), §7.1 (setup, Eq. 6 and 8); authors'
    ``Swiss_roll/gan/gan.py`` and ``restore_and_retrain.py``.
    """

    tracker_names = GAN.tracker_names + ("latent_dims_used",)
    updates_average = True  # train_step calls update_average once, after the G updates

    def __init__(self, generator, discriminator, *, growth_step=None, d_updates=10, g_updates=10,
                 **kwargs):
        for name in ("d_steps", "g_steps"):
            if kwargs.pop(name, 1) != 1:
                raise ValueError(
                    f"MLPGrowingGAN sets `{name}` to 1; use `d_updates` / `g_updates` for the "
                    "updates per minibatch."
                )
        positive_int("d_updates", d_updates)
        positive_int("g_updates", g_updates)
        if growth_step is not None and (
            isinstance(growth_step, bool) or not isinstance(growth_step, int) or growth_step < 0
        ):
            raise ValueError(f"`growth_step` must be None or an int >= 0, got {growth_step!r}.")
        kwargs.setdefault("latent_distribution", "uniform")  # §7.1: p(z) = U(-1, 1)
        super().__init__(generator, discriminator, **kwargs)
        grown = [l for l in generator._flatten_layers(include_self=False, recursive=True)
                 if isinstance(l, BetaFadedDense)]
        if len(grown) > 1:
            raise ValueError(
                f"`generator` must have at most one BetaFadedDense (its first layer), got "
                f"{len(grown)}."
            )
        self.growing_layer = grown[0] if grown and grown[0].old_input_dim is not None else None
        if self.growing_layer is not None and self.growing_layer.input_dim != self.latent_dim:
            raise ValueError(
                f"The generator's growing layer takes {self.growing_layer.input_dim} inputs, "
                f"but latent_dim={self.latent_dim}."
            )
        if growth_step is not None and self.growing_layer is None:
            raise ValueError(
                "`growth_step` needs a growing generator (swiss_roll_generator(..., "
                "start_latent_dim=d)); this one has no BetaFadedDense first layer."
            )
        self.start_latent_dim = (
            self.growing_layer.old_input_dim if self.growing_layer is not None else self.latent_dim
        )
        self.growth_step_init = growth_step
        self.d_updates = d_updates
        self.g_updates = g_updates
        self.growth_step = keras.Variable(
            -1 if growth_step is None else growth_step, dtype="int64", trainable=False,
            aggregation="only_first_replica", name="growth_step",
        )

    def compile(self, *, g_optimizer, d_optimizer, **kwargs):
        """As ``GAN.compile``; the optimizers' state now is what the growth resets to.

        So the optimizers must be unused (``iterations == 0``), e.g. new ones.
        """
        super().compile(g_optimizer=g_optimizer, d_optimizer=d_optimizer, **kwargs)
        for name in ("g_optimizer", "d_optimizer"):
            if int(getattr(self, name).iterations.numpy()):
                raise ValueError(
                    f"`{name}` has already been applied; MLPGrowingGAN resets the optimizers "
                    "to their state at compile time at the growth, so pass unused ones."
                )
        self._fresh_optimizer_state = _fresh_state(self.g_optimizer) + _fresh_state(self.d_optimizer)

    # --------------------------------------------------------------- growth
    @property
    def active_latent_dim(self):
        """Latent coordinates G uses now (``start_latent_dim`` before growth)."""
        if self.growing_layer is None:
            return self.latent_dim
        beta = float(self.growing_layer.beta.numpy())
        return self.latent_dim if beta > 0 else self.start_latent_dim

    def _grow(self):
        """Switches the new rows on and resets both optimizers (in cross-replica context)."""
        self.growing_layer.beta.assign(1.0)
        for variable, value in self._fresh_optimizer_state:
            variable.assign(ops.cast(value, variable.dtype))

    def _maybe_grow(self):
        """Grows iff ``step == growth_step`` (in-graph: ``fit`` needs no host callback)."""
        if self.growing_layer is None:
            return

        def grow():
            self._grow()
            return tf.constant(True)

        in_cross_replica(lambda: tf.cond(
            ops.equal(self.step, self.growth_step), grow, lambda: tf.constant(False)))

    # ------------------------------------------------------------- training
    def train_step(self, data):
        real = data[0] if isinstance(data, (tuple, list)) else data
        self._maybe_grow()
        z = self.sample_latent(ops.shape(real)[0])
        fake = ops.stop_gradient(self.generator(z, training=True))
        logs = dict(_repeat(self.d_updates, lambda: self._update(
            lambda: self.discriminator_losses_on(real, fake), "d_loss",
            self.discriminator_variables, self.d_optimizer)))
        logs.update(_repeat(self.g_updates, lambda: self._update(
            lambda: self.generator_losses(z), "g_loss", self.generator_variables,
            self.g_optimizer)))
        if self.growing_layer is None:
            used = ops.convert_to_tensor(float(self.latent_dim))
        else:
            grown = ops.cast(ops.greater(self.growing_layer.beta, 0.0), "float32")
            used = self.start_latent_dim + grown * (self.latent_dim - self.start_latent_dim)
        logs["latent_dims_used"] = used
        self.step.assign_add(1)
        self.update_average()
        return self._track(logs)

    # ---------------------------------------------------------- evaluation
    def evaluation_extras(self, real, seed):
        """The Fig. 8-9 numbers: ``E‖∂G/∂z_k‖`` per latent coordinate over the 101 × 101 grid
        on [-1, 1]² and their ratio ``axis_ratio`` (``evaluation.axis_alignment_ratio``; left
        out while G ignores z_2, before the growth). ``real`` and ``seed`` are not used."""
        del real, seed
        s = evaluation.latent_sensitivities(self.generator)
        extras = {f"latent_sensitivity_z{k + 1}": float(v) for k, v in enumerate(s)}
        if len(s) >= 2 and s[1] > 0:
            extras["axis_ratio"] = float(s[0] / s[1])
        return extras

    # ---------------------------------------------------------- checkpoints
    def checkpoint_items(self):
        return {**super().checkpoint_items(), "growth_step": self.growth_step}

    def get_config(self):
        config = super().get_config()
        config.update(growth_step=self.growth_step_init, d_updates=self.d_updates,
                      g_updates=self.g_updates)
        return config
