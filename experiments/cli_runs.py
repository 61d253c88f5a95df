"""Training runs through the library's own CLI in fresh processes, shared by the search and the
claim scripts (``preset_search.py``, ``claims.py``): the command line, a run pinned to one core,
the evaluation curve a run wrote, the DAE an RF arm needs, the CPU it ran on. No TensorFlow
import here: the parent process stays light while its children train."""
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

# The frozen encoder of an RF arm (RFGAN §3): a DAE pre-trained once per data set, size, seed and
# width (RFGAN §4: Gaussian noise on the 2-D sets; the paper's salt-and-pepper default on images).
DAE = {"points": {"noise": "gaussian", "toy_noise_std": 0.1, "batch_size": 512, "steps": 2000},
       "images": {"batch_size": 64, "steps": 800}}
KIND = {"shapes": "images", "ring8": "points", "grid25": "points"}
# On the 2-D sets a mode count alone is not evidence: a uniform cloud over the data's square
# "captures" 8 of 8 ring8 modes and 20.4 ± 1.7 of 25 grid25 modes with 9.15 % and 1.72 % of its
# samples high quality (experiments/grid25_chance.py, results/presets/chance.md). A 2-D score
# counts as learned modes only with a high-quality share of at least five times that cloud's.
HQ_FLOOR = {"ring8": 5 * 9.15, "grid25": 5 * 1.72}
# Final scores of normal-prior runs re-scored after the prior_latents fix (rescore_prior.py).
RESCORE = Path("experiments/results/prior_fix/rescore.jsonl")
# Models whose prior is N(0, I) without a latent_distribution setting (the LIS models).
_NORMAL_MODELS = ("glis", "r_separate", "r_iterative")


def normal_prior(config):
    """Whether a run's ``config.json`` is of a model sampling N(0, I) latents."""
    if config["run"]["model"] in _NORMAL_MODELS:
        return True
    return (config["model"].get("latent_distribution") == "normal"
            and "latent_normalization" not in config["model"])  # growing: its own unit prior


def rescored(record, run_dir):
    """``record`` with its final score replaced by the re-scored one of ``run_dir`` (if any):
    ``final_before_prior_fix`` keeps the old, ``rescored`` marks it."""
    if not RESCORE.exists():
        return record
    for line in RESCORE.read_text().splitlines():
        row = json.loads(line)
        if row["run"] == str(run_dir) and row["step"] == record["final"].get("step"):
            return {**record, "final": {**record["final"], **row["after"]},
                    "final_before_prior_fix": record["final"], "rescored": True}
    return record


def cpu_line():
    """"<model name> (<ISA flags>), <n> cores" of this machine."""
    model = platform.processor() or platform.machine()
    try:
        text = Path("/proc/cpuinfo").read_text()
        for line in text.splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        isa = [f for f in ("avx2", "avx512f", "avx512_bf16", "amx_tile") if f" {f}" in text]
    except OSError:
        isa = []
    return f"{model} ({' '.join(isa)}), {os.cpu_count()} cores"


def cli_args(settings):
    """``python -m tfgan_latent train --k=v ...`` for a dict of flag values."""
    return [sys.executable, "-m", "tfgan_latent", "train",
            *(f"--{k}={str(v).lower() if isinstance(v, bool) else v}" for k, v in settings.items())]


def run_pinned(args, core, log_path):
    """Runs ``args`` (pinned to ``core`` with one TF thread each when ``core`` ≥ 0), appending its
    output to ``log_path``; returns (exit code, wall seconds, CPU seconds)."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    if core >= 0:
        args = ["taskset", "-c", str(core), *args]
        env.update(TF_NUM_INTRAOP_THREADS="1", TF_NUM_INTEROP_THREADS="1")
    Path(log_path).parent.mkdir(parents=True, exist_ok=True)
    start_wall, start = time.time(), os.times()
    with open(log_path, "a") as log:
        log.write(" ".join(args) + "\n")
        log.flush()
        rc = subprocess.call(args, env=env, stdout=log, stderr=subprocess.STDOUT)
    end = os.times()
    cpu = (end.children_user + end.children_system) - (start.children_user + start.children_system)
    return rc, time.time() - start_wall, cpu


def curve_of(run_dir):
    """The evaluations a run wrote to its ``metrics.jsonl``: [{"step", metric: value}], with
    BEGAN's equilibrium term ``k_t`` (a training log, not an evaluation) as last logged at or
    before each evaluation's step."""
    path = Path(run_dir) / "metrics.jsonl"
    rows = [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []
    keep = ("on_manifold_percent", "modes", "hq_percent", "fid", "ms_ssim", "num_modes",
            "enc_g_error", "latent_var_ratio")
    curve, k_t = [], None
    for r in rows:
        if "k" in r:
            k_t = r["k"]
        if any(k.startswith("eval/") for k in r):
            point = {"step": r["step"], **{k: r[f"eval/{k}"] for k in keep if f"eval/{k}" in r}}
            curve.append(point if k_t is None else {**point, "k_t": k_t})
    return curve


def pretrain_dae(root, dataset, image_size, seed, width, core, dry_run=False):
    """The run folder of the DAE an RF arm freezes, trained once (a marker says it finished)."""
    kind = KIND[dataset]
    dae = dict(DAE[kind])
    if kind == "images" and width:
        dae["width"] = width
    size = f"{image_size}" if kind == "images" else ""
    name = f"width{dae['width']}" if "width" in dae else "default"
    run_dir = Path(root) / "runs" / f"{dataset}{size}" / "dae" / f"{name}_seed{seed}"
    done = run_dir / "dae_done.json"
    if done.exists():
        return run_dir
    settings = {"model": "dae", "dataset": dataset, "seed": seed, "out": str(run_dir),
                "export_dir": str(run_dir / "export"), "verbose": 0, **dae}
    if kind == "images":
        settings["image_size"] = image_size
    args = cli_args(settings)
    if dry_run:
        print(" ".join(args))
        return run_dir
    run_dir.mkdir(parents=True, exist_ok=True)
    log_path = Path(root) / "logs" / f"{dataset}{size}__dae__{name}_seed{seed}.log"
    rc, wall, cpu = run_pinned(args, core, log_path)
    if rc != 0:
        raise SystemExit(f"DAE pre-training failed (rc {rc}); see {log_path}")
    done.write_text(json.dumps({"values": dae, "wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
                                "cpu": cpu_line()}) + "\n")
    return run_dir
