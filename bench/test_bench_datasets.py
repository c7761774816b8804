"""Generating matrix-function data sets (``nnla.datasets.matrix_function_pairs``).

Target (issue 8): 10^6 pairs of 5x5 expm in <= 10 s on 2 cores; one timed call makes 10^5
pairs (items = pairs, so the stored rate extrapolates). Pair: the ``uniform`` family (entries
uniform in [-10, 10]) without condition numbers, against drawing the same kind of batch with
NumPy and ``scipy.linalg.expm`` on the stack. nnla alone: with ``cond="auto"`` (``expm_cond``
per sample), and logm/sqrtm/signm at 10^4 pairs. Quick grid: n / 10.
"""

from __future__ import annotations

from typing import Any

import harness
import pytest
import scipy.linalg

pytestmark = pytest.mark.benchmark(max_time=2.0, min_rounds=3, warmup=False)

D = 5
N_EXPM = harness.pick(100_000, 10_000)
N_OTHER = harness.pick(10_000, 1_000)


def _pairs(f: str, n: int, **kw: Any) -> Any:
    datasets = pytest.importorskip("nnla.datasets")
    return lambda: datasets.matrix_function_pairs(f, n, D, n_threads=harness.THREADS, **kw)


def _scipy_pairs(n: int) -> Any:
    def run() -> Any:
        x = harness.rng(n, 7).uniform(-10.0, 10.0, (n, D, D))
        return x, scipy.linalg.expm(x)

    return run


@pytest.mark.parametrize("side", ["nnla", "scipy"])
def test_expm_pairs(benchmark: Any, side: str) -> None:
    fn = _pairs("expm", N_EXPM, family="uniform", cond="none") if side == "nnla" else (
        _scipy_pairs(N_EXPM))
    case = f"datasets expm {D}x{D} n={N_EXPM}"
    out = harness.measure(benchmark, case, side, fn, items=N_EXPM, d=D)
    assert out[1].shape == (N_EXPM, D, D)


@pytest.mark.parametrize("side", ["nnla"])
def test_expm_pairs_cond(benchmark: Any, side: str) -> None:
    case = f"datasets expm {D}x{D} n={N_EXPM} cond=auto"
    fn = _pairs("expm", N_EXPM, family="uniform", cond="auto")
    out = harness.measure(benchmark, case, side, fn, items=N_EXPM, d=D)
    assert out.X.shape == (N_EXPM, D, D)


@pytest.mark.parametrize("side", ["nnla"])
@pytest.mark.parametrize("f", ["logm", "sqrtm", "signm"])
def test_other_pairs(benchmark: Any, f: str, side: str) -> None:
    case = f"datasets {f} {D}x{D} n={N_OTHER}"
    out = harness.measure(benchmark, case, side, _pairs(f, N_OTHER), items=N_OTHER, d=D)
    assert out.X.shape == (N_OTHER, D, D)
