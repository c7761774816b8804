"""pytest-benchmark suite: batched ``nnla.expm`` against ``scipy.linalg.expm`` and torch.

Run from the repository root (``bench/`` is outside ``testpaths``, so name it)::

    pytest bench --benchmark-only
    pytest bench --benchmark-only --benchmark-group-by=group --benchmark-columns=median,iqr,rounds
    NNLA_BENCH_THREADS=2 pytest bench --benchmark-only --benchmark-autosave

Grid: d in {2, 8, 32, 128} x dtype {float64, complex128} x peer {nnla, scipy, torch} x memory
layout {C-contiguous, transposed (each matrix Fortran-ordered)}; one timed call processes a whole
batch, so compare within a benchmark group (same d, dtype, layout and batch).  Plus one call on a
single 2x2 float64 matrix (per-call overhead).  Inputs are built outside the timed body; torch gets
a zero-copy tensor view of the same numpy data.

Threads: every peer runs on ``NNLA_BENCH_THREADS`` threads (default 1): ``nnla.set_num_threads``,
``torch.set_num_threads`` and threadpoolctl for the BLAS libraries (scipy's, numpy's, nnla's).
The setting, versions and batch size are stored in each benchmark's ``extra_info``; the machine
is recorded by pytest-benchmark itself.  Torch is skipped when it is not installed, nnla when it
is not built.  No timing assertions: these machines are noisy.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import scipy
import scipy.linalg

DIMS = [2, 8, 32, 128]
DTYPES = ["float64", "complex128"]
PEERS = ["nnla", "scipy", "torch"]
LAYOUTS = ["C", "transposed"]
# matrices per timed call: a few milliseconds of scipy work, so each benchmark stays short
BATCH = {2: 2000, 8: 500, 32: 60, 128: 4}
SEED = 20240611
THREADS = max(1, int(os.environ.get("NNLA_BENCH_THREADS", "1")))

pytestmark = pytest.mark.benchmark(max_time=0.25, min_rounds=5, warmup=True, warmup_iterations=2)


def make_batch(d: int, dtype: str, n: int, layout: str = "C") -> np.ndarray:
    """``n`` seeded ``d x d`` matrices with entries N(0, 1)/sqrt(d) (complex: unit variance)."""
    rng = np.random.default_rng([SEED, d, 0 if dtype == "float64" else 1])
    a = rng.standard_normal((n, d, d))
    if dtype.startswith("complex"):
        a = (a + 1j * rng.standard_normal((n, d, d))) / math.sqrt(2.0)
    a = np.ascontiguousarray((a / math.sqrt(d)).astype(dtype))
    if layout == "transposed":
        a = np.swapaxes(a, -1, -2)  # same matrices' transposes, each one Fortran-ordered
    return a


def expm_callable(peer: str, a: np.ndarray) -> tuple[Callable[[], Any], dict[str, Any]]:
    """A zero-argument call of ``peer``'s expm on ``a`` (set up here, untimed) and extra info."""
    if peer == "nnla":
        nnla = pytest.importorskip("nnla")
        nnla.set_num_threads(THREADS)
        info = {"nnla": getattr(nnla, "__version__", "unknown"), "threads": nnla.get_num_threads()}
        return (lambda: nnla.expm(a)), info
    if peer == "scipy":
        return (lambda: scipy.linalg.expm(a)), {"scipy": scipy.__version__, "threads": THREADS}
    if peer == "torch":
        torch = pytest.importorskip("torch")
        torch.set_num_threads(THREADS)
        t = torch.from_numpy(a)  # zero-copy view, strides kept
        info = {"torch": torch.__version__, "threads": torch.get_num_threads()}
        return (lambda: torch.linalg.matrix_exp(t)), info
    raise ValueError(f"unknown peer {peer!r}")


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("peer", PEERS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("d", DIMS, ids=lambda d: f"d{d}")
def test_expm_batch(
    benchmark: Any, bench_threads: dict[str, Any], d: int, dtype: str, peer: str, layout: str
) -> None:
    n = BATCH[d]
    a = make_batch(d, dtype, n, layout)
    fn, info = expm_callable(peer, a)
    benchmark.group = f"expm d={d} {dtype} {layout} batch={n}"
    benchmark.extra_info.update(info, batch=n, d=d, dtype=dtype, layout=layout, **bench_threads)
    out = benchmark(fn)
    assert tuple(out.shape) == a.shape


@pytest.mark.parametrize("peer", PEERS)
def test_expm_single_2x2(benchmark: Any, bench_threads: dict[str, Any], peer: str) -> None:
    a = make_batch(2, "float64", 1)[0]
    fn, info = expm_callable(peer, a)
    benchmark.group = "expm one 2x2 float64 (per-call overhead)"
    benchmark.extra_info.update(info, batch=1, d=2, dtype="float64", **bench_threads)
    out = benchmark(fn)
    assert tuple(out.shape) == (2, 2)
