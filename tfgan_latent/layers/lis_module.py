"""LIS ("learned input space") modules and the chain of them with random early stop (Jung 2017)."""
import keras
import numpy as np
from keras import ops

from tfgan_latent.checks import check_rank

from tfgan_latent.layers.tprelu import TPReLU
from tfgan_latent.layers.weight_norm import WeightNormDense


def early_stop_probabilities(num_modules):
    """``P(K = k)`` for ``k = 0..N`` under the LIS random early stop.

    Before 0-based module ``i`` the chain stops with probability ``0.5 ** (N - i)``
    (given that it reached ``i``), so ``P(K = k) = 0.5^(N-k) prod_{i<k} (1 - 0.5^(N-i))``
    for ``k < N`` and ``P(K = N) = prod_{i<N} (1 - 0.5^(N-i))``; e.g. N = 3 gives
    ``[1/8, 7/32, 21/64, 21/64]``.

    Returns:
        float64 numpy array of length ``num_modules + 1``.
    """
    if not isinstance(num_modules, int) or num_modules < 0:
        raise ValueError(f"`num_modules` must be an int >= 0, got {num_modules!r}.")
    probs, reach = [], 1.0
    for i in range(num_modules):
        stop = 0.5 ** (num_modules - i)
        probs.append(reach * stop)
        reach *= 1.0 - stop
    probs.append(reach)
    return np.asarray(probs, dtype="float64")


# Constructor arguments a chain passes through to each of its modules.
_MODULE_ARGS = ("hidden_units", "scale", "use_bias", "kernel_init_factor", "epsilon")


@keras.saving.register_keras_serializable(package="tfgan_latent")
class LISModule(keras.layers.Layer):
    """One LIS module: ``z' = z + W2 · TPReLU(W1 · z)``; output shape = input shape.

    Both fully connected layers are weight-normalized without scale or bias ("WN", see
    ``WeightNormDense``) and their raw kernels start at ``uniform(+-0.01 / sqrt(N_z))``;
    only the first has an activation (a per-feature ``TPReLU``). The module is not an
    identity at initialisation (with ``z ~ N(0, I)``, ``mean((z' - z)^2)`` is about 0.5).

    Args:
        hidden_units: width of the first layer; ``None`` (paper) uses the input size.
        scale: give both layers a learned scale ``g`` (the code's ``--norm
            weight-affine``; the paper uses ``False``).
        use_bias: give both layers a bias (``weight-affine``; paper ``False``).
        kernel_init_factor: raw-kernel init factor ``f`` of both layers (code: 0.01).
        epsilon: weight-norm epsilon (code: 1e-6).
        **kwargs: standard ``keras.layers.Layer`` arguments.

    Reference: Jung 2017, §2.3 and Fig. 3b (residual module), App. J Table 1 ("LIS
    module, 2x256 neurons"); the layer details follow the authors' ``common/model.py``
    (both FC layers weight-normalized, first one followed by TPReLU).
    """

    def __init__(
        self,
        hidden_units=None,
        scale=False,
        use_bias=False,
        kernel_init_factor=0.01,
        epsilon=1e-6,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if hidden_units is not None and (not isinstance(hidden_units, int) or hidden_units < 1):
            raise ValueError(
                f"`hidden_units` must be None or a positive int, got {hidden_units!r}."
            )
        self.hidden_units = hidden_units
        self.scale = bool(scale)
        self.use_bias = bool(use_bias)
        self.kernel_init_factor = float(kernel_init_factor)
        self.epsilon = float(epsilon)

    def _dense(self, units, name):
        return WeightNormDense(
            units,
            scale=self.scale,
            use_bias=self.use_bias,
            kernel_init_factor=self.kernel_init_factor,
            epsilon=self.epsilon,
            dtype=self.dtype_policy,
            name=name,
        )

    def build(self, input_shape):
        check_rank(self, input_shape, (2,), "latents of shape [batch, latent_dim]")
        latent_dim = input_shape[-1]
        if latent_dim is None:
            raise ValueError(f"LISModule needs a known latent size, got {input_shape}.")
        hidden = self.hidden_units or latent_dim
        self.dense_1 = self._dense(hidden, "dense_1")
        self.tprelu = TPReLU(dtype=self.dtype_policy, name="tprelu")
        self.dense_2 = self._dense(latent_dim, "dense_2")
        hidden_shape = tuple(input_shape[:-1]) + (hidden,)
        self.dense_1.build(input_shape)
        self.tprelu.build(hidden_shape)
        self.dense_2.build(hidden_shape)

    def residual(self, inputs):
        """``f(z) = W2 · TPReLU(W1 · z)``, the change the module adds to ``z``."""
        return self.dense_2(self.tprelu(self.dense_1(inputs)))

    def call(self, inputs):
        return inputs + self.residual(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({name: getattr(self, name) for name in _MODULE_ARGS})
        return config


@keras.saving.register_keras_serializable(package="tfgan_latent")
class LISChain(keras.layers.Layer):
    """``num_modules`` LIS modules applied in sequence, with the paper's random early stop.

    ``z'_k = z'_{k-1} + f_k(z'_{k-1})``, ``z'_0 = z``. The chain executes the first ``K``
    modules; the rest are skipped (identity), so ``z'_k = z'_K`` for ``k > K``.

    * Training (``training=True``, ``num_active=None``, ``early_stop=True``): one ``K``
      per call, shared by the whole batch, drawn from ``early_stop_probabilities(N)``
      (before 0-based module ``i`` stop with probability ``0.5 ** (N - i)``). The draw is
      one scalar ``U(0, 1)`` from the layer's own ``SeedGenerator`` mapped through the
      inverse CDF of ``K``: reproducible from ``seed`` and identical on every replica of
      a ``tf.distribute`` strategy (all replicas read the same seed state). The state is
      ``seed_generator.state`` (in ``variables``, not ``weights``; ``tf.train.Checkpoint``
      does not follow it, so a trainer that wants a bitwise resume lists it among its
      checkpoint items, as the GAN base does with its own seed state). Skipped modules
      are still evaluated and masked with ``where``, so they get zero (not ``None``)
      gradients and the graph has no data-dependent control flow (``tf.function``,
      XLA and replicas all see one graph). Same in training with a forced ``num_active``.
    * Inference (``training`` falsy): all ``N`` modules run.
    * ``num_active=k`` (int in ``[0, N]``, else ValueError; or a scalar tensor, clipped to
      ``[0, N]``) forces ``K = k`` in either mode (the authors' ``n_execute_lis_layers``). In inference with a Python int the
      skipped modules are not evaluated at all.

    ``call`` returns a dict:

    * ``"latent"``: ``z'_K``, shape of the input (feed this to the generator);
    * ``"latents"``: list ``[z'_1, ..., z'_N]`` (length ``N``; entries after ``K`` equal
      ``z'_K``), for the similarity losses and per-module images;
    * ``"num_active"``: ``K`` as an int32 scalar tensor;
    * ``"active"``: float mask of shape ``[N]``, ``1`` for modules ``1..K`` (weight the
      per-module similarity terms with it).

    Args:
        num_modules: number of LIS modules ``N`` (``0`` is the plain baseline).
        early_stop: apply the random early stop in training (paper: True); False runs
            all modules in training too.
        seed: int seed of the early-stop ``SeedGenerator`` (None: random).
        hidden_units, scale, use_bias, kernel_init_factor, epsilon: passed to every
            ``LISModule``.
        **kwargs: standard ``keras.layers.Layer`` arguments.

    Reference: Jung 2017, §2.3 (G-LIS: N_R modules, batch-wise stop "before the i-th
    module with probability 0.5^(N_R - i)"), Fig. 3a; 0-based ``i`` and sequential
    stops resolved from the authors' ``common/model.py`` (generator ``forward``).
    """

    def __init__(
        self,
        num_modules,
        early_stop=True,
        seed=None,
        hidden_units=None,
        scale=False,
        use_bias=False,
        kernel_init_factor=0.01,
        epsilon=1e-6,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if not isinstance(num_modules, int) or isinstance(num_modules, bool) or num_modules < 0:
            raise ValueError(f"`num_modules` must be an int >= 0, got {num_modules!r}.")
        self.num_modules = num_modules
        self.early_stop = bool(early_stop)
        self.seed = seed
        self.hidden_units = hidden_units
        self.scale = bool(scale)
        self.use_bias = bool(use_bias)
        self.kernel_init_factor = float(kernel_init_factor)
        self.epsilon = float(epsilon)
        self.seed_generator = keras.random.SeedGenerator(seed, name=f"{self.name}_early_stop_seed")
        # One attribute per module (not a list): tf.train.Checkpoint does not follow
        # Keras-tracked lists, and the trainers checkpoint with it.
        for i in range(num_modules):
            module = LISModule(
                hidden_units=hidden_units,
                scale=scale,
                use_bias=use_bias,
                kernel_init_factor=kernel_init_factor,
                epsilon=epsilon,
                dtype=self.dtype_policy,
                name=f"lis_module_{i + 1}",
            )
            setattr(self, f"lis_module_{i + 1}", module)
        cdf = np.cumsum(early_stop_probabilities(num_modules))[:-1]
        self._stop_cdf = cdf.astype("float32")  # P(K <= k), k = 0..N-1

    @property
    def lis_modules(self):
        """The modules, in order."""
        return [getattr(self, f"lis_module_{i + 1}") for i in range(self.num_modules)]

    def early_stop_probabilities(self):
        """``P(K = k)``, ``k = 0..N``, of the training-mode early stop (numpy)."""
        if not self.early_stop:
            return np.eye(self.num_modules + 1)[-1]
        return early_stop_probabilities(self.num_modules)

    def sample_num_active(self):
        """Draws ``K`` (int32 scalar) as training does; advances the seed state."""
        if self.num_modules == 0:
            return ops.convert_to_tensor(0, dtype="int32")
        u = keras.random.uniform((), seed=self.seed_generator)
        below = ops.cast(ops.convert_to_tensor(self._stop_cdf) <= u, "int32")
        return ops.sum(below)

    def build(self, input_shape):
        check_rank(self, input_shape, (2,), "latents of shape [batch, latent_dim]")
        for module in self.lis_modules:
            module.build(input_shape)

    def _resolve_num_active(self, training, num_active):
        if num_active is None:
            if training and self.early_stop:
                return self.sample_num_active()
            return self.num_modules
        if isinstance(num_active, (int, np.integer)) and not isinstance(num_active, bool):
            if not 0 <= num_active <= self.num_modules:
                raise ValueError(
                    f"`num_active` must be in [0, {self.num_modules}], got {num_active}."
                )
            return int(num_active)
        return ops.clip(ops.cast(num_active, "int32"), 0, self.num_modules)

    def call(self, inputs, training=None, num_active=None):
        k = self._resolve_num_active(training, num_active)
        static = isinstance(k, int) and not training
        latents = []
        z = inputs
        for i, module in enumerate(self.lis_modules):
            if static:
                if i < k:
                    z = module(z)
            else:
                z = ops.where(ops.less(i, k), module(z), z)
            latents.append(z)
        k_tensor = ops.convert_to_tensor(k, dtype="int32")
        index = ops.arange(self.num_modules, dtype="int32")
        active = ops.cast(ops.less(index, k_tensor), inputs.dtype)
        return {"latent": z, "latents": latents, "num_active": k_tensor, "active": active}

    def compute_output_spec(self, inputs, training=None, num_active=None):
        def latent():
            return keras.KerasTensor(inputs.shape, dtype=inputs.dtype)

        return {
            "latent": latent(),
            "latents": [latent() for _ in range(self.num_modules)],
            "num_active": keras.KerasTensor((), dtype="int32"),
            "active": keras.KerasTensor((self.num_modules,), dtype=inputs.dtype),
        }

    def get_config(self):
        config = super().get_config()
        config.update(num_modules=self.num_modules, early_stop=self.early_stop, seed=self.seed)
        config.update({name: getattr(self, name) for name in _MODULE_ARGS})
        return config
