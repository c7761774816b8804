"""pytest-benchmark suite: the cost of one 2D SgGN iteration (``nnla.sggn.fit`` with ``dim=2``).

Self-contained (no shared helpers beyond pytest-benchmark; bench/ is being restructured into a
tracked suite elsewhere). Run from the repository root::

    pytest bench/test_bench_sggn2d.py --benchmark-only
    NNLA_BENCH_LARGE=1 pytest bench/test_bench_sggn2d.py --benchmark-only   # adds n = 4096

Grid: n = 256, 1024 (and 4096 with ``NNLA_BENCH_LARGE=1``: dense 12288 x 12288 layer matrices,
several GB and minutes per iteration on 2 cores) neurons on ``circle_jump`` (exact moments),
seeded initial lines, the semidefinite solves by pivoted Cholesky (``solver="pivoted"``, the
default) beside the truncated eigendecomposition (``solver="eigh"``, the previous dense path).
One round is ``fit(..., max_iter=1)``; the iteration's own time (without the initial linear
step) is stored in ``extra_info["per_iteration_s"]``, with nnla's thread count
(``nnla.set_num_threads`` or ``OMP_NUM_THREADS``; the issue's figures are for 2) and the solve
residual.
No timing assertions: these machines are noisy.
"""

from __future__ import annotations

import os

import nnla
import numpy as np
import pytest
from nnla.sggn import fit

SEED = 20261207
SIZES = [256, 1024] + ([4096] if os.environ.get("NNLA_BENCH_LARGE") else [])
SOLVERS = ["pivoted", "eigh"]


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("n", SIZES)
def test_sggn2d_iteration(benchmark, n: int, solver: str) -> None:
    benchmark.group = f"sggn 2d: one iteration (circle_jump, n={n})"
    res = benchmark.pedantic(fit, args=("circle_jump", n),
                             kwargs={"dim": 2, "max_iter": 1, "seed": SEED, "solver": solver},
                             rounds=1 if n >= 1024 else 3, iterations=1)
    hist = res.history
    benchmark.extra_info.update({
        "n": n, "solver": solver, "threads": nnla.get_num_threads(),
        "per_iteration_s": float(np.diff(hist["time"])[0]) if res.iterations else None,
        "solve_residual": float(hist["solve_residual"][-1]),
    })
    assert res.iterations <= 1
