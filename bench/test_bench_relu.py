"""pytest-benchmark suite for the 1D ReLU-network matrices (nnla.relu).

Run from the repository root (``bench/`` is outside ``testpaths``, so name it)::

    pytest bench/test_bench_relu.py --benchmark-only
    pytest bench/test_bench_relu.py --benchmark-only --benchmark-columns=median,iqr,rounds

Grid: dense 1D assembly of the mass matrix A at n = 8192 on 1 and 2 threads (target on 2 cores:
<= 0.3 s), the same for H; the O(n) hat-basis solver at n = 10^6 (target <= 0.5 s, excluding the
evaluation of u: a right-hand side f and a u-fit with a cheap u) for right-facing and mixed
orientations; the O(n log n) matvec at n = 10^6. Inputs are built outside the timed body; the
settings are stored in each benchmark's ``extra_info``. No timing assertions.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

relu = pytest.importorskip("nnla.relu")

SEED = 20261123
pytestmark = pytest.mark.benchmark(max_time=1.0, min_rounds=3, warmup=True, warmup_iterations=1)


def layer(n: int, mixed: bool) -> tuple[np.ndarray, np.ndarray]:
    """n neurons with sorted random breakpoints in (0, 1); w = 1 (first at 0) or mixed signs."""
    rng = np.random.default_rng([SEED, n, int(mixed)])
    s = np.sort(rng.uniform(0.0, 1.0, n))
    w = rng.choice([-1.0, 1.0], n) * rng.uniform(0.5, 2.0, n) if mixed else np.ones(n)
    s[0] = 0.0 if not mixed else s[0]
    return w, -w * s


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("kind", ["mass", "heaviside"])
def test_assemble_1d_n8192(benchmark: Any, kind: str, threads: int) -> None:
    w, b = layer(8192, mixed=True)
    fn = relu.mass_matrix if kind == "mass" else relu.heaviside_gram
    benchmark.group = f"1D dense {kind} n=8192"
    benchmark.extra_info.update(n=8192, threads=threads, kind=kind)
    out = benchmark(lambda: fn(w, b, n_threads=threads))
    assert out.shape == (8192, 8192)


@pytest.mark.parametrize("mixed", [False, True], ids=["right", "mixed"])
def test_solve_mass_1d_f_n1e6(benchmark: Any, mixed: bool) -> None:
    n = 10**6
    w, b = layer(n, mixed)
    f = np.random.default_rng(SEED).standard_normal(n)
    benchmark.group = "1D O(n) solver n=1e6"
    benchmark.extra_info.update(n=n, mixed=mixed, rhs="f")
    c, _ = benchmark(lambda: relu.solve_mass_1d(w, b, f=f))
    assert c.shape == (n,)


def test_solve_mass_1d_u_n1e6(benchmark: Any) -> None:
    n = 10**6
    w, b = layer(n, mixed=True)
    benchmark.group = "1D O(n) solver n=1e6"
    benchmark.extra_info.update(n=n, mixed=True, rhs="u (2-point Gauss, u = x)")
    c, _ = benchmark(lambda: relu.solve_mass_1d(w, b, u=lambda x: x, order=2))
    assert c.shape == (n,)


def test_solve_heaviside_1d_f_n1e6(benchmark: Any) -> None:
    n = 10**6
    w, b = layer(n, mixed=True)
    f = np.random.default_rng(SEED).standard_normal(n)
    benchmark.group = "1D O(n) solver n=1e6"
    benchmark.extra_info.update(n=n, mixed=True, rhs="f", kind="heaviside")
    c, _ = benchmark(lambda: relu.solve_heaviside_1d(w, b, f=f))
    assert c.shape == (n,)


def test_matvec_1d_n1e6(benchmark: Any) -> None:
    n = 10**6
    w, b = layer(n, mixed=True)
    x = np.random.default_rng(SEED).standard_normal(n)
    benchmark.group = "1D matvec n=1e6"
    benchmark.extra_info.update(n=n)
    y = benchmark(lambda: relu.matvec("mass", w, b, None, x))
    assert y.shape == (n,)
