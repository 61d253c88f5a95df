"""LIS similarity constraint as plain functions over tensors (Jung 2017, Eq. 2, §2.2-2.3)."""
from keras import ops


def _loss_dtype(*tensors):
    """float64 when any input is float64 (a float64 policy), else float32 (mixed policies)."""
    return "float64" if any(ops.dtype(t) == "float64" for t in tensors) else "float32"


def similarity(z, z_prime):
    """``L_R(z, z') = mean_j (z_j - z'_j)^2``, averaged over the batch (Eq. 2).

    The mean over components follows Eq. 2 and the authors' ``nn.MSELoss``; Alg. 1/2
    print ``1/2 sum_j`` instead (research/lis.md §1.2).
    """
    dtype = _loss_dtype(z, z_prime)
    return ops.mean(ops.square(ops.cast(z_prime, dtype) - ops.cast(z, dtype)))


def lis_similarity_loss(z, latents, active, lambda_r=0.9):
    """``sum_k lambda_r^k * active_k * L_R(z, z'_k)``, k = 1..N, always against the original z.

    Args:
        z: the original latents ``[B, N_z]`` (not ``z'_{k-1}``: §2.2 and the code).
        latents: ``[z'_1, ..., z'_N]`` from ``LISChain``.
        active: ``[N]`` 0/1 mask of the modules run in this batch (skipped modules add
            nothing and get zero gradient).
        lambda_r: the decay ``lambda_R`` (0.9 in the paper; 0 disables the constraint).

    Returns:
        float32 scalar (float64 when ``z`` is float64). Weights ``lambda_r^k`` with 1-based ``k``: §2.3 writes
        ``lambda^(1+i)`` for 0-based ``i`` (printed as ``lambda_B``), the code
        ``lambda ** (i + 1)`` (research/lis.md §1.5).
    """
    z = ops.convert_to_tensor(z)
    dtype = _loss_dtype(z)
    total = ops.convert_to_tensor(0.0, dtype)
    for k, z_k in enumerate(latents, start=1):
        # convert_to_tensor with the dtype: a cast would round lambda^k through float32 first
        weight = ops.convert_to_tensor(lambda_r**k, dtype) * ops.cast(active[k - 1], dtype)
        total = total + weight * similarity(z, z_k)
    return total
