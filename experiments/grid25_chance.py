"""What mode counts a generator that has learned no mode scores on the 2-D sets (issue 31).

The 2-D goal counts a mode as captured when one high-quality sample (within 3σ of it, VEEGAN
§5.1) lands on it. On ``grid25`` (σ = 0.05, 2,500 samples) a cloud that merely spreads over the
grid's square puts ~1-2 % of its samples within 3σ of some mean by chance, and that is enough
to "capture" most of the 25 modes. This script scores such clouds with the library's own scorer
(``tfgan_latent.metrics.mode_coverage``, the one every run uses), 20 draws each, so that a run's
(modes, high-quality %) pair can be read against chance:

* uniform on [−5, 5]² (the grid's means ± half a spacing) and on [−4, 4]²;
* an isotropic Gaussian with the data's per-axis variance (8 + σ²), mean 0;
* on ``ring8`` (σ = 0.1, radius 2) the same: uniform on [−2.5, 2.5]² and the data-variance Gaussian.

    python experiments/grid25_chance.py   # writes experiments/results/presets/chance.md
"""
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from cli_runs import cpu_line  # noqa: E402
from tfgan_latent.data.toy import grid25_centres, ring8_centres  # noqa: E402
from tfgan_latent.metrics import mode_coverage  # noqa: E402

DRAWS = 20
N = 2500  # the search's evaluation samples on the 2-D sets (EVAL_SAMPLES["points"])


def clouds(name, centres):
    var = float(np.mean(np.var(centres, axis=0)))
    half = float(np.max(np.abs(centres))) + (1.0 if name == "grid25" else 0.5)
    out = {f"uniform on [−{half:g}, {half:g}]²": lambda rng: rng.uniform(-half, half, (N, 2))}
    if name == "grid25":
        out["uniform on [−4, 4]²"] = lambda rng: rng.uniform(-4.0, 4.0, (N, 2))
    std = {"grid25": 0.05, "ring8": 0.1}[name]
    s = np.sqrt(var + std ** 2)
    out[f"N(0, {s:.2f}² I) (the data's variance)"] = lambda rng: s * rng.standard_normal((N, 2))
    return out, std


def main():
    lines = ["# Mode counts of clouds that learned no mode (`python experiments/grid25_chance.py`)",
             "", f"{DRAWS} draws of {N} samples each, scored by `tfgan_latent.metrics."
             "mode_coverage` (3σ, as every run). CPU: " + cpu_line() + ".", "",
             "| data | cloud | modes: mean ± std (min-max) | high quality %: mean ± std |",
             "|---|---|---|---|"]
    for name, centres in (("grid25", grid25_centres()), ("ring8", ring8_centres())):
        gens, std = clouds(name, centres)
        for label, draw in gens.items():
            modes, hq = [], []
            for seed in range(DRAWS):
                r = mode_coverage(draw(np.random.default_rng(seed)), centres, std)
                modes.append(r["modes"])
                hq.append(r["hq_percent"])
            modes, hq = np.array(modes, float), np.array(hq, float)
            lines.append(f"| {name} | {label} | {modes.mean():.1f} ± {modes.std():.1f} "
                         f"({modes.min():.0f}-{modes.max():.0f}) | {hq.mean():.2f} ± "
                         f"{hq.std():.2f} |")
    text = "\n".join(lines) + "\n"
    out = Path(__file__).resolve().parent / "results" / "presets" / "chance.md"
    out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
