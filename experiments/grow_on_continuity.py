"""Sandström 2019 §6: is growing a finished run on by one cycle (``grow``) continuous?

For each growable model, a 16-px run's final cycle (z 16, ``--top=16``) gets random non-zero
weights and biases and two training steps; the next cycle is grown from it exactly as
``grow`` does (lgGAN / clgGAN: 32 px; clgGAN and bgGAN / cgGAN: z 32). Prints, at the new
cycle's first step (β = α = 0), the largest |G_new(z) − up(G_old(z[:16]))| over 16 latents
and |D_new(x) − D_old(pool(x))| over 16 images, and the spread of the outputs compared (so
a zero difference is not a constant's).

    python experiments/grow_on_continuity.py > experiments/results/growing_shapes/grow_on_continuity.txt
"""
import dataclasses
import tempfile
import warnings
from pathlib import Path

import numpy as np
import tensorflow as tf

from tfgan_latent.papers.growing.grow import GROWABLE, next_sizes
from tfgan_latent.papers.growing.registration import cycle_stages
from tfgan_latent.train import runner
from tfgan_latent.train.config import RunConfig


def main():
    print(f"{'model':8s} {'from':>12s} {'to':>12s} {'max |dG|':>10s} {'max |dD|':>10s} "
          f"{'std G(z)':>9s} {'std D(x)':>9s}")
    for model in GROWABLE:
        with tempfile.TemporaryDirectory() as tmp:
            run = RunConfig(model=model, dataset="shapes", steps=6, batch_size=4, log_every=1,
                            sample_every=6, checkpoint_every=1, image_size=16, num_images=32,
                            out=str(Path(tmp) / "run"), verbose=0).resolved()
            cfg = runner.resolve_model_config(run, {"latent_dim": 16, "top": 16})
            old = cycle_stages(model)(run, cfg)[-1].build(None)
            old.step.assign(4)  # the cycle's last steps: its own fade is over
            rng = np.random.default_rng(0)
            for w in old.generator.trainable_weights + old.discriminator.trainable_weights:
                w.assign(rng.normal(0.0, 0.2, w.shape).astype("float32"))
            for _ in range(2):
                old.train_step(tf.constant(rng.uniform(-1, 1, (4, 16, 16, 3)).astype("float32")))
            size, latent, top, extra = next_sizes(model, run, cfg)
            new_cfg = dataclasses.replace(cfg, latent_dim=latent, top=top, extra_cycles=extra,
                                          grown_from_steps=6)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # cgGAN past top: no new channels (expected)
                stages = cycle_stages(model)(dataclasses.replace(run, image_size=size, steps=12),
                                             new_cfg)
            new = stages[-1].build(old)
            z = new.fixed_latents(16, 1)
            f = new.arch.resolution // old.arch.resolution
            up = old.generate(z[:, :cfg.latent_dim]).numpy().repeat(f, 1).repeat(f, 2)
            d_g = np.abs(new.generate(z).numpy() - up).max()
            r = new.arch.resolution
            x = rng.uniform(-1, 1, (16, r, r, 3)).astype("float32")
            pooled = x.reshape(16, r // f, f, r // f, f, 3).mean(axis=(2, 4))
            d_d = np.abs(new.discriminator(x).numpy() - old.discriminator(pooled).numpy()).max()
            print(f"{model:8s} {f'{run.image_size}px z{cfg.latent_dim}':>12s} "
                  f"{f'{size}px z{latent}':>12s} {d_g:10.2e} {d_d:10.2e} {up.std():9.3f} "
                  f"{old.discriminator(pooled).numpy().std():9.3f}", flush=True)


if __name__ == "__main__":
    main()
