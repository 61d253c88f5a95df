"""Sandström 2019, "Latent Space Growing of Generative Adversarial Networks" (MSc thesis)."""
