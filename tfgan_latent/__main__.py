"""``python -m tfgan_latent`` runs the ``tfgan-latent`` command line."""
from tfgan_latent.train.cli import run

if __name__ == "__main__":
    run()
