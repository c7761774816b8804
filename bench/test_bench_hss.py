"""pytest-benchmark suite of ``nnla.hss`` (HSS construction, ULV Cholesky, solve) and scipy's dense
Cholesky as the peer.

Run from the repository root (``bench/`` is outside ``testpaths``, so name it)::

    pytest bench/test_bench_hss.py --benchmark-only
    NNLA_BENCH_THREADS=2 pytest bench/test_bench_hss.py --benchmark-only --benchmark-autosave

Cases: the Gaussian kernel ``10 I + exp(-r^2)`` on sorted uniform points in (-1, 1) at tol 1e-12
(``from_kernel`` build, factor, solve; n = 2^14 and 2^16), the 1D ReLU mass matrix of the spec
(closed form, n = 4096, tol 1e-12: ``from_dense`` build, factor, solve) and scipy's
``cho_factor`` + ``cho_solve`` on the same ReLU matrix, and ``from_relu`` (exact 1D generators)
+ factor + solve of the ReLU mass matrix at n = 4096 and 8192, the plain vs refined solve at
n = 8192, and the randomized compression from a matvec (n = 4096). Inputs are built outside the
timed body; nnla runs on ``NNLA_BENCH_THREADS`` threads (default 1). The full figures with
residuals and ratios come from ``bench/compare_hss.py``. No timing assertions.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
import scipy.linalg

THREADS = max(1, int(os.environ.get("NNLA_BENCH_THREADS", "1")))
hss = pytest.importorskip("nnla.hss")
nnla = pytest.importorskip("nnla")

pytestmark = pytest.mark.benchmark(max_time=1.0, min_rounds=3, warmup=False)


def relu_mass(n: int) -> np.ndarray:
    """1D ReLU mass matrix on [0, 1], breakpoints s_i = (i-1)/n, w = 1, b = -s (nnla.relu)."""
    return nnla.relu.mass_matrix(np.ones(n), -np.arange(n) / n, (0.0, 1.0))


@pytest.fixture(scope="module")
def relu() -> np.ndarray:
    return relu_mass(4096)


def _points(n: int) -> np.ndarray:
    return np.sort(np.random.default_rng(0).uniform(-1.0, 1.0, n))


@pytest.mark.parametrize("log2n", [14, 16])
def test_kernel_build(benchmark, log2n):
    x = _points(1 << log2n)
    benchmark.extra_info.update({"threads": THREADS, "n": 1 << log2n})
    h = benchmark(hss.HSSMatrix.from_kernel, x, "gaussian", 1.0, 10.0, 1e-12, n_threads=THREADS)
    assert h.shape == (1 << log2n, 1 << log2n)


@pytest.mark.parametrize("log2n", [14, 16])
def test_kernel_factor(benchmark, log2n):
    h = hss.HSSMatrix.from_kernel(_points(1 << log2n), "gaussian", 1.0, 10.0, 1e-12)
    benchmark.extra_info.update({"threads": THREADS, "n": 1 << log2n})
    benchmark(h.cholesky, n_threads=THREADS)


@pytest.mark.parametrize("log2n", [14, 16])
def test_kernel_solve(benchmark, log2n):
    n = 1 << log2n
    f = hss.HSSMatrix.from_kernel(_points(n), "gaussian", 1.0, 10.0, 1e-12).cholesky()
    b = np.random.default_rng(1).standard_normal(n)
    benchmark.extra_info.update({"threads": THREADS, "n": n})
    benchmark(f.solve, b, n_threads=THREADS)


@pytest.mark.parametrize("peer", ["nnla", "scipy"])
def test_relu_factor_solve(benchmark, relu, peer):
    b = relu @ np.ones(relu.shape[0])
    benchmark.extra_info.update({"threads": THREADS, "n": relu.shape[0], "peer": peer})
    if peer == "nnla":

        def run():
            h = hss.HSSMatrix.from_dense(relu, tol=1e-12, n_threads=THREADS)
            return h.cholesky(n_threads=THREADS).solve(b, n_threads=THREADS)
    else:

        def run():
            return scipy.linalg.cho_solve(scipy.linalg.cho_factor(relu), b)

    x = benchmark(run)
    assert np.linalg.norm(relu @ x - b) <= 1e-12 * np.linalg.norm(b)


@pytest.mark.parametrize("n", [4096, 8192])
def test_relu_from_relu(benchmark, n):
    # exact 1D generators (HSSMatrix.from_relu): build + factor + solve, no dense matrix
    w, bias = np.ones(n), -np.arange(n) / n
    b = relu_mass(n) @ np.ones(n)
    benchmark.extra_info.update({"threads": THREADS, "n": n})

    def run():
        h = hss.HSSMatrix.from_relu("mass", w, bias, tol=1e-12, n_threads=THREADS)
        return h.cholesky(n_threads=THREADS).solve(b, n_threads=THREADS)

    x = benchmark(run)
    assert np.linalg.norm(relu_mass(n) @ x - b) <= 1e-13 * np.linalg.norm(b)


@pytest.mark.parametrize("refine", [0, 1])
def test_relu_solve_refine(benchmark, refine):
    # HSSCholesky.solve at n = 8192: plain ULV solve vs the default (one refinement step vs H)
    n = 8192
    w, bias = np.ones(n), -np.arange(n) / n
    f = hss.HSSMatrix.from_relu("mass", w, bias, n_threads=THREADS).cholesky(n_threads=THREADS)
    b = np.random.default_rng(2).standard_normal(n)
    benchmark.extra_info.update({"threads": THREADS, "n": n, "refine": refine})
    benchmark(f.solve, b, refine=refine, n_threads=THREADS)


def test_kernel_from_matvec(benchmark):
    # randomized compression from products (the dense matrix as the product) at n = 4096
    n = 4096
    x = _points(n)
    a = np.exp(-np.subtract.outer(x, x) ** 2) + 10.0 * np.eye(n)
    benchmark.extra_info.update({"threads": THREADS, "n": n})

    def run():
        return hss.HSSMatrix.from_entries(
            lambda i, j: a[np.ix_(i, j)], n, tol=1e-12, matvec=lambda v: a @ v, n_threads=THREADS
        )

    h = benchmark(run)
    assert h.error_estimate <= 1e-11
