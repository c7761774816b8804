"""pytest-benchmark suite: batched ``nnla.signm`` against ``scipy.linalg.signm``.

Run from the repository root (``bench/`` is outside ``testpaths``, so name it)::

    pytest bench/test_bench_signm.py --benchmark-only --benchmark-group-by=group
    NNLA_BENCH_THREADS=2 pytest bench/test_bench_signm.py --benchmark-only

Grid: d in {2, 8, 32} x dtype {float64, complex128} x peer {nnla, scipy}; one timed call processes
a whole batch (scipy loops over it in Python). Entries N(0, 1)/sqrt(d), resampled until every
eigenvalue has |Re| >= 0.05 ||A||_1 / d (so neither peer meets an imaginary-axis eigenvalue).
Threads as in test_bench_expm.py: ``NNLA_BENCH_THREADS`` (default 1) for nnla and, through
threadpoolctl, for scipy's BLAS. No timing assertions.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import scipy
import scipy.linalg

DIMS = [2, 8, 32]
DTYPES = ["float64", "complex128"]
PEERS = ["nnla", "scipy"]
BATCH = {2: 500, 8: 200, 32: 20}
SEED = 20261123
THREADS = max(1, int(os.environ.get("NNLA_BENCH_THREADS", "1")))

pytestmark = pytest.mark.benchmark(max_time=0.25, min_rounds=5, warmup=True, warmup_iterations=2)


def make_batch(d: int, dtype: str, n: int) -> np.ndarray:
    rng = np.random.default_rng([SEED, d, 0 if dtype == "float64" else 1])
    out = []
    while len(out) < n:
        a = rng.standard_normal((d, d))
        if dtype.startswith("complex"):
            a = (a + 1j * rng.standard_normal((d, d))) / math.sqrt(2.0)
        a = a / math.sqrt(d)
        if np.min(np.abs(np.linalg.eigvals(a).real)) >= 0.05 * np.abs(a).sum(0).max() / d:
            out.append(a)
    return np.ascontiguousarray(np.array(out).astype(dtype))


def signm_callable(peer: str, a: np.ndarray) -> tuple[Callable[[], Any], dict[str, Any]]:
    if peer == "nnla":
        nnla = pytest.importorskip("nnla")
        nnla.set_num_threads(THREADS)
        info = {"nnla": nnla.__version__, "threads": nnla.get_num_threads()}
        return (lambda: nnla.signm(a)), info
    if peer == "scipy":

        def run() -> list[Any]:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return [scipy.linalg.signm(x) for x in a]

        return run, {"scipy": scipy.__version__, "threads": THREADS}
    raise ValueError(f"unknown peer {peer!r}")


@pytest.mark.parametrize("peer", PEERS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("d", DIMS, ids=lambda d: f"d{d}")
def test_signm_batch(
    benchmark: Any, bench_threads: dict[str, Any], d: int, dtype: str, peer: str
) -> None:
    n = BATCH[d]
    a = make_batch(d, dtype, n)
    fn, info = signm_callable(peer, a)
    benchmark.group = f"signm d={d} {dtype} batch={n}"
    benchmark.extra_info.update(info, batch=n, d=d, dtype=dtype, **bench_threads)
    out = benchmark(fn)
    assert len(out) == n


@pytest.mark.parametrize("peer", PEERS)
def test_signm_single_2x2(benchmark: Any, bench_threads: dict[str, Any], peer: str) -> None:
    a = make_batch(2, "float64", 1)  # a batch of one (1, 2, 2)
    fn, info = signm_callable(peer, a)
    benchmark.group = "signm one 2x2 float64 (per-call overhead)"
    benchmark.extra_info.update(info, batch=1, d=2, dtype="float64", **bench_threads)
    out = benchmark(fn)
    assert len(out) == 1
