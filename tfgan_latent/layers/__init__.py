"""Custom Keras layers (all registered serializable under the ``tfgan_latent`` package)."""
from tfgan_latent.layers.coord_channels import AddCoordChannels
from tfgan_latent.layers.fading import (
    AlphaFade,
    BetaFadedConv2D,
    BetaFadedDense,
    BetaFadedLatentProjection,
    coarsen_real_images,
    fade_real_images,
)
from tfgan_latent.layers.fused_batch_norm import FusedBatchNormalization
from tfgan_latent.layers.lis_module import LISChain, LISModule, early_stop_probabilities
from tfgan_latent.layers.minibatch_stddev import MinibatchStddev
from tfgan_latent.layers.tprelu import TPReLU
from tfgan_latent.layers.weight_norm import (
    WeightNormConv2D,
    WeightNormConv2DTranspose,
    WeightNormDense,
)

__all__ = [
    "AddCoordChannels",
    "FusedBatchNormalization",
    "TPReLU",
    "WeightNormDense",
    "WeightNormConv2D",
    "WeightNormConv2DTranspose",
    "LISModule",
    "LISChain",
    "early_stop_probabilities",
    "MinibatchStddev",
    "BetaFadedDense",
    "BetaFadedConv2D",
    "BetaFadedLatentProjection",
    "AlphaFade",
    "fade_real_images",
    "coarsen_real_images",
]
