"""The analytic three-layer solver (``nnla.three_layer.solve``): a batch, and one instance
against training the same network by Adam.

Batch: 2000 random real instances with d = 8 solved and verified in one call (nnla alone: no
other library solves this problem). Pair: one instance with d = 4, the analytic solve against
``fit_gradient`` (Adam through ``nnla.expm_frechet``, 2000 steps, the spec's comparison).
Residuals and the accuracy tables are ``bench/compare_three_layer.py``'s. Quick grid: 200
instances, 200 Adam steps.
"""

from __future__ import annotations

from typing import Any

import harness
import numpy as np
import pytest

pytestmark = pytest.mark.benchmark(max_time=1.0, min_rounds=3, warmup=False)

N_BATCH = harness.pick(2_000, 200)
ADAM_STEPS = harness.pick(2000, 200)


def _pairs(n: int, d: int) -> list[np.ndarray]:
    r = harness.rng(n, d, 6)
    return [r.standard_normal((n, d, d)) for _ in range(4)]


@pytest.mark.parametrize("side", ["nnla"])
def test_three_layer_batch(benchmark: Any, side: str) -> None:
    tl = pytest.importorskip("nnla.three_layer")
    args = _pairs(N_BATCH, 8)
    case = f"three-layer solve batch n={N_BATCH} d=8"

    def fn() -> Any:
        return tl.solve(*args, n_threads=harness.THREADS)

    sol = harness.measure(benchmark, case, side, fn, items=N_BATCH, d=8)
    assert np.median(sol.residual) <= 1e-10


@pytest.mark.parametrize("side", ["nnla", "adam"])
def test_three_layer_vs_training(benchmark: Any, side: str) -> None:
    tl = pytest.importorskip("nnla.three_layer")
    x1, x2, y1, y2 = (a[0] for a in _pairs(1, 4))
    if side == "nnla":
        fn = lambda: tl.solve(x1, x2, y1, y2)  # noqa: E731
    else:
        fn = lambda: tl.fit_gradient(x1, x2, y1, y2, steps=ADAM_STEPS, lr=1e-2)  # noqa: E731
    case = f"three-layer one instance d=4 (Adam {ADAM_STEPS} steps)"
    harness.measure(benchmark, case, side, fn, d=4)
