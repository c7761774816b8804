"""pytest-benchmark suite: batched ``nnla.logm`` / ``nnla.sqrtm`` against scipy.linalg.

Run from the repository root (``bench/`` is outside ``testpaths``, so name it)::

    pytest bench/test_bench_logm.py --benchmark-only
    pytest bench/test_bench_logm.py --benchmark-only --benchmark-group-by=group \\
        --benchmark-columns=median,iqr,rounds
    NNLA_BENCH_THREADS=2 pytest bench/test_bench_logm.py --benchmark-only --benchmark-autosave

Grid: function {logm, sqrtm} x d in {2, 8, 32} x dtype {float64, complex128} x peer {nnla, scipy};
one timed call processes a whole batch (scipy's own batched call: a Python loop over the batch for
logm; a compiled loop for sqrtm in scipy >= 1.16), so compare within a benchmark group. Matrices:
entries N(0, 1)/sqrt(d) plus 1.5 I (eigenvalues mostly in the right half-plane, so the results are
real for real input, as for the typical use). Plus one call on a single 2x2 float64 matrix (per-call
overhead). Inputs are built outside the timed body.

Threads: both peers run on ``NNLA_BENCH_THREADS`` threads (default 1): ``nnla.set_num_threads``
and threadpoolctl for the BLAS libraries other than nnla's own (which nnla pins to one thread).
No timing assertions: these machines are noisy.
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

FUNCS = ["logm", "sqrtm"]
DIMS = [2, 8, 32]
DTYPES = ["float64", "complex128"]
PEERS = ["nnla", "scipy"]
# matrices per timed call: scipy's logm costs about 0.5 ms per small matrix
BATCH = {2: 200, 8: 60, 32: 12}
SEED = 20261123
THREADS = max(1, int(os.environ.get("NNLA_BENCH_THREADS", "1")))

pytestmark = pytest.mark.benchmark(max_time=0.25, min_rounds=5, warmup=True, warmup_iterations=1)


def make_batch(d: int, dtype: str, n: int) -> np.ndarray:
    """``n`` seeded ``d x d`` matrices N(0, 1)/sqrt(d) + 1.5 I (complex: unit variance)."""
    rng = np.random.default_rng([SEED, d, 0 if dtype == "float64" else 1])
    a = rng.standard_normal((n, d, d))
    if dtype.startswith("complex"):
        a = (a + 1j * rng.standard_normal((n, d, d))) / math.sqrt(2.0)
    return np.ascontiguousarray((a / math.sqrt(d) + 1.5 * np.eye(d)).astype(dtype))


def func_callable(func: str, peer: str, a: np.ndarray) -> tuple[Callable[[], Any], dict[str, Any]]:
    """A zero-argument call of ``peer``'s ``func`` on ``a`` (set up untimed) and extra info."""
    if peer == "nnla":
        nnla = pytest.importorskip("nnla")
        nnla.set_num_threads(THREADS)
        f = getattr(nnla, func)
        info = {"nnla": getattr(nnla, "__version__", "unknown"), "threads": nnla.get_num_threads()}
        return (lambda: f(a)), info
    if peer == "scipy":
        g = getattr(scipy.linalg, func)

        def call() -> Any:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # scipy's accuracy warnings are not timed content
                return g(a)

        return call, {"scipy": scipy.__version__, "threads": THREADS}
    raise ValueError(f"unknown peer {peer!r}")


@pytest.mark.parametrize("peer", PEERS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("d", DIMS, ids=lambda d: f"d{d}")
@pytest.mark.parametrize("func", FUNCS)
def test_schur_function_batch(
    benchmark: Any, bench_threads: dict[str, Any], func: str, d: int, dtype: str, peer: str
) -> None:
    n = BATCH[d]
    a = make_batch(d, dtype, n)
    fn, info = func_callable(func, peer, a)
    benchmark.group = f"{func} d={d} {dtype} batch={n}"
    benchmark.extra_info.update(info, batch=n, d=d, dtype=dtype, func=func, **bench_threads)
    out = benchmark(fn)
    assert tuple(out.shape) == a.shape


@pytest.mark.parametrize("peer", PEERS)
@pytest.mark.parametrize("func", FUNCS)
def test_schur_function_single_2x2(
    benchmark: Any, bench_threads: dict[str, Any], func: str, peer: str
) -> None:
    a = make_batch(2, "float64", 1)[0]
    fn, info = func_callable(func, peer, a)
    benchmark.group = f"{func} one 2x2 float64 (per-call overhead)"
    benchmark.extra_info.update(
        info, batch=1, d=2, dtype="float64", func=func, **bench_threads
    )
    out = benchmark(fn)
    assert tuple(out.shape) == (2, 2)
