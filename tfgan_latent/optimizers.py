"""Optimizers the papers' code used that Keras does not ship with the same semantics."""
import keras
from keras import ops


@keras.saving.register_keras_serializable(package="tfgan_latent")
class TorchRMSprop(keras.optimizers.Optimizer):
    """RMSprop as PyTorch (2017) computes it: epsilon added *outside* the square root.

    ``v <- rho v + (1 - rho) g^2``; ``theta <- theta - lr g / (sqrt(v) + epsilon)``
    (no momentum, not centred). Keras' ``RMSprop`` instead divides by
    ``sqrt(v + epsilon)``; the two agree where ``sqrt(v) >> epsilon`` but differ where
    gradients are tiny: with ``epsilon = 1e-6`` and ``v = 1e-12`` Keras' step is about
    500x smaller (``1/sqrt(1e-6)`` vs ``1/(1e-6 + 1e-6)``).

    ``active`` (a non-trainable scalar, 1 by default) lets a trainer skip an update
    exactly: with ``active = 0`` an ``apply`` leaves the variables and ``v`` untouched
    (a PyTorch loop that does not call ``step()``), so data-dependent "train this
    iteration or not" decisions need no control flow in the compiled step. Only
    ``iterations`` still advances.

    Args:
        learning_rate: float or ``keras.optimizers.schedules.LearningRateSchedule``.
        rho: decay of the squared-gradient average (PyTorch ``alpha``).
        epsilon: added to ``sqrt(v)``.
        **kwargs: standard ``keras.optimizers.Optimizer`` arguments.

    Reference: Jung 2017 (LIS), §3: "RMSprop"; settings ``alpha=0.9, eps=1e-6`` from the
    authors' ``g_lis/main.py``; update rule of ``torch.optim.RMSprop``.
    """

    def __init__(self, learning_rate=1e-3, rho=0.9, epsilon=1e-6, name="torch_rmsprop", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        if not 0.0 <= rho < 1.0:
            raise ValueError(f"`rho` must be in [0, 1), got {rho!r}.")
        if epsilon < 0:
            raise ValueError(f"`epsilon` must be >= 0, got {epsilon!r}.")
        self.rho = float(rho)
        self.epsilon = float(epsilon)

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._velocities = [self.add_variable_from_reference(v, "velocity") for v in var_list]
        self.active = self.add_variable(
            (), initializer="ones", aggregation="only_first_replica", name="active"
        )

    def velocity(self, variable):
        """The mean square ``v`` kept for ``variable`` (PyTorch's ``square_avg``)."""
        return self._velocities[self._get_variable_index(variable)]

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        lr = ops.cast(learning_rate, dtype)
        gradient = ops.cast(gradient, dtype)
        velocity = self._velocities[self._get_variable_index(variable)]
        on = ops.greater(ops.cast(self.active, dtype), 0)
        new_v = self.rho * velocity + (1.0 - self.rho) * ops.square(gradient)
        step = lr * gradient / (ops.sqrt(new_v) + self.epsilon)
        self.assign(velocity, ops.where(on, new_v, velocity))
        self.assign_sub(variable, ops.where(on, step, ops.zeros_like(step)))

    def get_config(self):
        config = super().get_config()
        config.update(rho=self.rho, epsilon=self.epsilon)
        return config


@keras.saving.register_keras_serializable(package="tfgan_latent")
class TF1RMSprop(keras.optimizers.RMSprop):
    """Keras ``RMSprop`` whose mean-square accumulator starts at ``initial_accumulator``.

    TF1's ``tf.train.RMSPropOptimizer``, which the growing thesis's code trains with, creates
    its ``rms`` slot with ones (``_create_slots``: ``init_ops.ones_initializer``); Keras starts
    it at zeros. The update is otherwise the same, ``ms <- rho ms + (1 - rho) g^2``,
    ``theta <- theta - lr g / sqrt(ms + epsilon)`` (no momentum, not centred). With a start of
    1 the first steps are about ``lr g`` per coordinate, tiny for small gradients; from 0 the
    first step is ``lr g / sqrt((1 - rho) g^2 + epsilon)``, about ``lr / sqrt(1 - rho)``
    whatever the gradient's size, which is what makes an lr-5 run diverge (growing Fig. 7).

    Args:
        initial_accumulator: the start of ``ms`` (``>= 0``; 1 is TF1's, 0 Keras's).
        learning_rate, rho, epsilon, **kwargs: as ``keras.optimizers.RMSprop`` (TF1's
            defaults: rho 0.9, epsilon 1e-10).
    """

    def __init__(self, learning_rate=1e-3, rho=0.9, epsilon=1e-10, initial_accumulator=1.0,
                 name="tf1_rmsprop", **kwargs):
        super().__init__(learning_rate=learning_rate, rho=rho, epsilon=epsilon, name=name,
                         **kwargs)
        if not (isinstance(initial_accumulator, (int, float)) and initial_accumulator >= 0):
            raise ValueError(f"`initial_accumulator` must be a number >= 0, got "
                             f"{initial_accumulator!r}.")
        self.initial_accumulator = float(initial_accumulator)

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        for velocity in self._velocities:
            velocity.assign(ops.full(velocity.shape, self.initial_accumulator, velocity.dtype))

    def get_config(self):
        return {**super().get_config(), "initial_accumulator": self.initial_accumulator}


@keras.saving.register_keras_serializable(package="tfgan_latent")
class StepDecay(keras.optimizers.schedules.LearningRateSchedule):
    """lr(t) = max(lr_0 · factor^⌊t / every⌋, floor): BEGAN's halving schedule.

    Reference: carpedm20/BEGAN-tensorflow (``lr_update_step`` 100k, ×0.5, ``lr_lower_boundary``
    2e-5); Berthelot et al. 2017 §4.1 halve the rate when convergence stalls instead.
    """

    def __init__(self, initial_learning_rate, every, factor=0.5, floor=0.0):
        if not every >= 1:
            raise ValueError(f"`every` must be >= 1, got {every!r}.")
        self.initial_learning_rate, self.every = float(initial_learning_rate), int(every)
        self.factor, self.floor = float(factor), float(floor)

    def __call__(self, step):
        drops = ops.floor(ops.cast(step, "float32") / self.every)
        return ops.maximum(self.initial_learning_rate * ops.power(self.factor, drops), self.floor)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "every": self.every,
                "factor": self.factor, "floor": self.floor}
