"""The four adversarial objectives every paper reuses, as thin subclasses of ``GAN``.

Each overrides only its loss pieces; the training loop is the base's.
"""
import keras
from keras import ops

from tfgan_latent import losses, penalties
from tfgan_latent.checks import finite, non_negative
from tfgan_latent.models.gan import GAN


@keras.saving.register_keras_serializable(package="tfgan_latent")
class DCGAN(GAN):
    """Non-saturating GAN (Goodfellow et al. 2014 §3; Radford et al. 2016 nets)."""


@keras.saving.register_keras_serializable(package="tfgan_latent")
class LSGAN(GAN):
    """Least-squares GAN (Mao et al. 2017, Eq. 2) with target codes a (fake), b (real), c.

    Args:
        a, b, c: the fake label, real label, and the value G wants D to give fakes;
            0-1 coding by default (Mao et al. 2017 §3.2.3 uses a=-1, b=1, c=0 or 0-1-1).
    """

    def __init__(self, generator, discriminator, *, a=0.0, b=1.0, c=1.0, **kwargs):
        super().__init__(generator, discriminator, **kwargs)
        self.a, self.b, self.c = finite("a", a), finite("b", b), finite("c", c)

    def adversarial_d_loss(self, real_out, fake_out):
        return losses.least_squares_discriminator_loss(real_out, fake_out, a=self.a, b=self.b)

    def adversarial_g_loss(self, fake_out):
        return losses.least_squares_generator_loss(fake_out, c=self.c)

    def get_config(self):
        return {**super().get_config(), "a": self.a, "b": self.b, "c": self.c}


@keras.saving.register_keras_serializable(package="tfgan_latent")
class DRAGAN(GAN):
    """DCGAN loss plus the DRAGAN penalty around real data (Kodali et al. 2017, arXiv:1705.07215; RFGAN §4.2 uses it).

    The perturbation follows the DRAGAN authors' released code: δ = scale·std(x)·U[0, 1)
    per element, penalty at x + u·δ with u ~ U(0, 1) per example; ``perturbation=
    "gaussian"`` uses δ = scale·std(x)·N(0, 1) instead (the paper's δ ~ N(0, cI)).

    Args:
        gp_weight: λ (10 in the DRAGAN paper and RFGAN's reference setup).
        perturbation_scale: the 0.5 factor of the released code.
        perturbation: ``"uniform"`` (released code) or ``"gaussian"``.
    """

    tracker_names = GAN.tracker_names + ("penalty",)

    def __init__(
        self, generator, discriminator, *, gp_weight=10.0, perturbation_scale=0.5,
        perturbation="uniform", **kwargs,
    ):
        super().__init__(generator, discriminator, **kwargs)
        if perturbation not in ("uniform", "gaussian"):
            raise ValueError(f"`perturbation` must be 'uniform' or 'gaussian', got {perturbation!r}.")
        self.gp_weight = non_negative("gp_weight", gp_weight)
        self.perturbation_scale = non_negative("perturbation_scale", perturbation_scale)
        self.perturbation = perturbation

    def penalty(self, real, fake):
        batch = ops.shape(real)[0]
        rest = tuple(real.shape[1:])
        if self.perturbation == "uniform":
            noise = self.sample_uniform(batch, rest)
        else:
            sampler = lambda s: keras.random.normal(s, seed=self.seed_generator)
            noise = self._global_draw(sampler, batch, rest)
        delta = penalties.dragan_perturbation(real, noise, scale=self.perturbation_scale)
        return penalties.dragan_penalty(
            self.discriminator, real, delta, self.sample_uniform(batch), weight=self.gp_weight
        )

    def get_config(self):
        return {
            **super().get_config(),
            "gp_weight": self.gp_weight,
            "perturbation_scale": self.perturbation_scale,
            "perturbation": self.perturbation,
        }


@keras.saving.register_keras_serializable(package="tfgan_latent")
class WGANGP(GAN):
    """WGAN with gradient penalty (Gulrajani et al. 2017, Eq. 3 and Alg. 1).

    Args:
        gp_weight: λ = 10 (Alg. 1 defaults).
    """

    tracker_names = GAN.tracker_names + ("penalty",)

    def __init__(self, generator, discriminator, *, gp_weight=10.0, **kwargs):
        super().__init__(generator, discriminator, **kwargs)
        self.gp_weight = non_negative("gp_weight", gp_weight)

    def adversarial_d_loss(self, real_out, fake_out):
        return losses.wasserstein_discriminator_loss(real_out, fake_out)

    def adversarial_g_loss(self, fake_out):
        return losses.wasserstein_generator_loss(fake_out)

    def penalty(self, real, fake):
        weights = self.sample_uniform(ops.shape(real)[0])
        return penalties.wasserstein_gradient_penalty(
            self.discriminator, real, fake, weights, weight=self.gp_weight
        )

    def get_config(self):
        return {**super().get_config(), "gp_weight": self.gp_weight}
