"""One-shot z* = Enc(x) (BEGAN-CS §3.2) vs the z*-search (§4.5, App. A) to the same error.

For a trained BEGAN-CS run and held-out images: the one-shot reconstruction G(Enc(x)) and its
per-pixel MSE e₁ (mean over images), timed; then the batched projected-Adam z*-search
(``tfgan_latent.inversion``, box projection for the U(−1, 1) prior, zeros start), whose mean
error after each step is traced. The search's time to reach e₁ is its measured seconds per step
times the first step t* with trace[t*] ≤ e₁, per image. Both are timed in this one process,
side by side, median of ``--reps`` repetitions; the ratio is what the script reports, with the
time of the paper's fixed 10,000-step search at the measured per-step time beside it.

    python benchmarks/began_oneshot.py --run=experiments/results/began_cs/runs/shapes16_began_cs_seed0
"""
import json
import time
from pathlib import Path

import numpy as np
from absl import app, flags

import timing
from tfgan_latent import inversion
from tfgan_latent.train.evaluate import load_run
from tfgan_latent.data.image_sets import held_out_images

flags.DEFINE_string("run", "experiments/results/began_cs/runs/shapes16_began_cs_seed0",
                    "a finished --model=began_cs run")
flags.DEFINE_integer("num", 64, "held-out images")
flags.DEFINE_integer("search_steps", 2000, "z*-search steps (the paper: 10,000)")
flags.DEFINE_float("search_lr", 1e-2, "z*-search Adam step size")
flags.DEFINE_integer("reps", 3, "timed repetitions")
flags.DEFINE_string("out", "benchmarks/results/began_oneshot.txt", "result file")
FLAGS = flags.FLAGS


def main(_):
    run_cfg, _, model = load_run(FLAGS.run)
    x = held_out_images(run_cfg.dataset, FLAGS.num, run_cfg.image_size, seed=0)
    generator = model.output_generator

    def oneshot():
        return np.asarray(generator(model.encode(x), training=False))

    inverter = inversion.Inverter(generator, learning_rate=FLAGS.search_lr, projection="box")
    oneshot()
    inverter(x[:2], steps=2)  # trace both outside the timing
    oneshot_times, search_times, found = [], [], None
    for _ in range(FLAGS.reps):
        start = time.perf_counter()
        recon = oneshot()
        oneshot_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        found = inverter(x, steps=FLAGS.search_steps)
        search_times.append(time.perf_counter() - start)
    e1 = float(np.mean((recon - x) ** 2))
    t_oneshot = float(np.median(oneshot_times)) / len(x)
    per_step = float(np.median(search_times)) / FLAGS.search_steps / len(x)
    reached = np.nonzero(found.trace <= e1)[0]
    lines = [timing.machine(),
             f"run {FLAGS.run} (step {int(model.step.numpy())}), {len(x)} held-out "
             f"{run_cfg.image_size}px images, reps {FLAGS.reps} (median)",
             f"one-shot G(Enc(x)): MSE {e1:.4f}, {t_oneshot * 1e3:.3f} ms/image",
             f"z*-search ({FLAGS.search_steps} steps, Adam lr {FLAGS.search_lr}, box): final MSE "
             f"{float(found.mse.mean()):.4f}, {per_step * 1e3:.4f} ms/image/step"]
    result = {"oneshot_mse": e1, "oneshot_ms_per_image": t_oneshot * 1e3,
              "search_final_mse": float(found.mse.mean()), "search_steps": FLAGS.search_steps}
    if len(reached):
        steps = int(reached[0]) + 1
        t_search = per_step * steps
        lines.append(f"z*-search reaches the one-shot MSE after {steps} steps: "
                     f"{t_search * 1e3:.2f} ms/image = {t_search / t_oneshot:.0f}x the one-shot time")
        result.update(search_steps_to_match=steps, search_ms_per_image=t_search * 1e3,
                      ratio=t_search / t_oneshot)
    else:
        t_search = per_step * FLAGS.search_steps
        lines.append(f"z*-search does not reach the one-shot MSE within {FLAGS.search_steps} "
                     f"steps: > {t_search * 1e3:.2f} ms/image = > {t_search / t_oneshot:.0f}x")
        result.update(search_ms_per_image_lower_bound=t_search * 1e3,
                      ratio_lower_bound=t_search / t_oneshot)
    paper = per_step * 10_000  # the paper's protocol: 10,000 iterations per image (App. A)
    lines.append(f"the paper's 10,000-step search at the measured step time: {paper * 1e3:.1f} "
                 f"ms/image = {paper / t_oneshot:.0f}x the one-shot time")
    result["paper_protocol_ratio"] = paper / t_oneshot
    text = "\n".join(lines) + "\n" + json.dumps(result) + "\n"
    Path(FLAGS.out).parent.mkdir(parents=True, exist_ok=True)
    Path(FLAGS.out).write_text(text)
    print(text)


if __name__ == "__main__":
    app.run(main)
