"""The cost of a 2D SgGN iteration (``nnla.sggn.fit`` with ``dim=2``) by solver, beside the dense
paths.

Side ``nnla`` is the default ``solver="cholesky"`` (shifted Cholesky refined by CG on the exact
matrix, :mod:`nnla.sggn.solves2d`); the peers are the dense paths kept for comparison: the
truncated eigendecomposition (``eigh``, the solver of every iteration before issue 20) and pivoted
Cholesky (``pivoted``). Target ``circle_jump`` on the unit square (exact moments), seeded initial
lines, two iterations per call (items = 2; the initial linear step is included), ``tol = 0``.
The phases of nnla's iterations (:data:`nnla.sggn.engine2d.CLOCK_PHASES`, seconds per iteration)
go to ``extra_info``.

Grid: n = 256 and 1024 (quick: 32 and 64); ``NNLA_BENCH_LARGE=1`` adds n = 4096 for ``nnla`` and
``eigh`` (a 12 288 x 12 288 layer matrix: ~12 s per iteration and 1.6 GB for nnla on 2 threads;
~200 s and ~10 GB for eigh). The issue's figures are for 2 threads (``NNLA_BENCH_THREADS=2``).
"""

from __future__ import annotations

import os
from typing import Any

import harness
import pytest

pytestmark = pytest.mark.benchmark(max_time=1.0, min_rounds=1, warmup=False)

ITERATIONS = 2
SIDES = {"nnla": "cholesky", "pivoted": "pivoted", "eigh": "eigh"}
CASES = [(n, side) for n in harness.pick([256, 1024], [32, 64]) for side in SIDES]
if os.environ.get("NNLA_BENCH_LARGE"):
    CASES += [(4096, "nnla"), (4096, "eigh")]


@pytest.mark.parametrize(("n", "side"), CASES, ids=[f"n{n}-{s}" for n, s in CASES])
def test_sggn2d_iteration(benchmark: Any, n: int, side: str) -> None:
    sggn = pytest.importorskip("nnla.sggn")
    solver = SIDES[side]

    def fn() -> Any:
        return sggn.fit("circle_jump", n, dim=2, max_iter=ITERATIONS, tol=0.0,
                        seed=harness.SEED, solver=solver)

    label = f"sggn 2D circle_jump n={n} per iteration (by solver)"
    r = harness.measure(benchmark, label, side, fn, items=ITERATIONS, n=n, solver=solver)
    assert r.iterations == ITERATIONS
    benchmark.extra_info["phases_per_iteration"] = {
        k: v / ITERATIONS for k, v in r.info["time"].items()}
    benchmark.extra_info["solve_residual_max"] = float(r.history["solve_residual"][1:].max())
