"""2D SgGN by solver: the same fits, and the cost curve (issue 20).

Part 1 (``fits``): for each target, n and seed, the relative L2 error after the same iterations
with ``solver="cholesky"`` (the default), ``"pivoted"`` and ``"eigh"`` (the dense paths), the
median time per iteration, and the ratios cholesky/eigh, cholesky/pivoted and pivoted/eigh (the
last is how far the two dense paths themselves drift apart: SgGN is a non-convex iteration, and
rounding-level differences between two exact solves change its path). Targets: the built-in 2D
ones (exact moments) and two black-box callables without hints (adaptive quadrature).

Part 2 (``cost``): ``solver="cholesky"`` at n = 256 ... 4096, each n in its own process: median
time per iteration, the phases per iteration (``FitResult.info["time"]``) and the peak resident
memory of the process.

Usage (2 threads: ``OMP_NUM_THREADS=2``; the BLAS keeps its default)::

    python bench/compare_sggn2d.py fits --sizes 256 --iters 15 --seeds 0 1 2
    python bench/compare_sggn2d.py fits --sizes 1024 --iters 8 --seeds 0 1
    python bench/compare_sggn2d.py cost --sizes 256 512 1024 2048 4096 --iters 3

Nothing is asserted; the script prints tables.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from nnla import sggn

SOLVERS = ("cholesky", "pivoted", "eigh")


def ellipse_layer(p: np.ndarray) -> np.ndarray:
    """A sharp layer along an ellipse (black box: no hints)."""
    x, y = p[..., 0] - 0.5, p[..., 1] - 0.5
    return np.tanh((x * x / 0.09 + y * y / 0.04 - 1.0) / 0.05)


def disc_jump(p: np.ndarray) -> np.ndarray:
    """circle_jump as a plain callable: a jump of 1 across the circle |x - c| = 0.3."""
    return (np.hypot(p[..., 0] - 0.5, p[..., 1] - 0.5) < 0.3).astype(float)


TARGETS: dict[str, str | Callable[[np.ndarray], np.ndarray]] = {
    "circle_jump": "circle_jump", "circle_layer": "circle_layer", "line_jump": "line_jump",
    "ellipse_layer (callable)": ellipse_layer, "disc_jump (callable)": disc_jump,
}


def one_fit(target: Any, n: int, iters: int, seed: int, solver: str) -> dict[str, Any]:
    t0 = time.perf_counter()
    r = sggn.fit(target, n, dim=2, max_iter=iters, tol=0.0, seed=seed, solver=solver)
    wall = time.perf_counter() - t0
    per = np.diff(r.history["time"])
    return {"err": r.rel_error, "iters": r.iterations, "reason": r.reason, "wall": wall,
            "per_iter": float(np.median(per)) if per.size else float("nan"),
            "res_max": float(np.max(r.history["solve_residual"][1:], initial=0.0)),
            "time": r.info["time"]}


def fits(args: argparse.Namespace) -> None:
    names = args.targets or list(TARGETS)
    print("target | n | seed | iters | " + " | ".join(f"{s} error" for s in SOLVERS)
          + " | chol/eigh | chol/piv | piv/eigh | s/iter " + "/".join(SOLVERS))
    ratios: dict[str, list[float]] = {"chol/eigh": [], "chol/piv": [], "piv/eigh": []}
    for name in names:
        for n in args.sizes:
            for seed in args.seeds:
                res = {s: one_fit(TARGETS[name], n, args.iters, seed, s) for s in SOLVERS}
                e = {s: res[s]["err"] for s in SOLVERS}
                row = {"chol/eigh": e["cholesky"] / e["eigh"],
                       "chol/piv": e["cholesky"] / e["pivoted"],
                       "piv/eigh": e["pivoted"] / e["eigh"]}
                for k, v in row.items():
                    ratios[k].append(v)
                its = "/".join(str(res[s]["iters"]) for s in SOLVERS)
                print(f"{name} | {n} | {seed} | {its} | "
                      + " | ".join(f"{e[s]:.4e}" for s in SOLVERS) + " | "
                      + " | ".join(f"{row[k]:.3f}" for k in row) + " | "
                      + "/".join(f"{res[s]['per_iter']:.2f}" for s in SOLVERS), flush=True)
    print()
    for k, v in ratios.items():
        if v:
            g = float(np.exp(np.mean(np.log(v))))
            print(f"{k}: geometric mean {g:.3f}, median {statistics.median(v):.3f}, "
                  f"range {min(v):.3f} .. {max(v):.3f} over {len(v)} fits")


def cost_one(n: int, iters: int, seed: int) -> None:
    """One n in this process; prints one JSON line."""
    r = one_fit("circle_jump", n, iters, seed, "cholesky")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6  # kB -> GB (Linux)
    print(json.dumps({"n": n, "per_iter": r["per_iter"], "iters": r["iters"],
                      "phases": {k: v / max(r["iters"], 1) for k, v in r["time"].items()},
                      "peak_gb": peak, "err": r["err"], "res_max": r["res_max"]}))


def cost(args: argparse.Namespace) -> None:
    rows = []
    for n in args.sizes:
        out = subprocess.run([sys.executable, __file__, "_cost_one", str(n), str(args.iters),
                              str(args.seeds[0])], capture_output=True, text=True, check=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        r = rows[-1]
        ph = r["phases"]
        print(f"n = {n}: {r['per_iter']:.3f} s per iteration (median of {r['iters']}), peak "
              f"{r['peak_gb']:.2f} GB; per iteration: "
              + ", ".join(f"{k} {v:.3f}" for k, v in ph.items()), flush=True)
    if len(rows) > 1:
        a, b = rows[0], rows[-1]
        slope = np.log(b["per_iter"] / a["per_iter"]) / np.log(b["n"] / a["n"])
        print(f"growth n = {a['n']} .. {b['n']}: time ~ n^{slope:.2f}")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_cost_one":
        cost_one(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
        return
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("part", choices=("fits", "cost"))
    p.add_argument("--sizes", type=int, nargs="+", default=[256])
    p.add_argument("--iters", type=int, default=10)
    p.add_argument("--seeds", type=int, nargs="+", default=[0])
    p.add_argument("--targets", nargs="+", default=None, choices=list(TARGETS))
    args = p.parse_args()
    fits(args) if args.part == "fits" else cost(args)


if __name__ == "__main__":
    main()
