"""
Batched expm: speed against scipy
=================================

:func:`nnla.expm` takes a stack ``(..., d, d)`` and exponentiates every matrix in C++, with the
Padé degree and the number of squarings chosen per matrix (fewer products than scipy where free
norm bounds settle the choice), size-specialised kernels for d ≤ 8 and d = 16, and OpenMP over
the batch. ``scipy.linalg.expm`` also accepts stacks. Both are timed here on the same batches of
matrices with N(0, 1/d) entries, on one thread and on all threads, on whatever machine builds
this page: read the ratios, not the absolute rates. The stored benchmark runs on the reference
machine are on the :doc:`performance pages </performance/index>`.

The two results agree to rounding (the relative difference is printed).
"""

import time

import matplotlib.pyplot as plt
import nnla
import numpy as np
import scipy.linalg


def rate(f, a: np.ndarray, budget: float = 0.1) -> float:
    """Matrices per second: best of 3 repeats of at least ``budget`` seconds each."""
    best = 0.0
    for _ in range(3):
        calls, t0 = 0, time.perf_counter()
        while (t := time.perf_counter() - t0) < budget:
            f(a)
            calls += 1
        best = max(best, calls * a.shape[0] / t)
    return best


dims = [2, 4, 8, 16, 32, 64]
rng = np.random.default_rng(0)
r_scipy, r_one, r_all = [], [], []
for d in dims:
    a = rng.standard_normal((max(8, 4096 // d**2), d, d)) / np.sqrt(d)
    x, y = nnla.expm(a), scipy.linalg.expm(a)
    diff = np.linalg.norm(x - y) / np.linalg.norm(y)
    r_scipy.append(rate(scipy.linalg.expm, a))
    r_one.append(rate(lambda m: nnla.expm(m, n_threads=1), a))
    r_all.append(rate(nnla.expm, a))
    print(f"d = {d:3d}: nnla {r_one[-1]:10.0f}/s (1 thread), {r_all[-1]:10.0f}/s "
          f"({nnla.get_num_threads()} threads), scipy {r_scipy[-1]:9.0f}/s, "
          f"ratio {r_one[-1] / r_scipy[-1]:5.1f}; relative difference {diff:.1e}")

fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(11, 4))
ax0.loglog(dims, r_all, "o-", label=f"nnla.expm, {nnla.get_num_threads()} threads")
ax0.loglog(dims, r_one, "o--", label="nnla.expm, 1 thread")
ax0.loglog(dims, r_scipy, "s-", label="scipy.linalg.expm")
ax0.set_xlabel("d")
ax0.set_ylabel("matrices per second")
ax0.set_xticks(dims, [str(d) for d in dims])
ax0.legend()
ax1.semilogx(dims, np.array(r_one) / np.array(r_scipy), "o-", label="1 thread")
ax1.semilogx(dims, np.array(r_all) / np.array(r_scipy), "o--", label="all threads")
ax1.axhline(1, color="k", lw=0.8)
ax1.set_xticks(dims, [str(d) for d in dims])
ax1.set_xlabel("d")
ax1.set_ylabel("nnla rate / scipy rate")
ax1.legend()
fig.tight_layout()
plt.show()
