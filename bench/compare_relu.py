"""Time nnla.relu's 1D kernels against a vectorised NumPy baseline, measured in the same run.

Table-driven: each row of ``CASES`` names a task, an nnla callable and a NumPy baseline (or
None); the script prints the median time of each (over ``--repeats`` runs), the ratio, and the
largest difference between the two results relative to the result's largest entry (a fast but
wrong kernel shows up). The 2D part can be added as further rows.

Usage::

    python bench/compare_relu.py                 # n = 8192 dense, 10^6 solver (~1 minute)
    python bench/compare_relu.py --threads 1 2 --repeats 5
    python bench/compare_relu.py --n-dense 4096          # the NumPy baseline needs ~5 GB at 8192

NumPy baselines: the dense mass and Heaviside matrices from broadcast (n, n) arrays of the
closed forms; the O(n) solve against a banded LAPACK solve is not a peer (no dense baseline at
n = 10^6), so it is timed alone with its target.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import nnla
import numpy as np
from nnla import relu


def numpy_mass(w: np.ndarray, b: np.ndarray, lo: float = 0.0, hi: float = 1.0) -> np.ndarray:
    """Vectorised NumPy closed form of A (shifted form of the spec) on [lo, hi]."""
    with np.errstate(divide="ignore", invalid="ignore"):
        s = -b / w
    l_ = np.where(w > 0, np.maximum(s, lo), lo)
    h_ = np.where(w < 0, np.minimum(s, hi), hi)
    a0 = np.maximum(l_[:, None], l_[None, :])
    a1 = np.minimum(h_[:, None], h_[None, :])
    L = np.maximum(a1 - a0, 0.0)
    pi = w[:, None] * a0 + b[:, None]
    pj = w[None, :] * a0 + b[None, :]
    return pi * pj * L + (pi * w[None, :] + pj * w[:, None]) * L**2 / 2 + np.outer(w, w) * L**3 / 3


def numpy_heaviside(w: np.ndarray, b: np.ndarray, lo: float = 0.0, hi: float = 1.0) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        s = -b / w
    l_ = np.where(w > 0, np.maximum(s, lo), lo)
    h_ = np.where(w < 0, np.minimum(s, hi), hi)
    common = np.minimum(h_[:, None], h_[None, :]) - np.maximum(l_[:, None], l_[None, :])
    return np.maximum(common, 0.0)


def layer(n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    w = rng.choice([-1.0, 1.0], n) * rng.uniform(0.5, 2.0, n)
    return w, -w * rng.uniform(0.0, 1.0, n)


def median_time(fn: Callable[[], Any], repeats: int) -> tuple[float, float, Any]:
    """Median wall time, median process CPU time (all threads; on a busy machine the CPU time
    of a 1-thread run is what it would take on an idle one), and the result."""
    out = fn()  # warm-up (and the result)
    times, cpu = [], []
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return statistics.median(times), statistics.median(cpu), out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--n-dense", type=int, default=8192)
    ap.add_argument("--n-solve", type=int, default=10**6)
    args = ap.parse_args(argv)
    nd, ns = args.n_dense, args.n_solve
    wd, bd = layer(nd)
    ws, bs = layer(ns, 2)
    f = np.random.default_rng(3).standard_normal(ns)
    info = nnla.info()
    print(f"nnla {nnla.__version__}  isa {info['isa']}  cores {info['omp_num_procs']}")
    cases: list[tuple[str, Callable[[int], Callable[[], Any]], Callable[[], Any] | None, str]] = [
        (
            f"1D mass matrix A, n={nd}",
            lambda t: lambda: relu.mass_matrix(wd, bd, n_threads=t),
            lambda: numpy_mass(wd, bd),
            "target <= 0.3 s on 2 threads",
        ),
        (
            f"1D Heaviside Gram H, n={nd}",
            lambda t: lambda: relu.heaviside_gram(wd, bd, n_threads=t),
            lambda: numpy_heaviside(wd, bd),
            "",
        ),
        (
            f"1D O(n) mass solve, n={ns}",
            lambda t: lambda: relu.solve_mass_1d(ws, bs, f=f),
            None,
            "target <= 0.5 s",
        ),
        (
            f"1D O(n) Heaviside solve, n={ns}",
            lambda t: lambda: relu.solve_heaviside_1d(ws, bs, f=f),
            None,
            "",
        ),
        (
            f"1D matvec A x, n={ns}",
            lambda t: lambda: relu.matvec("mass", ws, bs, None, f),
            None,
            "O(n log n)",
        ),
    ]
    print(
        "| task | threads | nnla (s) | nnla cpu (s) | numpy (s) | numpy/nnla | max rel diff "
        "| note |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for name, mk, base, note in cases:
        tb, _, ref = (
            median_time(base, args.repeats)
            if base is not None
            else (float("nan"), float("nan"), None)
        )
        for t in args.threads:
            tn, cn, out = median_time(mk(t), args.repeats)
            diff = ""
            if ref is not None:
                diff = f"{np.abs(out - ref).max() / np.abs(ref).max():.1e}"
            ratio = f"{tb / tn:.1f}" if base is not None else ""
            tbs = f"{tb:.3f}" if base is not None else ""
            print(f"| {name} | {t} | {tn:.3f} | {cn:.3f} | {tbs} | {ratio} | {diff} | {note} |")


if __name__ == "__main__":
    main()
