"""pytest-benchmark suite: exact 2D ReLU-network matrices (``nnla.relu.polygon``).

Run from the repository root (``bench/`` is outside ``testpaths``, so name it)::

    pytest bench/test_bench_relu2d.py --benchmark-only
    pytest bench/test_bench_relu2d.py --benchmark-only --benchmark-columns=median,iqr,rounds

Grid: n = 2048 random lines through the unit square (seeded), on 1 and 2 threads:
A, H and G together in one pass (``assemble_2d_all``; the issue's target is <= 2 s on 2 cores),
A alone, and one matvec with A without forming it. The thread count and n are stored in each
benchmark's ``extra_info``. No timing assertions: these machines are noisy.
"""

from __future__ import annotations

import numpy as np
import pytest
from nnla._validate import as_polygon

r2 = pytest.importorskip("nnla.relu.polygon")

N = 2048
THREADS = [1, 2]
SEED = 20261123

pytestmark = pytest.mark.benchmark(max_time=2.0, min_rounds=3, warmup=False)


@pytest.fixture(scope="module")
def network() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(SEED)
    th = rng.uniform(0, 2 * np.pi, N)
    w = np.column_stack([np.cos(th), np.sin(th)])
    b = -np.sum(w * rng.uniform(0, 1, (N, 2)), axis=1)
    return w, b, as_polygon(None)


@pytest.mark.parametrize("n_threads", THREADS)
def test_assemble_all_2048(benchmark, network, n_threads: int) -> None:
    w, b, v = network
    benchmark.group = "relu2d assemble A, H, G (n=2048)"
    benchmark.extra_info.update({"n": N, "n_threads": n_threads})
    A, H, G = benchmark(r2.assemble_2d_all, w, b, v, n_threads=n_threads)
    assert G.shape == (3 * N, 3 * N)


@pytest.mark.parametrize("n_threads", THREADS)
def test_assemble_mass_2048(benchmark, network, n_threads: int) -> None:
    w, b, v = network
    benchmark.group = "relu2d assemble A (n=2048)"
    benchmark.extra_info.update({"n": N, "n_threads": n_threads})
    A = benchmark(r2.assemble_2d, "mass", w, b, v, n_threads=n_threads)
    assert A.shape == (N, N)


@pytest.mark.parametrize("n_threads", THREADS)
def test_matvec_mass_2048(benchmark, network, n_threads: int) -> None:
    w, b, v = network
    x = np.random.default_rng(SEED + 1).standard_normal(N)
    benchmark.group = "relu2d matvec A (n=2048, matrix-free)"
    benchmark.extra_info.update({"n": N, "n_threads": n_threads})
    y = benchmark(r2.matvec_2d, "mass", w, b, v, x, n_threads=n_threads)
    assert y.shape == (N,)
