"""Batched matrix functions: nnla against scipy (and torch when installed), same run.

Grid: ``expm``, ``expm_frechet``, ``logm``, ``sqrtm``, ``signm`` at d = 2, 4, ..., 256 in float64
and float32 (``expm`` also complex128), one timed call on a batch (``BATCH``, same batch for
every side, entries N(0, 1)/sqrt(d); logm/sqrtm: 2I + that/2); plus one 2x2 matrix per call
(per-call overhead). Each nnla result is checked against scipy's on the first matrix of the
batch (``max_rel_diff`` in ``extra_info``), and every side's own residual on it is stored
(``residual``: ``||X^2 - A||/||A||`` for sqrtm, ``||expm(X) - A||/||A||`` for logm,
``||S^2 - I||`` for signm). Quick grid: d = 2, 16, 128.
"""

from __future__ import annotations

from typing import Any

import harness
import numpy as np
import pytest

DIMS = harness.pick([2, 4, 8, 16, 32, 64, 128, 256], [2, 16, 128])
#: matrices per timed call (a few ms of scipy work at most)
BATCH = {2: 256, 4: 128, 8: 64, 16: 32, 32: 8, 64: 4, 128: 1, 256: 1}
FUNCS = ["expm", "expm_frechet", "logm", "sqrtm", "signm"]
GRID = [(f, t) for f in FUNCS for t in ("float64", "float32")] + [("expm", "complex128")]
SIDES = ["nnla", "scipy", "torch"]

pytestmark = [
    pytest.mark.benchmark(max_time=0.2, min_rounds=5, warmup=True, warmup_iterations=1),
    # scipy's float32 logm says its own result may be inaccurate; the check below compares
    pytest.mark.filterwarnings("ignore:logm result may be inaccurate:RuntimeWarning"),
]


def _first(out: Any) -> np.ndarray:
    out = out[1] if isinstance(out, tuple) else out  # expm_frechet: (expm, L)
    return np.asarray(out)[0]


@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize("d", DIMS, ids=lambda d: f"d{d}")
@pytest.mark.parametrize(("func", "dtype"), GRID, ids=[f"{f}-{t}" for f, t in GRID])
def test_matfun(benchmark: Any, func: str, dtype: str, d: int, side: str) -> None:
    n = BATCH[d]
    args = harness.matfun_input(func, n, d, dtype)
    fn = harness.matfun_peer(func, side, args)
    out = harness.measure(
        benchmark, f"{func} {dtype} d={d}", side, fn, items=n, func=func, dtype=dtype, d=d
    )
    res = harness.matfun_residual(func, args, out)
    if res is not None:
        benchmark.extra_info["residual"] = res
    if side == "nnla":
        first = tuple(x[:1] for x in args)
        ref = _first(harness.matfun_peer(func, "scipy", first)())
        diff = np.abs(_first(out) - ref).max() / max(np.abs(ref).max(), 1e-300)
        benchmark.extra_info["max_rel_diff"] = float(diff)
        assert diff < (1e-3 if dtype == "float32" else 1e-8)


@pytest.mark.parametrize("side", SIDES)
def test_expm_one_2x2(benchmark: Any, side: str) -> None:
    a = harness.gaussian_batch(1, 2, "float64")[0]
    fn = harness.matfun_peer("expm", side, (a,))
    out = harness.measure(benchmark, "expm one 2x2 float64 (per call)", side, fn, func="expm")
    assert tuple(out.shape) == (2, 2)
