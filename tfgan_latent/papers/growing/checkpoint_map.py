"""Names of the authors' TF1 checkpoints of the growing thesis, mapped onto our nets.

Reference: Sandström 2019 §6.2, Tables 2-15 (the bGAN and clgGAN architectures mapped here).

The authors' code (eriksandstroem/Latent-Space-Growing-of-GANs, ``celebA/<model>/code``)
saves with ``tf.train.Saver``: variables ``generator/<layer>/<weight>`` and
``discriminator/<layer>/<weight>`` plus Adam's slots (``.../Adam``, ``.../Adam_1``) and
``beta1_power`` / ``beta2_power`` (their ``_1`` twins for the second optimizer). The layer
names come from their ``model.py``:

* G (bGAN and clgGAN alike): ``g_h1`` (g1: ``kernel`` ``[z, 16·C]`` and ``biases`` ``[C]``,
  the same column order as ``BetaFadedLatentProjection``), ``g_h2`` (3x3 at 4x4), then two
  3x3 convs per resolution ``g_h3``, ``g_h4``, ... counted forwards, toRGB ``g_out<L>``
  (``L`` = G's layer count) and, in a fading clgGAN cycle, the previous toRGB
  ``g_out<L-2>``. Convs hold ``w`` ``[k, k, in, out]`` (Keras's layout) and ``biases``.
* D of bGAN (``bGAN/code/model.py``): counted forwards, ``d_h1`` (fromRGB), ``d_h2``,
  ``d_h3``, ... ``d_h<L-1>`` (the 3x3 after the minibatch stddev), ``d_h<L>`` (4x4 valid).
* D of clgGAN (``clgGAN/code/model.py``): counted backwards, fromRGB ``d_h<L>_<L>``, the
  convs ``d_h<L-1>``, ``d_h<L-2>``, ... down to ``d_std_h2`` (after the minibatch stddev)
  and ``d_h1`` (4x4 valid); in a fading cycle the previous fromRGB ``d_h<L-2>_<L-2>``.
* ``d_out`` (both): the final dense, ``kernel`` ``[C, 1]`` and ``bias``.

``tf1_name_map`` gives ``{checkpoint name: (our layer, our weight)}`` for one cycle; the
parity fixtures (``tests/fixtures/parity/growing``) are made with the authors' own graphs
and their checkpoints, so ``tests/test_parity_growing.py`` checks this map on their names.
Models other than bGAN and clgGAN name their layers in other ways and are not mapped.
"""
import math

MAPPED_MODELS = ("bgan", "clggan")
OPTIMIZER_SUFFIXES = ("/Adam", "/Adam_1")
OPTIMIZER_NAMES = ("beta1_power", "beta2_power", "beta1_power_1", "beta2_power_1")


def is_optimizer_state(name):
    """True for the Adam slots and power accumulators a TF1 ``Saver`` stores beside the nets."""
    return name in OPTIMIZER_NAMES or name.endswith(OPTIMIZER_SUFFIXES)


def _conv(prefix, layer):
    return {f"{prefix}/w": (layer, "kernel"), f"{prefix}/biases": (layer, "bias")}


def generator_map(arch, fading=False):
    """G's names for ``arch`` (a ``cnn.CycleArch``); ``fading``: a grown clgGAN cycle."""
    names = {"generator/g_h1/kernel": ("g1", "kernel"), "generator/g_h1/biases": ("g1", "bias")}
    names.update(_conv("generator/g_h2", "g2"))
    index = 3
    for s in arch.resolutions[1:]:
        names.update(_conv(f"generator/g_h{index}", f"conv{s}a"))
        names.update(_conv(f"generator/g_h{index + 1}", f"conv{s}b"))
        index += 2
    layers = index - 1
    names.update(_conv(f"generator/g_out{layers}", "to_rgb"))
    if fading:
        names.update(_conv(f"generator/g_out{layers - 2}", "to_rgb_old"))
    return names


def discriminator_map(arch, fading=False):
    """D's names for ``arch``: bGAN's forward count or clgGAN's backward one."""
    steps = int(math.log2(arch.resolution // 4))
    layers = 2 * steps + 3  # fromRGB, two convs per resolution above 4, d3, d2
    convs = []  # our conv names in forward order
    for s in reversed(arch.resolutions[1:]):
        convs += [f"conv{s}a", f"conv{s}b"]
    convs += ["d3", "d2"]
    names = {"discriminator/d_out/kernel": ("d1", "kernel"),
             "discriminator/d_out/bias": ("d1", "bias")}
    if arch.model == "bgan":
        names.update(_conv("discriminator/d_h1", "from_rgb"))
        for i, ours in enumerate(convs, start=2):
            names.update(_conv(f"discriminator/d_h{i}", ours))
        return names
    if arch.model != "clggan":
        raise ValueError(f"no TF1 name map for {arch.model!r}; mapped: {MAPPED_MODELS}.")
    names.update(_conv(f"discriminator/d_h{layers}_{layers}", "from_rgb"))
    for i, ours in enumerate(convs, start=1):
        theirs = "d_std_h2" if ours == "d3" else f"d_h{layers - i}"
        names.update(_conv(f"discriminator/{theirs}", ours))
    if fading:
        names.update(_conv(f"discriminator/d_h{layers - 2}_{layers - 2}", "from_rgb_old"))
    return names


def tf1_name_map(arch, fading=False):
    """``{checkpoint name: (our layer name, "kernel" | "bias")}`` of both nets of one cycle.

    Args:
        arch: the cycle's ``cnn.CycleArch`` (model ``bgan`` or ``clggan``).
        fading: the cycle's nets hold the previous toRGB / fromRGB (a grown clgGAN cycle
            saved during its fade, as the authors' ``subGAN`` does).
    """
    if arch.model not in MAPPED_MODELS:
        raise ValueError(f"no TF1 name map for {arch.model!r}; mapped: {MAPPED_MODELS}.")
    return {**generator_map(arch, fading), **discriminator_map(arch, fading)}
