"""Config dataclass of the Swiss-roll MLP growing model (Sandström 2019, §6.1, §7.1).

The thesis runs (§7.1), with ``--dataset=swiss_roll --batch_size=128 --steps=15000``:

* Fig. 9, grown 1 -> 2: the defaults (``grow=True``, growth at half of ``--steps``).
* Fig. 8, from scratch: ``--grow=false`` (latent dim 2 from the start), lr 1e-3.
* Fig. 7, from scratch with a too-high learning rate: ``--grow=false --lr=5``.
"""
import dataclasses
import math


@dataclasses.dataclass(frozen=True)
class MLPGrowingConfig:
    """Nets, optimizer, updates per minibatch and growth of the §7.1 MLP GAN."""

    latent_dim: int = 2  # §7.1: final latent size 2 (baselines and grown runs)
    start_latent_dim: int = 1  # §7.1 exp. 3: grown "from 1 to 2"; unused with grow=False
    grow: bool = True  # False: the from-scratch baseline (Fig. 7, 8) with latent_dim from step 0
    # When to grow: a value in (0, 1) is a fraction of --steps, a value >= 1 a step number.
    # §7.1: 1.92/2M real examples at each size = 7,500 of 15,000 iterations (growing.md A5).
    # The resolved step is stored in the checkpoint, so a resume with another --steps keeps it.
    grow_at: float = 0.5
    mlp_units: int = 32  # §7.1: "32 nodes each" (code default arch 2.16; A3)
    mlp_layers: int = 4  # §7.1: "four hidden layers"
    d_updates: int = 10  # code gan.py: nd_steps = 10 (§7.1: "updated ten times")
    g_updates: int = 10  # code gan.py: ng_steps = 10
    latent_distribution: str = "uniform"  # §7.1: p(z) uniform on [-1, 1]
    # RMSprop (§7.1). lr 1e-3: Fig. 8/9 captions; the code hard-codes 1e-3 and ignores --lr
    # (A4), so the Fig. 7 run (lr 5) is --lr=5 here.
    lr: float = 1e-3
    rho: float = 0.9  # TF1 RMSPropOptimizer decay default 0.9 (= Keras rho)
    # TF1 RMSPropOptimizer default, added inside the sqrt as in Keras.
    epsilon: float = 1e-10
    # Start of RMSprop's mean-square accumulator: 0 is Keras's (the runs stored in
    # experiments/results/growing_swiss_roll/ use it); 1 is TF1's RMSPropOptimizer, which the
    # authors' code trains with (growing.md A6), so their Fig. 7 lr-5 run is
    # --grow=false --lr=5 --rmsprop_initial_accumulator=1 (optimizers.TF1RMSprop).
    rmsprop_initial_accumulator: float = 0.0
    # Generator weight average (models.gan.GAN): 0 off, as in the thesis and its code; it runs
    # on across the growth (mlp.MLPGrowingGAN).
    ema_decay: float = 0.0

    def validate(self):
        value = self.rmsprop_initial_accumulator
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
            raise ValueError(f"--rmsprop_initial_accumulator must be a finite number >= 0, "
                             f"got {value!r}.")

    def growth_step(self, steps):
        """The step at which G grows for a run of ``steps`` minibatches (None: no growth)."""
        if not self.grow:
            return None
        value = float(self.grow_at)
        if 0.0 < value < 1.0:
            return int(round(value * steps))
        if value >= 1.0 and value.is_integer():
            return int(value)
        raise ValueError(
            f"--grow_at must be a fraction of --steps in (0, 1) or a whole step number >= 1, "
            f"got {self.grow_at!r}."
        )


@dataclasses.dataclass(frozen=True)
class GrowingCNNConfig:
    """WGAN-GP settings, widths and cycle schedule of the five CNN models (§6.2, §7.2.3).

    Thesis scale: ``--dataset=celeb_a --image_size=128 --batch_size=16`` (the thesis's centre
    128 crop, ``--crop=growing``, is these models' default on celeb_a; batch 16, §7.2.3;
    ``--batch_size`` is a run flag whose shared default is 64). On a
    CPU: ``--image_size=32 --latent_dim=32 --top=32`` (4 cycles, z 4 -> 32; ``top`` equal to
    ``latent_dim`` keeps the thesis's proportions, ``cnn.proportion_warnings``).
    """

    latent_dim: int = 256  # §7.2.3: z in R^256 (the final latent size of every model)
    # G's / D's width at 4x4 in the final architecture; widths are top * 4 / s (Tables 2-3).
    top: int = 256
    gp_weight: float = 10.0  # §7.2.3 / code loss 'wa': λ = 10
    lr: float = 1e-4  # §7.2.3: Adam, lr 1e-4, β1 = 0, β2 = 0.99, ε = 1e-8
    beta_1: float = 0.0
    beta_2: float = 0.99
    epsilon: float = 1e-8  # Keras' default is 1e-7 (growing.md A6)
    first_cycle_epochs: int = 4  # §7.2.3: epochs 4, 8, 8, 8, 8, 8
    grown_cycle_epochs: int = 8
    fade_epochs: int = 4  # §7.2.3: the first 4 epochs of a grown cycle fade
    tau_end: float = 0.5  # §6.2.6: τ 0 -> 1/2 (code tau += 0.125 / batch_idxs, clipped)
    # τ-smoothed minibatch stddev in cgGAN: on per §6.2.6; the authors' cgGAN main.py has it
    # off (useTau = n.n.n.n.n.n, growing.md A12). clgGAN always uses it, the others never.
    cggan_tau: bool = True
    latent_normalization: str = "per_sample"  # "batch": the code's whole-batch norm (A2)
    # §6.2.8: He init ("he"); "authors": the code's conv init N(0, 2 / (C·H·W of the input
    # map)), g1 N(0, 2 / C_out) (ops.py::conv2d / conv4x4; growing.md A8, parity/README.md).
    weight_init: str = "he"
    # §6.2.6 / Fig. 3: the statistic over the whole minibatch (0). The authors' bGAN and lgGAN
    # code uses ProGAN's strided groups of 4 (their ops.py:73-87; --preset=authors_code).
    mbstd_group_size: int = 0
    # §6.2.7: every new weight is faded by β ("all"); "authors": clgGAN's old toRGB leaves its
    # outputs 1, 2 unscaled (model.py `last=True`, growing.md A10) and g1's new biases are never
    # ×β (ops.py::conv4x4 slices its C biases at 16·C // 2); matters only during a fade.
    beta_scope: str = "all"
    # Steps the cycle schedule spans; 0: --steps. A resume must keep the schedule, so with
    # 0 a resumed run must pass the same --steps (set this to stop early and resume later).
    schedule_steps: int = 0
    # A run grown on from a finished one (``grow``): the earlier cycles' schedule is the finished
    # run's (planned over this many steps); the one new cycle spans the remaining --steps.
    grown_from_steps: int = 0
    extra_cycles: int = 0  # bgGAN / cgGAN grown on: latent-only cycles past the resolution's count
    # Generator weight average (models.gan.GAN): 0 off, as in the thesis and its code; carried
    # into each grown cycle (models.GrowingGAN.grow_average_from).
    ema_decay: float = 0.0

    def schedule_total(self, steps):
        if isinstance(self.schedule_steps, bool) or not isinstance(self.schedule_steps, int) \
                or self.schedule_steps < 0:
            raise ValueError(f"--schedule_steps must be an int >= 0, got {self.schedule_steps!r}.")
        return self.schedule_steps or steps
