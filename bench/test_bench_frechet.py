"""pytest-benchmark suite: batched ``nnla.expm_frechet`` (and ``nnla.expm_cond``) against scipy.

Run from the repository root (``bench/`` is outside ``testpaths``, so name it)::

    pytest bench/test_bench_frechet.py --benchmark-only --benchmark-group-by=group
    NNLA_BENCH_THREADS=2 pytest bench/test_bench_frechet.py --benchmark-only

Grid: d in {2, 8, 32} x dtype {float64, complex128} x peer {nnla, scipy, nnla-expm}; one timed
call processes a whole batch (scipy loops over it in Python). ``nnla-expm`` times ``nnla.expm`` on
the same batch, the yardstick of the "about 3x expm" cost of the Frechet derivative. Plus
``expm_cond`` (nnla's block 1-norm estimate vs scipy's exact O(d^5) ``expm_cond``) at d in {2, 8}.
Entries N(0, 1)/sqrt(d); inputs built outside the timed body. Threads as in test_bench_expm.py:
``NNLA_BENCH_THREADS`` (default 1) for nnla and, through threadpoolctl, for scipy's BLAS. No
timing assertions.
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
PEERS = ["nnla", "scipy", "nnla-expm"]
BATCH = {2: 1000, 8: 400, 32: 40}
SEED = 20261123
THREADS = max(1, int(os.environ.get("NNLA_BENCH_THREADS", "1")))

pytestmark = pytest.mark.benchmark(max_time=0.25, min_rounds=5, warmup=True, warmup_iterations=2)


def make_batch(d: int, dtype: str, n: int, which: int) -> np.ndarray:
    rng = np.random.default_rng([SEED, d, which, 0 if dtype == "float64" else 1])
    a = rng.standard_normal((n, d, d))
    if dtype.startswith("complex"):
        a = (a + 1j * rng.standard_normal((n, d, d))) / math.sqrt(2.0)
    return np.ascontiguousarray((a / math.sqrt(d)).astype(dtype))


def frechet_callable(peer: str, a: np.ndarray, e: np.ndarray) -> tuple[Callable[[], Any], dict]:
    if peer in ("nnla", "nnla-expm"):
        nnla = pytest.importorskip("nnla")
        nnla.set_num_threads(THREADS)
        info = {"nnla": nnla.__version__, "threads": nnla.get_num_threads()}
        if peer == "nnla":
            return (lambda: nnla.expm_frechet(a, e)), info
        return (lambda: nnla.expm(a)), info
    if peer == "scipy":

        def run() -> list[Any]:
            return [scipy.linalg.expm_frechet(x, y) for x, y in zip(a, e, strict=True)]

        return run, {"scipy": scipy.__version__, "threads": THREADS}
    raise ValueError(f"unknown peer {peer!r}")


@pytest.mark.parametrize("peer", PEERS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("d", DIMS, ids=lambda d: f"d{d}")
def test_expm_frechet_batch(
    benchmark: Any, bench_threads: dict[str, Any], d: int, dtype: str, peer: str
) -> None:
    n = BATCH[d]
    a = make_batch(d, dtype, n, 0)
    e = make_batch(d, dtype, n, 1)
    fn, info = frechet_callable(peer, a, e)
    benchmark.group = f"expm_frechet d={d} {dtype} batch={n}"
    benchmark.extra_info.update(info, batch=n, d=d, dtype=dtype, **bench_threads)
    out = benchmark(fn)
    assert len(out) in (2, n)


@pytest.mark.parametrize("peer", ["nnla", "scipy"])
@pytest.mark.parametrize("d", [2, 8], ids=lambda d: f"d{d}")
def test_expm_cond_batch(benchmark: Any, bench_threads: dict[str, Any], d: int, peer: str) -> None:
    n = {2: 200, 8: 20}[d]
    a = make_batch(d, "float64", n, 0)
    if peer == "nnla":
        nnla = pytest.importorskip("nnla")
        nnla.set_num_threads(THREADS)

        def fn() -> Any:
            return nnla.expm_cond(a)

    else:

        def fn() -> Any:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return [scipy.linalg.expm_cond(x) for x in a]

    benchmark.group = f"expm_cond d={d} float64 batch={n}"
    benchmark.extra_info.update(batch=n, d=d, peer=peer, **bench_threads)
    out = benchmark(fn)
    assert len(out) == n
