"""nnla.hss against dense Cholesky (scipy), measured in one run; prints markdown tables.

Sections (the figures of issue 5 / spec/hierarchical-solver.md):

1. Gaussian kernel ``10 I + exp(-r^2)`` on sorted uniform points in (-1, 1), tol 1e-12:
   build (``from_kernel``), factor, solve times for n = 2^17 .. 2^20, the residual
   ``||H x - b|| / ||b||`` (native HSS matvec) and the true residual on 64 random rows of the
   exact kernel matrix (evaluated here with numpy), and the growth of the total time.
2. 1D ReLU mass matrix (uniform breakpoints, spec closed form), n = 8192, tol 1e-12, b = A 1:
   ``from_dense`` build, factor, solve, residual against the dense A, factor memory; scipy's dense
   Cholesky (``cho_factor``/``cho_solve``) on the same matrix.
3. Tolerance sweep on the ReLU mass matrix, n = 4096: tol, Schur compensation used, success,
   ``||A - H||_F / ||A||_F``, residual vs A, largest rank, build + factor time.
4. Kernel matrix, HSS (build + factor + solve) vs dense Cholesky (scipy) at n where both fit.
5. logdet against dense Cholesky at n = 4096 (ReLU and kernel).
6. (printed first) 1D ReLU mass matrix n = 8192 from exact analytic generators
   (``HSSMatrix.from_relu``): build + factor, solve, residual against the dense A (and after one
   refinement step with the HSS matvec), memory, on 1 and ``--threads`` threads.
7. (printed second) 2D ReLU mass matrix, n = 2048 random lines through the unit square
   (``nnla.relu`` assembly): ``from_relu`` at tol 1e-6 as a preconditioner of scipy CG on the exact
   matrix vs unpreconditioned CG vs scipy dense Cholesky, to a 1e-10 relative residual.

Usage::

    python bench/compare_hss.py                  # everything (n up to 2^20: a few minutes)
    python bench/compare_hss.py --quick          # n up to 2^18, smaller dense sizes
    python bench/compare_hss.py --threads 1 --sizes 17 18 --out /tmp/h.json
    python bench/compare_hss.py --relu-only      # sections 6 and 7 only (about a minute)

Threads: nnla uses ``--threads`` (default: ``nnla.get_num_threads()``); scipy's BLAS runs on what
its environment gives it (``OPENBLAS_NUM_THREADS``). Timings are medians of ``--repeats`` runs for
the small cases and single runs for n >= 2^17. No network access.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import platform
import statistics
import time
from pathlib import Path
from typing import Any

import nnla
import numpy as np
import scipy.linalg
from nnla.hss import HSSMatrix


def relu_mass(n: int) -> np.ndarray:
    """1D ReLU mass matrix on [0, 1], breakpoints s_i = (i-1)/n, w = 1, b = -s (nnla.relu)."""
    return nnla.relu.mass_matrix(np.ones(n), -np.arange(n) / n, (0.0, 1.0))


def timed(fn: Any) -> tuple[float, Any]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def med(fn: Any, repeats: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeats):
        t, out = timed(fn)
        times.append(t)
    return statistics.median(times), out


def table(title: str, head: list[str], rows: list[list[Any]]) -> None:
    print(f"\n### {title}\n")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        print("| " + " | ".join(str(c) for c in r) + " |")


def kernel_scaling(sizes: list[int], nt: int, out: dict[str, Any]) -> None:
    rng = np.random.default_rng(0)
    rows, recs = [], []
    # every size at tol 1e-12, and the largest again at 1e-14 (the residual against the exact
    # matrix is ~tol ||A|| ||x|| / ||b||, and ||A|| / 10 grows like n here)
    for e, tol in [(e, 1e-12) for e in sizes] + [(sizes[-1], 1e-14)]:
        n = 1 << e
        x = np.sort(rng.uniform(-1.0, 1.0, n))

        def build(x=x, tol=tol):
            return HSSMatrix.from_kernel(x, "gaussian", 1.0, 10.0, tol, n_threads=nt)

        tb, h = timed(build)
        tf, f = timed(lambda h=h: h.cholesky(n_threads=nt))
        b = rng.standard_normal(n)
        ts, y = timed(lambda f=f, b=b: f.solve(b, n_threads=nt))
        res_h = np.linalg.norm(h.matvec(y, n_threads=nt) - b) / np.linalg.norm(b)
        idx = rng.choice(n, 64, replace=False)
        ar = np.exp(-((x[idx, None] - x[None, :]) ** 2))
        ar[np.arange(64), idx] += 10.0
        res_t = np.linalg.norm(ar @ y - b[idx]) / np.linalg.norm(b[idx])
        tot = tb + tf + ts
        recs.append(
            {
                "n": n,
                "tol": tol,
                "build": tb,
                "factor": tf,
                "solve": ts,
                "total": tot,
                "res_hss": res_h,
                "res_true_rows": res_t,
                "ranks": h.ranks,
                "factor_MB": f.nbytes / 1e6,
            }
        )
        rows.append(
            [
                f"2^{e}",
                f"{tol:.0e}",
                f"{tb:.2f}",
                f"{tf:.2f}",
                f"{ts:.3f}",
                f"{tot:.2f}",
                f"{res_h:.1e}",
                f"{res_t:.1e}",
                max(h.ranks),
                f"{f.nbytes / 1e6:.0f}",
            ]
        )
    table(
        f"Gaussian kernel 10 I + exp(-r^2), {nt} thread(s) (seconds)",
        [
            "n",
            "tol",
            "build",
            "factor",
            "solve",
            "total",
            "resid (HSS matvec)",
            "resid (64 exact rows)",
            "max rank",
            "factor MB",
        ],
        rows,
    )
    if len(sizes) > 1:
        g = recs[-2]["total"] / recs[0]["total"]
        print(
            f"\ntime growth at tol 1e-12, n = {recs[0]['n']} -> {recs[-2]['n']} "
            f"({recs[-2]['n'] // recs[0]['n']}x n): {g:.1f}x"
        )
    out["kernel_scaling"] = recs


def relu_8192(n: int, nt: int, repeats: int, out: dict[str, Any]) -> None:
    a = relu_mass(n)
    b = a @ np.ones(n)
    tb, h = med(lambda: HSSMatrix.from_dense(a, tol=1e-12, n_threads=nt), repeats)
    tf, f = med(lambda: h.cholesky(n_threads=nt), repeats)
    ts, x = med(lambda: f.solve(b, n_threads=nt), repeats)
    res = np.linalg.norm(a @ x - b) / np.linalg.norm(b)
    td, c = timed(lambda: scipy.linalg.cho_factor(a))
    tds, xd = timed(lambda: scipy.linalg.cho_solve(c, b))
    resd = np.linalg.norm(a @ xd - b) / np.linalg.norm(b)
    rows = [
        [
            "nnla HSS from dense + ULV",
            f"{tb:.3f}",
            f"{tf:.4f}",
            f"{ts:.4f}",
            f"{res:.1e}",
            f"{f.nbytes / 1e6:.1f} MB (H {h.nbytes / 1e6:.1f} MB)",
            max(h.ranks),
        ],
        [
            "scipy dense Cholesky",
            "-",
            f"{td:.3f}",
            f"{tds:.4f}",
            f"{resd:.1e}",
            f"{a.nbytes / 1e6:.0f} MB",
            "-",
        ],
    ]
    table(
        f"1D ReLU mass matrix n = {n}, tol 1e-12, b = A 1 (seconds)",
        ["solver", "build", "factor", "solve", "residual vs A", "memory", "max rank"],
        rows,
    )
    print(
        f"\ndense/HSS factor+solve time ratio: {(td + tds) / (tf + ts):.0f}x; "
        f"compensated compression used: {h.compensated}"
    )
    out["relu_8192"] = {
        "n": n,
        "build": tb,
        "factor": tf,
        "solve": ts,
        "residual": res,
        "factor_MB": f.nbytes / 1e6,
        "dense_factor": td,
        "dense_solve": tds,
        "dense_residual": resd,
        "ranks": h.ranks,
        "compensated": h.compensated,
    }


def tol_sweep(n: int, nt: int, out: dict[str, Any]) -> None:
    a = relu_mass(n)
    b = a @ np.ones(n)
    anorm = np.linalg.norm(a)
    rows, recs = [], []
    for tol in (1e-2, 1e-4, 1e-6, 1e-8, 1e-10, 1e-12, 1e-14):
        t0 = time.perf_counter()
        try:
            h = HSSMatrix.from_dense(a, tol=tol, n_threads=nt)
            f = h.cholesky(n_threads=nt)
            ok = True
        except np.linalg.LinAlgError as exc:  # reported, not expected
            ok, h, f, err_msg = False, None, None, str(exc)
        t = time.perf_counter() - t0
        if ok:
            x = f.solve(b, n_threads=nt)
            err = np.linalg.norm(h.to_dense() - a) / anorm
            res = np.linalg.norm(a @ x - b) / np.linalg.norm(b)
            rows.append(
                [
                    f"{tol:.0e}",
                    "yes",
                    h.compensated,
                    f"{err:.1e}",
                    f"{res:.1e}",
                    max(h.ranks),
                    f"{t:.2f}",
                ]
            )
            recs.append(
                {
                    "tol": tol,
                    "ok": True,
                    "compensated": h.compensated,
                    "err": err,
                    "residual": res,
                    "rank": max(h.ranks),
                    "time": t,
                }
            )
        else:
            rows.append([f"{tol:.0e}", "NO: " + err_msg[:40], "-", "-", "-", "-", f"{t:.2f}"])
            recs.append({"tol": tol, "ok": False})
    table(
        f"Tolerance sweep, 1D ReLU mass matrix n = {n} (from_dense, build + factor seconds)",
        [
            "tol",
            "success",
            "Schur-compensated",
            "||A-H||_F/||A||_F",
            "residual vs A",
            "max rank",
            "time",
        ],
        rows,
    )
    out["tol_sweep"] = recs


def vs_dense(sizes: list[int], nt: int, repeats: int, out: dict[str, Any]) -> None:
    rng = np.random.default_rng(1)
    rows, recs = [], []
    for n in sizes:
        x = np.sort(rng.uniform(-1.0, 1.0, n))
        a = np.exp(-(np.subtract.outer(x, x) ** 2)) + 10.0 * np.eye(n)
        b = rng.standard_normal(n)

        def hss(x=x, b=b):
            h = HSSMatrix.from_kernel(x, "gaussian", 1.0, 10.0, 1e-12, n_threads=nt)
            return h.cholesky(n_threads=nt).solve(b, n_threads=nt)

        def dense(a=a, b=b):
            return scipy.linalg.cho_solve(scipy.linalg.cho_factor(a), b)

        th, xh = med(hss, repeats)
        td, xd = med(dense, repeats)
        rh = np.linalg.norm(a @ xh - b) / np.linalg.norm(b)
        rd = np.linalg.norm(a @ xd - b) / np.linalg.norm(b)
        rows.append([n, f"{th:.3f}", f"{td:.3f}", f"{td / th:.1f}", f"{rh:.1e}", f"{rd:.1e}"])
        recs.append({"n": n, "hss": th, "dense": td, "res_hss": rh, "res_dense": rd})
    table(
        "Kernel 10 I + exp(-r^2): HSS (build+factor+solve) vs scipy dense Cholesky (seconds)",
        ["n", "nnla HSS", "scipy dense", "dense/HSS", "resid HSS", "resid dense"],
        rows,
    )
    out["vs_dense"] = recs


def logdets(n: int, nt: int, out: dict[str, Any]) -> None:
    rng = np.random.default_rng(2)
    x = np.sort(rng.uniform(-1.0, 1.0, n))
    cases = {
        "ReLU mass": (relu_mass(n), lambda a: HSSMatrix.from_dense(a, tol=1e-12, n_threads=nt)),
        "kernel 0.1 I + exp(-r^2)": (
            np.exp(-(np.subtract.outer(x, x) ** 2)) + 0.1 * np.eye(n),
            lambda a: HSSMatrix.from_kernel(x, "gaussian", 1.0, 0.1, 1e-13, n_threads=nt),
        ),
    }
    rows, recs = [], []
    for name, (a, build) in cases.items():
        ref = 2.0 * np.log(np.diag(scipy.linalg.cholesky(a))).sum()
        ld = build(a).cholesky(n_threads=nt).logdet()
        r = abs(ld - ref) / abs(ref)
        rows.append([name, f"{ld:.12g}", f"{ref:.12g}", f"{r:.1e}"])
        recs.append({"case": name, "hss": ld, "dense": ref, "rel": r})
    table(
        f"logdet at n = {n}: HSS (sum of logs) vs dense Cholesky",
        ["matrix", "nnla HSS", "dense", "relative difference"],
        rows,
    )
    out["logdet"] = recs


def relu_from_relu(n: int, nt: int, repeats: int, out: dict[str, Any]) -> None:
    """1D ReLU mass matrix from exact analytic generators (``HSSMatrix.from_relu``)."""
    from nnla import relu

    w, bias = np.ones(n), -np.arange(n) / n
    a = relu.mass_matrix(w, bias)
    b = a @ np.ones(n)
    rows, recs = [], []
    for threads in sorted({1, nt}):

        def build(threads: int = threads) -> Any:
            h = HSSMatrix.from_relu("mass", w, bias, tol=1e-12, n_threads=threads)
            return h, h.cholesky(n_threads=threads)

        tbf, (h, f) = med(build, max(repeats, 5))
        ts, x = med(lambda f=f, threads=threads: f.solve(b, n_threads=threads), max(repeats, 5))
        res = np.linalg.norm(a @ x - b) / np.linalg.norm(b)
        # one step of iterative refinement with the HSS product (exact to rounding, O(n r))
        x2 = x + f.solve(b - h.matvec(x, n_threads=threads), n_threads=threads)
        res2 = np.linalg.norm(a @ x2 - b) / np.linalg.norm(b)
        mem = f"{f.nbytes / 1e6:.1f} MB (H {h.nbytes / 1e6:.1f} MB)"
        rows.append(
            [
                f"nnla from_relu + ULV, {threads} thread(s)",
                f"{tbf:.4f}",
                f"{ts:.4f}",
                f"{res:.1e}",
                f"{res2:.1e}",
                mem,
                max(h.ranks),
                h.compensated,
            ]
        )
        recs.append(
            {
                "threads": threads,
                "build_factor": tbf,
                "solve": ts,
                "residual": res,
                "residual_refined": res2,
                "factor_MB": f.nbytes / 1e6,
                "H_MB": h.nbytes / 1e6,
                "ranks": h.ranks,
                "compensated": h.compensated,
            }
        )
    table(
        f"1D ReLU mass matrix n = {n} from exact generators, tol 1e-12, b = A 1 (seconds); "
        "refined = one step of iterative refinement with the HSS matvec",
        [
            "solver",
            "build + factor",
            "solve",
            "residual vs A",
            "refined",
            "memory",
            "max rank",
            "fallback",
        ],
        rows,
    )
    out["relu_from_relu"] = {"n": n, "runs": recs}


def relu2d_cg(n: int, nt: int, out: dict[str, Any]) -> None:
    """2D ReLU mass matrix: HSS at tol 1e-6 as a CG preconditioner vs CG vs dense Cholesky."""
    import scipy.sparse.linalg as spla
    from nnla import relu

    rng = np.random.default_rng(5)
    th = rng.uniform(0.0, 2.0 * np.pi, n)
    w = np.c_[np.cos(th), np.sin(th)]
    bias = -(w * rng.uniform(0.0, 1.0, (n, 2))).sum(axis=1)  # random lines through the square
    ta, a = timed(lambda: relu.mass_matrix(w, bias, n_threads=nt))
    b = a @ np.ones(n)
    nb = np.linalg.norm(b)
    th_, h = timed(lambda: HSSMatrix.from_relu("mass", w, bias, tol=1e-6, n_threads=nt))
    tf, f = timed(lambda: h.cholesky(n_threads=nt))
    op = scipy.sparse.linalg.aslinearoperator(a)

    def run_cg(m: Any, maxiter: int) -> tuple[float, int, float]:
        its = [0]

        def cb(_: np.ndarray) -> None:
            its[0] += 1

        t, (x, _info) = timed(lambda: spla.cg(op, b, M=m, rtol=1e-10, maxiter=maxiter, callback=cb))
        return t, its[0], float(np.linalg.norm(a @ x - b) / nb)

    tp, ip, rp = run_cg(f.aslinearoperator(), 1000)
    tu, iu, ru = run_cg(None, 20 * n)
    td, c = timed(lambda: scipy.linalg.cho_factor(a))
    tds, xd = timed(lambda: scipy.linalg.cho_solve(c, b))
    rd = float(np.linalg.norm(a @ xd - b) / nb)
    rows = [
        [
            "CG + HSS(1e-6) preconditioner",
            f"{th_:.2f} (incl. assembly) + {tf:.3f}",
            ip,
            f"{tp:.3f}",
            f"{th_ + tf + tp:.2f}",
            f"{rp:.1e}",
        ],
        ["CG, no preconditioner", "-", iu, f"{tu:.2f}", f"{tu:.2f}", f"{ru:.1e}"],
        ["scipy dense Cholesky", f"{td:.3f}", "-", f"{tds:.4f}", f"{td + tds:.3f}", f"{rd:.1e}"],
    ]
    table(
        f"2D ReLU mass matrix n = {n}, random lines through the unit square, CG to 1e-10 on the "
        f"exact matrix (assembly {ta:.2f} s, not counted below; HSS max rank {max(h.ranks)}, "
        f"compensated {h.compensated}, ||A-H||/||A|| "
        f"{np.linalg.norm(h.to_dense() - a) / np.linalg.norm(a):.1e})",
        ["method", "setup (s)", "iterations", "iterate / solve (s)", "total (s)", "residual"],
        rows,
    )
    out["relu2d_cg"] = {
        "n": n,
        "assembly": ta,
        "hss_build": th_,
        "hss_factor": tf,
        "pcg_time": tp,
        "pcg_iters": ip,
        "pcg_res": rp,
        "cg_time": tu,
        "cg_iters": iu,
        "cg_res": ru,
        "dense_factor": td,
        "dense_solve": tds,
        "dense_res": rd,
        "ranks": h.ranks,
        "compensated": h.compensated,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--sizes", type=int, nargs="*", default=None, help="log2 n of section 1")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default=None)
    ap.add_argument(
        "--relu-only",
        action="store_true",
        help="only the from_relu sections (1D exact generators, 2D CG)",
    )
    args = ap.parse_args()
    nt = args.threads or nnla.get_num_threads()
    sizes = args.sizes or ([17, 18] if args.quick else [17, 18, 19, 20])
    out: dict[str, Any] = {
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": platform.platform(),
        "processor": platform.processor(),
        "threads": nt,
        "nnla": nnla.info(),
    }
    print(f"nnla {nnla.__version__}, {nt} thread(s), {platform.platform()}")
    relu_from_relu(8192, nt, args.repeats, out)
    relu2d_cg(1024 if args.quick else 2048, nt, out)
    if args.relu_only:
        sizes = []
    if sizes:
        kernel_scaling(sizes, nt, out)
    if not args.relu_only:
        relu_8192(4096 if args.quick else 8192, nt, args.repeats, out)
        tol_sweep(2048 if args.quick else 4096, nt, out)
        vs_dense(
            [500, 1000, 2000] if args.quick else [500, 1000, 2000, 4000, 8000],
            nt,
            args.repeats,
            out,
        )
        logdets(2048 if args.quick else 4096, nt, out)
    if args.out != "":
        stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%d-%H%M%S")
        path = Path(args.out or Path(__file__).parent / "results" / f"compare_hss-{stamp}.json")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(out, indent=1, default=str))
        print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
