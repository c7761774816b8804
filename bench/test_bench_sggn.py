"""SgGN training (``nnla.sggn``): cost per iteration in 1D and 2D, against Adam's cost per step.

The peer is the baseline the spec compares SgGN with: Adam with exact gradients
(``nnla.sggn.fit_adam``, NumPy). Items are iterations (SgGN) and steps (Adam), so the stored
ratio is Adam's time per step over SgGN's time per iteration (an SgGN iteration is worth that
many Adam steps); which one reaches a given error first is ``bench/compare_sggn.py``'s table
(errors, not times). 1D: target ``jump`` on (0, 1), n = 256 (Adam: 5 steps; SgGN: 5 iterations,
``tol = 0`` so that none stops early) and SgGN alone at n = 4096; 2D: ``circle_jump`` on the
unit square, n = 64, 2 iterations (Adam: 20 steps). Quick grid: n / 4.
"""

from __future__ import annotations

from typing import Any

import harness
import pytest

pytestmark = pytest.mark.benchmark(max_time=1.0, min_rounds=3, warmup=False)

#: (dim, target, neurons, SgGN iterations, Adam steps)
CASES = [
    (1, "jump", harness.pick(256, 64), 5, 5),
    (2, "circle_jump", harness.pick(64, 16), 2, 20),
]
#: SgGN alone (Adam's exact gradients cost seconds per step here)
HEADLINE = [(1, "jump", harness.pick(4096, 1024), 5, 0)]


@pytest.mark.parametrize(
    ("case", "side"),
    [(c, s) for c in CASES for s in ("nnla", "adam")] + [(c, "nnla") for c in HEADLINE],
    ids=[f"{c[0]}d-n{c[2]}-{s}" for c in CASES for s in ("nnla", "adam")]
    + [f"{c[0]}d-n{c[2]}-nnla" for c in HEADLINE],
)
def test_sggn_iteration(benchmark: Any, case: tuple[int, str, int, int, int], side: str) -> None:
    sggn = pytest.importorskip("nnla.sggn")
    dim, target, n, iters, steps = case
    if side == "nnla":
        fn = lambda: sggn.fit(target, n, dim=dim, max_iter=iters, tol=0.0)  # noqa: E731
        items = iters
    else:
        fn = lambda: sggn.fit_adam(target, n, dim=dim, steps=steps)  # noqa: E731
        items = steps
    label = f"sggn {dim}D {target} n={n} per iteration (Adam: per step)"
    r = harness.measure(benchmark, label, side, fn, items=items, n=n, dim=dim, target=target)
    assert len(r.history["time"]) == items + 1
