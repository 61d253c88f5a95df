"""Distribution metrics on extracted features: FID, KID, IS, precision/recall, density/coverage.

Plain numpy in float64, for evaluation outside the training graph. Every function takes
feature arrays of shape ``[N, F]`` that any feature extractor produced (Inception pool3,
a discriminator's penultimate layer, ...); the Inception score takes class probabilities
``[N, C]``. Arguments are validated up front and a bad one raises ``ValueError`` whose
message names it.

The nearest-neighbour metrics compute pairwise distances in row chunks through the
expansion ``||a||^2 + ||b||^2 - 2 a.b`` (clipped at 0), so 10,000 x 2048 features never
build an ``[N, M, F]`` difference array; they compare *squared* distances with *squared*
radii, which is equivalent and avoids square roots. The expansion rounds differently in
different blocks, so the few comparisons within its rounding bound of a radius (exact ties:
a fake that copies a real point) are decided again on exact differences, the same on every
CPU and BLAS.
"""
import numbers

import numpy as np

__all__ = [
    "feature_statistics",
    "frechet_distance",
    "fid",
    "kid",
    "inception_score",
    "precision_recall",
    "density_coverage",
    "distribution_metrics",
]

# Bound each [rows, M] block of squared distances to ~32 MB of float64.
_CHUNK_ELEMENTS = 1 << 22
# Rounding bound of a squared distance from the expansion, relative to ||a||^2 + ||b||^2: the
# dot product's error is at most F eps (||a||^2 + ||b||^2) / 2 (F features, eps = 1.1e-16), so
# 1e-9 covers F up to ~10^7. Ball tests closer than this to a radius are decided exactly.
_TIE_RTOL = 1e-9
# Row sums of `probs` must be within this of 1 (float32 softmax over ~1000 classes is ~1e-6).
_PROBS_SUM_ATOL = 1e-3
# Relative tolerances for the covariance checks of `frechet_distance`.
_SYMMETRY_RTOL = 1e-6
_PSD_RTOL = 1e-6


# --------------------------------------------------------------------------- validation


def _as_float64(value, name):
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"`{name}` must be a numeric array; could not convert it ({error}).") from None


def _check_finite(array, name):
    if not np.all(np.isfinite(array)):
        raise ValueError(f"`{name}` must contain only finite values (no NaN or inf).")


def _as_features(value, name, *, min_samples, why=""):
    """Validates a feature array ``[N, F]``: rank 2, F >= 1, N >= min_samples, finite."""
    features = _as_float64(value, name)
    if features.ndim != 2:
        raise ValueError(f"`{name}` must have shape [N, F] (rank 2); got shape {features.shape}.")
    if features.shape[1] == 0:
        raise ValueError(f"`{name}` must have at least one feature (F >= 1); got shape {features.shape}.")
    if features.shape[0] < min_samples:
        reason = f" {why}" if why else ""
        raise ValueError(
            f"`{name}` must have at least {min_samples} samples{reason}; got N = {features.shape[0]}."
        )
    _check_finite(features, name)
    return features


def _check_same_dim(a, a_name, b, b_name):
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"`{a_name}` and `{b_name}` must have the same feature dimension F; got "
            f"{a.shape[1]} and {b.shape[1]}."
        )


def _as_int(value, name, *, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"`{name}` must be an integer >= {minimum}; got {value!r}.")
    value = int(value)
    if value < minimum:
        raise ValueError(f"`{name}` must be an integer >= {minimum}; got {value}.")
    return value


# --------------------------------------------------------------------------- FID


def feature_statistics(features):
    """Mean and unbiased covariance of a feature set, the Gaussian fit used by FID.

    Args:
        features: array ``[N, F]``, N >= 2, finite.

    Returns:
        ``(mu, sigma)``: float64 arrays of shapes ``[F]`` and ``[F, F]``; ``sigma`` is the
        unbiased (``ddof=1``) covariance, as ``np.cov(features, rowvar=False)`` in the TTUR
        and pytorch-fid code.

    Raises:
        ValueError: wrong rank, fewer than 2 samples or non-finite values.

    Reference: Heusel et al. 2017, "GANs Trained by a Two Time-Scale Update Rule Converge
    to a Local Nash Equilibrium", §"Fréchet Inception Distance (FID)" (mean and
    covariance of the Inception codings).
    """
    features = _as_features(
        features, "features", min_samples=2, why="(the unbiased covariance divides by N - 1)"
    )
    mu = features.mean(axis=0)
    centred = features - mu
    sigma = centred.T @ centred / (features.shape[0] - 1)
    return mu, 0.5 * (sigma + sigma.T)


def _as_gaussian(mu, sigma, mu_name, sigma_name):
    mu = _as_float64(mu, mu_name)
    sigma = _as_float64(sigma, sigma_name)
    if mu.ndim != 1 or mu.shape[0] == 0:
        raise ValueError(f"`{mu_name}` must have shape [F] with F >= 1; got shape {mu.shape}.")
    dim = mu.shape[0]
    if sigma.shape != (dim, dim):
        raise ValueError(
            f"`{sigma_name}` must have shape [F, F] = {(dim, dim)} to match `{mu_name}`; got "
            f"shape {sigma.shape}."
        )
    _check_finite(mu, mu_name)
    _check_finite(sigma, sigma_name)
    scale = max(float(np.max(np.abs(sigma))), np.finfo(np.float64).tiny)
    if np.max(np.abs(sigma - sigma.T)) > _SYMMETRY_RTOL * scale:
        raise ValueError(f"`{sigma_name}` must be a symmetric covariance matrix.")
    return mu, 0.5 * (sigma + sigma.T)


def frechet_distance(mu1, sigma1, mu2, sigma2):
    """Fréchet (2-Wasserstein) distance between two Gaussians, without scipy.

    ``d^2 = ||mu1 - mu2||^2 + Tr(S1 + S2 - 2 (S1 S2)^{1/2})``.

    The trace of ``(S1 S2)^{1/2}`` is computed as ``Tr((S1^{1/2} S2 S1^{1/2})^{1/2})``:
    with ``A = S1^{1/2}`` and ``B = S1^{1/2} S2``, ``S1 S2 = A B`` and
    ``S1^{1/2} S2 S1^{1/2} = B A``, and ``AB`` and ``BA`` have the same eigenvalues (any
    square A, B, singular or not). ``B A`` is symmetric positive semi-definite, so those
    eigenvalues are real and >= 0 and the trace of the square root is the sum of their
    square roots. ``S1^{1/2}`` comes from a symmetric eigendecomposition
    ``S1 = V diag(w) V^T`` with rounding-level negative ``w`` clipped to 0; since
    ``S1^{1/2} S2 S1^{1/2} = V (diag(sqrt w) V^T S2 V diag(sqrt w)) V^T``, the eigenvalues
    are those of the symmetric ``diag(sqrt w) (V^T S2 V) diag(sqrt w)``, found with
    ``eigvalsh`` and clipped at 0. This is exact (the same quantity as the formula, which is
    also the closed form of W2 between Gaussians, Dowson & Landau 1982) and stable for the
    singular covariances one gets with fewer samples than features (N < F): only symmetric
    eigenproblems are solved, nothing is inverted. ``scipy.linalg.sqrtm(S1 @ S2)`` in the
    TTUR / pytorch-fid code takes the square root of a *non-symmetric*, possibly singular
    (hence possibly defective) matrix, which can return inaccurate, non-finite or complex
    results; that code then adds ``eps * I`` to the covariances and discards imaginary
    parts. Tiny negative results of rounding are clipped to 0 (the distance is >= 0).

    Args:
        mu1: mean ``[F]`` of the first Gaussian.
        sigma1: covariance ``[F, F]`` of the first Gaussian (symmetric PSD).
        mu2: mean ``[F]`` of the second Gaussian.
        sigma2: covariance ``[F, F]`` of the second Gaussian (symmetric PSD).

    Returns:
        float, the squared Fréchet distance (>= 0).

    Raises:
        ValueError: wrong shapes, mismatched F, non-finite values, a non-symmetric or
        clearly non-positive-semi-definite covariance.

    Reference: Heusel et al. 2017, "GANs Trained by a Two Time-Scale Update Rule Converge
    to a Local Nash Equilibrium", §"Fréchet Inception Distance (FID)", the FID equation
    (Fréchet distance between Gaussians, Dowson & Landau 1982).
    """
    mu1, sigma1 = _as_gaussian(mu1, sigma1, "mu1", "sigma1")
    mu2, sigma2 = _as_gaussian(mu2, sigma2, "mu2", "sigma2")
    if mu1.shape != mu2.shape:
        raise ValueError(
            f"`mu1` and `mu2` must have the same dimension F; got {mu1.shape[0]} and {mu2.shape[0]}."
        )
    _check_psd(np.linalg.eigvalsh(sigma2), "sigma2")
    return _frechet_distance(mu1, sigma1, mu2, sigma2)


def _check_psd(eigenvalues, name):
    if eigenvalues[0] < -_PSD_RTOL * max(abs(eigenvalues[-1]), np.finfo(np.float64).tiny):
        raise ValueError(
            f"`{name}` must be positive semi-definite; its smallest eigenvalue is "
            f"{eigenvalues[0]:.3g} (largest {eigenvalues[-1]:.3g})."
        )


def _frechet_distance(mu1, sigma1, mu2, sigma2):
    """``frechet_distance`` on validated float64 inputs (sigma2 known to be PSD)."""
    eigenvalues1, eigenvectors1 = np.linalg.eigh(sigma1)
    _check_psd(eigenvalues1, "sigma1")
    sqrt_eigenvalues1 = np.sqrt(np.clip(eigenvalues1, 0.0, None))
    sigma2_in_basis1 = eigenvectors1.T @ sigma2 @ eigenvectors1
    middle = sqrt_eigenvalues1[:, None] * sigma2_in_basis1 * sqrt_eigenvalues1[None, :]
    middle = 0.5 * (middle + middle.T)
    trace_sqrt_product = np.sum(np.sqrt(np.clip(np.linalg.eigvalsh(middle), 0.0, None)))
    mean_term = float(np.sum(np.square(mu1 - mu2)))
    distance = mean_term + np.trace(sigma1) + np.trace(sigma2) - 2.0 * trace_sqrt_product
    return float(max(distance, 0.0))


def fid(features_a, features_b):
    """Fréchet Inception Distance between two feature sets (any feature extractor).

    Args:
        features_a: array ``[N_a, F]``, N_a >= 2.
        features_b: array ``[N_b, F]``, N_b >= 2, same F.

    Returns:
        float, ``frechet_distance`` of the two Gaussian fits (``feature_statistics``).

    Raises:
        ValueError: wrong rank, mismatched F, fewer than 2 samples, non-finite values.

    Reference: Heusel et al. 2017, "GANs Trained by a Two Time-Scale Update Rule Converge
    to a Local Nash Equilibrium", §"Fréchet Inception Distance (FID)".
    """
    why = "(the unbiased covariance divides by N - 1)"
    features_a = _as_features(features_a, "features_a", min_samples=2, why=why)
    features_b = _as_features(features_b, "features_b", min_samples=2, why=why)
    _check_same_dim(features_a, "features_a", features_b, "features_b")
    mu_a, sigma_a = feature_statistics(features_a)
    mu_b, sigma_b = feature_statistics(features_b)
    # Sample covariances are symmetric PSD by construction: skip frechet_distance's checks.
    return _frechet_distance(mu_a, sigma_a, mu_b, sigma_b)


# --------------------------------------------------------------------------- KID


def _unbiased_mmd2_cubic(x, y):
    """Unbiased MMD^2 of equal-size sets with k(x, y) = (x.y / d + 1)^3."""
    size, dim = x.shape

    def cubic_kernel(left, right):
        base = left @ right.T / dim + 1.0
        return base * base * base  # faster than ** 3 (no general pow)

    kernel_xx = cubic_kernel(x, x)
    kernel_yy = cubic_kernel(y, y)
    kernel_xy = cubic_kernel(x, y)
    within = (kernel_xx.sum() - np.trace(kernel_xx)) + (kernel_yy.sum() - np.trace(kernel_yy))
    return within / (size * (size - 1)) - 2.0 * kernel_xy.sum() / (size * size)


def kid(features_a, features_b, *, num_subsets=100, subset_size=1000, seed=0):
    """Kernel Inception Distance: unbiased MMD^2 with a cubic kernel, averaged over subsets.

    ``k(x, y) = (x.y / F + 1)^3``. Each of ``num_subsets`` rounds draws ``m`` rows of each
    set without replacement (``np.random.default_rng(seed)``, so the result is
    deterministic given ``seed``) and computes the unbiased estimator

        ``MMD^2_u = [sum_{i != j} k(a_i, a_j) + sum_{i != j} k(b_i, b_j)] / (m (m - 1))
        - 2 / m^2 sum_{i, j} k(a_i, b_j)``

    (the U-statistic within each set; all ``m^2`` cross pairs, as the released code's
    ``mmd_est='unbiased'``). It can be negative. ``m = min(subset_size, N_a, N_b)``: a
    ``subset_size`` larger than the smaller set is silently clipped to it, as the released
    code does (then every round draws all of the smaller set, in a new order), and ``m``
    must be >= 2. When ``m`` equals both set sizes every round gives the same value and
    ``std`` is 0.

    Args:
        features_a: array ``[N_a, F]``, N_a >= 2.
        features_b: array ``[N_b, F]``, N_b >= 2, same F.
        num_subsets: integer >= 1, number of random subsets (100 as in torch-fidelity /
            clean-fid).
        subset_size: integer >= 2, rows per subset before clipping (1000 as in the paper).
        seed: integer >= 0 for ``np.random.default_rng``.

    Returns:
        dict with ``mean`` (float, mean of the subset estimates: the KID) and ``std``
        (float, their population standard deviation, ``ddof=0``, the spread across
        subsets as torch-fidelity reports it).

    Raises:
        ValueError: wrong rank, mismatched F, fewer than 2 samples, non-finite values,
        bad ``num_subsets`` / ``subset_size`` / ``seed``.

    Reference: Bińkowski et al. 2018, "Demystifying MMD GANs", §4 ("Kernel Inception
    Distance", cubic polynomial kernel, unbiased estimator, subsets of size 1000) and
    their released code (``gan/compute_scores.py``, ``polynomial_mmd_averages``).
    """
    why = "(the unbiased MMD^2 estimator needs two distinct samples)"
    features_a = _as_features(features_a, "features_a", min_samples=2, why=why)
    features_b = _as_features(features_b, "features_b", min_samples=2, why=why)
    _check_same_dim(features_a, "features_a", features_b, "features_b")
    num_subsets = _as_int(num_subsets, "num_subsets", minimum=1)
    subset_size = _as_int(subset_size, "subset_size", minimum=2)
    seed = _as_int(seed, "seed", minimum=0)

    size = min(subset_size, features_a.shape[0], features_b.shape[0])
    rng = np.random.default_rng(seed)
    estimates = np.empty(num_subsets, dtype=np.float64)
    for index in range(num_subsets):
        rows_a = rng.choice(features_a.shape[0], size=size, replace=False)
        rows_b = rng.choice(features_b.shape[0], size=size, replace=False)
        estimates[index] = _unbiased_mmd2_cubic(features_a[rows_a], features_b[rows_b])
    return {"mean": float(np.mean(estimates)), "std": float(np.std(estimates))}


# --------------------------------------------------------------------------- IS


def inception_score(probs, *, num_splits=10):
    """Inception score from class probabilities ``p(y|x)``.

    The N rows are cut into ``num_splits`` contiguous parts, rows
    ``[i N // num_splits, (i + 1) N // num_splits)`` as in the OpenAI improved-gan code.
    Each part gets ``IS = exp(mean_x KL(p(y|x) || p(y)))`` with ``p(y)`` the mean of that
    part's rows; terms with ``p(y|x) = 0`` contribute 0 (``0 log 0 = 0``).

    Args:
        probs: array ``[N, C]`` of probabilities: finite, >= 0, each row summing to 1
            within 1e-3 (rows are used as given, not renormalised).
        num_splits: integer, ``1 <= num_splits <= N`` (so that no part is empty).

    Returns:
        dict with ``mean`` and ``std`` (floats, ``ddof=0`` as in the original code) of the
        per-split scores; each score lies in ``[1, C]``.

    Raises:
        ValueError: wrong rank, non-finite or negative values, rows not summing to 1,
        bad ``num_splits``.

    Reference: Salimans et al. 2016, "Improved Techniques for Training GANs", §4
    (Inception score ``exp(E_x KL(p(y|x) || p(y)))``) and the OpenAI improved-gan code
    (``inception_score/model.py``, 10 splits).
    """
    probs = _as_features(probs, "probs", min_samples=1)
    if np.any(probs < 0.0):
        raise ValueError("`probs` must be non-negative (class probabilities).")
    row_sums = probs.sum(axis=1)
    worst = int(np.argmax(np.abs(row_sums - 1.0)))
    if abs(row_sums[worst] - 1.0) > _PROBS_SUM_ATOL:
        raise ValueError(
            f"`probs` rows must sum to 1 (within {_PROBS_SUM_ATOL}); row {worst} sums to "
            f"{row_sums[worst]:.6g}."
        )
    num_splits = _as_int(num_splits, "num_splits", minimum=1)
    count = probs.shape[0]
    if num_splits > count:
        raise ValueError(
            f"`num_splits` must be <= the number of rows of `probs` ({count}) so that no split "
            f"is empty; got {num_splits}."
        )
    scores = np.empty(num_splits, dtype=np.float64)
    for index in range(num_splits):
        part = probs[index * count // num_splits : (index + 1) * count // num_splits]
        marginal = part.mean(axis=0, keepdims=True)
        positive = part > 0.0
        # Where part > 0 the marginal is > 0 too; elsewhere the term is 0 (0 log 0 = 0).
        safe_part = np.where(positive, part, 1.0)
        safe_marginal = np.where(positive, marginal, 1.0)
        terms = np.where(positive, part * (np.log(safe_part) - np.log(safe_marginal)), 0.0)
        scores[index] = np.exp(np.mean(np.sum(terms, axis=1)))
    return {"mean": float(np.mean(scores)), "std": float(np.std(scores))}


# --------------------------------------------------------------------------- kNN metrics


def _squared_distance_blocks(rows, columns):
    """Yields ``(start, block, slack)`` for ``rows[start:start + c]`` against ``columns``.

    ``block``: squared distances from ``||a||^2 + ||b||^2 - 2 a.b`` in float64, clipped at 0,
    ``c`` rows at a time. ``slack``: a bound on the rounding error of each entry,
    ``_TIE_RTOL (||a||^2 + ||b||^2)``; comparisons closer than that are re-decided exactly.
    """
    row_norms = np.einsum("ij,ij->i", rows, rows)
    column_norms = np.einsum("ij,ij->i", columns, columns)
    chunk = max(1, _CHUNK_ELEMENTS // max(1, columns.shape[0]))
    for start in range(0, rows.shape[0], chunk):
        stop = min(start + chunk, rows.shape[0])
        norms = row_norms[start:stop, None] + column_norms[None, :]
        block = norms - 2.0 * (rows[start:stop] @ columns.T)
        yield start, np.maximum(block, 0.0), _TIE_RTOL * norms


def _exact_squared_distances(a, b):
    """``sum((a - b)^2)`` row by row: the same bits for the same pair of rows however the
    rows were batched (the expansion's GEMM rounds differently in different blocks, and
    ``x @ x.T`` may run as SYRK), so a copy of a point is exactly as far as the point."""
    difference = a - b
    return np.sum(difference * difference, axis=1)


def _kth_neighbour_squared_radii(features, ks):
    """Squared distance of each row to its k-th nearest *other* row, for each k in ``ks``.

    Returns a dict ``k -> [N]``. The row itself is excluded (its own distance is set to
    inf), so duplicates of a row do count as neighbours at distance 0. Each radius is the
    exact (``_exact_squared_distances``) k-th smallest value: the candidates within the
    rounding slack of the expansion's k-th value are recomputed exactly and ranked.
    """
    ks = sorted(set(ks))
    radii = {k: np.empty(features.shape[0], dtype=np.float64) for k in ks}
    for start, block, slack in _squared_distance_blocks(features, features):
        rows = np.arange(block.shape[0])
        block[rows, start + rows] = np.inf
        smallest = np.partition(block, [k - 1 for k in ks], axis=1)
        for k in ks:
            approx = smallest[:, k - 1 : k]
            near = np.abs(block - approx) <= slack
            below = np.sum((block < approx) & ~near, axis=1)
            r, c = np.nonzero(near)  # row-major: grouped by row; each row has >= 1 entry
            exact = _exact_squared_distances(features[start + r], features[c])
            order = np.lexsort((exact, r))
            first = np.searchsorted(r[order], rows)
            radii[k][start : start + block.shape[0]] = exact[order][first + k - 1 - below]
    return radii


def _in_balls(block, slack, radii, rows, columns, *, strict):
    """``block < radii`` (``strict``) or ``<=``, with the entries within ``slack`` of their
    radius re-decided on exact distances (``radii`` broadcasts against ``block``)."""
    compare = np.less if strict else np.less_equal
    inside = compare(block, radii)
    r, c = np.nonzero(np.abs(block - radii) <= slack)
    if r.size:
        exact = _exact_squared_distances(rows[r], columns[c])
        inside[r, c] = compare(exact, np.broadcast_to(radii, block.shape)[r, c])
    return inside


def _manifold_metrics(real, fake, *, precision_recall_k=None, density_coverage_k=None):
    """One chunked pass over real-fake distances for the requested kNN metrics."""
    ks = [k for k in (precision_recall_k, density_coverage_k) if k is not None]
    real_radii = _kth_neighbour_squared_radii(real, ks)
    results = {}
    if precision_recall_k is not None:
        fake_radii = _kth_neighbour_squared_radii(fake, [precision_recall_k])[precision_recall_k]
        pr_real_radii = real_radii[precision_recall_k]
        fake_in_real_manifold = np.zeros(fake.shape[0], dtype=bool)
        real_in_fake_manifold = np.zeros(real.shape[0], dtype=bool)
    if density_coverage_k is not None:
        dc_real_radii = real_radii[density_coverage_k]
        balls_per_fake = np.zeros(fake.shape[0], dtype=np.int64)
        real_ball_has_fake = np.zeros(real.shape[0], dtype=bool)
    for start, block, slack in _squared_distance_blocks(real, fake):
        stop = start + block.shape[0]
        rows = real[start:stop]
        if precision_recall_k is not None:
            # Kynkäänniemi et al.: closed balls (their code compares with `<=`).
            fake_in_real_manifold |= np.any(_in_balls(
                block, slack, pr_real_radii[start:stop, None], rows, fake, strict=False), axis=0)
            real_in_fake_manifold[start:stop] = np.any(_in_balls(
                block, slack, fake_radii[None, :], rows, fake, strict=False), axis=1)
        if density_coverage_k is not None:
            # Strictly inside, as Naeem et al.'s prdc code (`distance < radius`): a fake that
            # copies a real point's k-th neighbour lies on that point's ball and is not counted,
            # so identical sets give density 1 (with `<=` it would be (k + 1) / k).
            inside = _in_balls(block, slack, dc_real_radii[start:stop, None], rows, fake,
                               strict=True)
            balls_per_fake += np.sum(inside, axis=0)
            real_ball_has_fake[start:stop] = np.any(inside, axis=1)
    if precision_recall_k is not None:
        results["precision"] = float(np.mean(fake_in_real_manifold))
        results["recall"] = float(np.mean(real_in_fake_manifold))
    if density_coverage_k is not None:
        results["density"] = float(np.sum(balls_per_fake) / (density_coverage_k * fake.shape[0]))
        results["coverage"] = float(np.mean(real_ball_has_fake))
    return results


def _validate_real_fake(real_features, fake_features, *, real_min, fake_min, why):
    real = _as_features(real_features, "real_features", min_samples=real_min, why=why)
    fake = _as_features(fake_features, "fake_features", min_samples=fake_min, why=why)
    _check_same_dim(real, "real_features", fake, "fake_features")
    return real, fake


def precision_recall(real_features, fake_features, *, k=3):
    """Improved precision and recall from k-nearest-neighbour balls.

    The radius of a real point is the Euclidean distance to its k-th nearest neighbour
    among the *other* real points (itself excluded; a duplicate counts, at distance 0).
    Precision is the share of fake points inside at least one real ball (distance <=
    radius, boundary inclusive); recall is the share of real points inside at least one
    fake ball, with fake radii from the fake set. Distances are computed in row chunks.

    Args:
        real_features: array ``[N, F]``, N >= k + 1.
        fake_features: array ``[M, F]``, M >= k + 1, same F.
        k: integer >= 1, the neighbour index (3 in the paper).

    Returns:
        dict with ``precision`` and ``recall`` (floats in ``[0, 1]``).

    Raises:
        ValueError: wrong rank, mismatched F, fewer than k + 1 samples in either set,
        non-finite values, bad ``k``.

    Reference: Kynkäänniemi et al. 2019, "Improved Precision and Recall Metric for
    Assessing Generative Models", §3 (Eq. 1-2, manifold from k-NN hyperspheres, k = 3).
    """
    k = _as_int(k, "k", minimum=1)
    real, fake = _validate_real_fake(
        real_features, fake_features, real_min=k + 1, fake_min=k + 1,
        why=f"(k = {k} neighbours besides the point itself)",
    )
    return _manifold_metrics(real, fake, precision_recall_k=k)


def density_coverage(real_features, fake_features, *, k=5):
    """Density and coverage from k-nearest-neighbour balls around the real points.

    With ``B_i`` the open ball around real point i of radius ``NND_k(real_i)`` (distance to
    its k-th nearest *other* real point; a fake on the boundary is outside, ``distance <
    radius`` as in the authors' ``prdc`` code):
    ``density = 1 / (k M) sum_j sum_i 1[fake_j in B_i]`` (can exceed 1) and
    ``coverage = 1 / N sum_i 1[exists j: fake_j in B_i]``. Distances in row chunks.

    Args:
        real_features: array ``[N, F]``, N >= k + 1.
        fake_features: array ``[M, F]``, M >= 1, same F.
        k: integer >= 1, the neighbour index (5 in the paper).

    Returns:
        dict with ``density`` (float >= 0) and ``coverage`` (float in ``[0, 1]``).

    Raises:
        ValueError: wrong rank, mismatched F, fewer than k + 1 real samples, no fake
        samples, non-finite values, bad ``k``.

    Reference: Naeem et al. 2020, "Reliable Fidelity and Diversity Metrics for Generative
    Models", §3.2 (density and coverage equations; k = 5), and their ``prdc`` code
    (clovaai/generative-evaluation-prdc, ``prdc/prdc.py``: ``compute_density`` and
    ``compute_coverage`` compare ``distance_real_fake < radii``). The strict comparison
    matters for fakes that copy real points: on identical sets density is exactly 1 and
    coverage 1, whereas an inclusive ball would give density (k + 1) / k. (Precision and
    recall keep Kynkäänniemi et al.'s inclusive ``<=``.)
    """
    k = _as_int(k, "k", minimum=1)
    real, fake = _validate_real_fake(
        real_features, fake_features, real_min=k + 1, fake_min=1,
        why=f"(k = {k} neighbours besides the point itself)",
    )
    return _manifold_metrics(real, fake, density_coverage_k=k)


# --------------------------------------------------------------------------- all at once


def distribution_metrics(
    real_features,
    fake_features,
    *,
    probs=None,
    kid_num_subsets=100,
    kid_subset_size=1000,
    kid_seed=0,
    precision_recall_k=3,
    density_coverage_k=5,
    inception_num_splits=10,
):
    """All the feature-based metrics of this module in one dict of plain floats.

    The real-real, fake-fake and real-fake distances for the kNN metrics are computed once
    and shared.

    Args:
        real_features: array ``[N, F]`` of real-data features.
        fake_features: array ``[M, F]`` of generated-data features, same F.
        probs: optional ``[M', C]`` class probabilities of generated samples for the
            Inception score.
        kid_num_subsets, kid_subset_size, kid_seed: ``kid``'s ``num_subsets``,
            ``subset_size`` and ``seed``.
        precision_recall_k: ``k`` of ``precision_recall``.
        density_coverage_k: ``k`` of ``density_coverage``.
        inception_num_splits: ``num_splits`` of ``inception_score``.

    Returns:
        dict with ``fid``, ``kid``, ``kid_std``, ``precision``, ``recall``, ``density``,
        ``coverage`` and, if ``probs`` is given, ``inception_score`` and
        ``inception_score_std``; all Python floats.

    Raises:
        ValueError: as the individual metrics (N, M >= max(2, k + 1) for both k).

    Reference: Heusel et al. 2017 §"FID"; Bińkowski et al. 2018 §4; Kynkäänniemi et al.
    2019 §3; Naeem et al. 2020 §3.2; Salimans et al. 2016 §4 (see each function).
    """
    precision_recall_k = _as_int(precision_recall_k, "precision_recall_k", minimum=1)
    density_coverage_k = _as_int(density_coverage_k, "density_coverage_k", minimum=1)
    kid_num_subsets = _as_int(kid_num_subsets, "kid_num_subsets", minimum=1)
    kid_subset_size = _as_int(kid_subset_size, "kid_subset_size", minimum=2)
    kid_seed = _as_int(kid_seed, "kid_seed", minimum=0)
    inception_num_splits = _as_int(inception_num_splits, "inception_num_splits", minimum=1)
    min_samples = max(2, precision_recall_k + 1, density_coverage_k + 1)
    real, fake = _validate_real_fake(
        real_features, fake_features, real_min=min_samples, fake_min=min_samples,
        why=(
            f"(precision_recall_k = {precision_recall_k} / density_coverage_k = "
            f"{density_coverage_k} neighbours besides the point itself, and >= 2 for FID/KID)"
        ),
    )
    inception = None
    if probs is not None:
        probs = _as_features(probs, "probs", min_samples=1)
        if inception_num_splits > probs.shape[0]:
            raise ValueError(
                f"`inception_num_splits` must be <= the number of rows of `probs` "
                f"({probs.shape[0]}); got {inception_num_splits}."
            )
        inception = inception_score(probs, num_splits=inception_num_splits)
    kid_result = kid(
        real, fake, num_subsets=kid_num_subsets, subset_size=kid_subset_size, seed=kid_seed
    )
    results = {
        "fid": fid(real, fake),
        "kid": kid_result["mean"],
        "kid_std": kid_result["std"],
    }
    results.update(
        _manifold_metrics(
            real, fake, precision_recall_k=precision_recall_k, density_coverage_k=density_coverage_k
        )
    )
    if inception is not None:
        results["inception_score"] = inception["mean"]
        results["inception_score_std"] = inception["std"]
    return {name: float(value) for name, value in results.items()}
