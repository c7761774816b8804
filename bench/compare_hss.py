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
8. Accuracy of the sampled constructions on kernels in 1D-3D (n = 2000): ``from_kernel`` (sampled
   ID with the a posteriori check and resampling) and ``from_entries(..., matvec=...)`` (randomized
   compression), true error against the dense A and the estimate.
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
import warnings
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
                "error_estimate": h.error_estimate,
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
                f"{h.error_estimate:.1e}",
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
            "check estimate",
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
    x0 = f.solve(b, refine=0, n_threads=nt)
    res0 = np.linalg.norm(a @ x0 - b) / np.linalg.norm(b)
    td, c = timed(lambda: scipy.linalg.cho_factor(a))
    tds, xd = timed(lambda: scipy.linalg.cho_solve(c, b))
    resd = np.linalg.norm(a @ xd - b) / np.linalg.norm(b)
    rows = [
        [
            "nnla HSS from dense + ULV",
            f"{tb:.3f}",
            f"{tf:.4f}",
            f"{ts:.4f}",
            f"{res:.1e} ({res0:.1e} plain)",
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
        "residual_plain": res0,
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


def relu_logdet_exact(n: int) -> float:
    """log det of the 1D ReLU mass matrix, well conditioned: 2 n log h + log det(P1 mass matrix).

    The ReLUs (x - s_i)_+ = sum_j C_ij phi_j in the hat basis (nodes jh, h = 1/n, last a half
    hat) with C upper triangular, diagonal h: M = C G C^T, G = tridiag(h/6, 2h/3, h/6) (last
    diagonal h/3, condition < 6), so log det M = 2 n log h + sum log(LDL^T pivots of G).
    """
    h = 1.0 / n
    d = np.full(n, 2.0 * h / 3.0)
    d[-1] = h / 3.0
    piv = np.empty(n)
    piv[0] = d[0]
    for i in range(1, n):
        piv[i] = d[i] - (h / 6.0) ** 2 / piv[i - 1]
    return 2.0 * n * np.log(h) + float(np.log(piv).sum())


def logdets(n: int, nt: int, out: dict[str, Any]) -> None:
    rng = np.random.default_rng(2)
    x = np.sort(rng.uniform(-1.0, 1.0, n))
    w, bias = np.ones(n), -np.arange(n) / n
    exact = relu_logdet_exact(n)
    cases = {
        "ReLU mass, from_dense": (
            relu_mass(n),
            lambda a: HSSMatrix.from_dense(a, tol=1e-12, n_threads=nt),
            exact,
        ),
        "ReLU mass, from_relu": (
            relu_mass(n),
            lambda a: HSSMatrix.from_relu("mass", w, bias, n_threads=nt),
            exact,
        ),
        "kernel 0.1 I + exp(-r^2)": (
            np.exp(-(np.subtract.outer(x, x) ** 2)) + 0.1 * np.eye(n),
            lambda a: HSSMatrix.from_kernel(x, "gaussian", 1.0, 0.1, 1e-13, n_threads=nt),
            None,
        ),
    }
    rows, recs = [], []
    for name, (a, build, ex) in cases.items():
        ref = 2.0 * np.log(np.diag(scipy.linalg.cholesky(a))).sum()
        ld = build(a).cholesky(n_threads=nt).logdet()
        r = abs(ld - ref) / abs(ref)
        rx = "-" if ex is None else f"{abs(ld - ex) / abs(ex):.1e}"
        rdx = "-" if ex is None else f"{abs(ref - ex) / abs(ex):.1e}"
        rows.append([name, f"{ld:.12g}", f"{ref:.12g}", f"{r:.1e}", rx, rdx])
        recs.append({"case": name, "hss": ld, "dense": ref, "rel": r, "exact": ex})
    table(
        f"logdet at n = {n}: HSS (sum of logs) vs dense Cholesky (2 sum log diag) and, for the "
        "ReLU matrix, vs its exact value (well-conditioned change of basis to hat functions)",
        ["matrix", "nnla HSS", "dense", "HSS vs dense", "HSS vs exact", "dense vs exact"],
        rows,
    )
    out["logdet"] = recs


def kernel_accuracy(n: int, nt: int, out: dict[str, Any]) -> None:
    """Sampled ID (with its a posteriori check) and the randomized matvec path vs the dense A."""
    rng = np.random.default_rng(4)
    rows, recs = [], []
    for d, kernel, ls in [
        (1, "exponential", 0.3),
        (2, "exponential", 0.5),
        (2, "matern32", 0.3),
        (3, "gaussian", 0.5),
        (2, "exponential", 0.2),
        (3, "gaussian", 0.2),
    ]:
        p = rng.uniform(0.0, 1.0, (n, d))
        r = np.sqrt(((p[:, None, :] - p[None, :, :]) ** 2).sum(-1)) / ls
        if kernel == "gaussian":
            a = np.exp(-(r**2))
        elif kernel == "exponential":
            a = np.exp(-r)
        else:
            a = (1 + np.sqrt(3) * r) * np.exp(-np.sqrt(3) * r)
        a += 1e-2 * np.eye(n)
        anorm = np.linalg.norm(a)
        for tol in (1e-6, 1e-10):
            for path in ("from_kernel", "from_entries(matvec)"):
                with warnings.catch_warnings(record=True) as wl:
                    warnings.simplefilter("always")
                    if path == "from_kernel":
                        t, h = timed(
                            lambda p=p, kernel=kernel, ls=ls, tol=tol: HSSMatrix.from_kernel(
                                p, kernel, ls, 1e-2, tol, n_threads=nt
                            )
                        )
                    else:
                        t, h = timed(
                            lambda a=a, p=p, tol=tol: HSSMatrix.from_entries(
                                lambda i, j: a[np.ix_(i, j)],
                                n,
                                tol=tol,
                                points=p,
                                matvec=lambda v: a @ v,
                                n_threads=nt,
                            )
                        )
                err = np.linalg.norm(h.to_dense() - a) / anorm
                warned = any(issubclass(x.category, nnla.hss.HSSAccuracyWarning) for x in wl)
                rows.append(
                    [
                        f"{d}D {kernel} l={ls}",
                        f"{tol:.0e}",
                        path,
                        f"{t:.2f}",
                        f"{err:.1e}",
                        f"{h.error_estimate:.1e}",
                        max(h.ranks),
                        "yes" if warned else "no",
                    ]
                )
                recs.append(
                    {
                        "d": d,
                        "kernel": kernel,
                        "tol": tol,
                        "path": path,
                        "time": t,
                        "err": err,
                        "estimate": h.error_estimate,
                        "rank": max(h.ranks),
                        "warned": warned,
                    }
                )
    table(
        f"Kernel matrices (nugget 1e-2) on n = {n} uniform points in the unit cube: "
        "||A - H||_F/||A||_F vs the dense A and the a posteriori estimate (seconds)",
        ["matrix", "tol", "path", "build", "error vs A", "estimate", "max rank", "warning"],
        rows,
    )
    out["kernel_accuracy"] = recs


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
        ts0, x = med(
            lambda f=f, threads=threads: f.solve(b, refine=0, n_threads=threads), max(repeats, 5)
        )
        res = np.linalg.norm(a @ x - b) / np.linalg.norm(b)
        # the default solve: one step of iterative refinement against H (exact to rounding)
        ts, x2 = med(lambda f=f, threads=threads: f.solve(b, n_threads=threads), max(repeats, 5))
        res2 = np.linalg.norm(a @ x2 - b) / np.linalg.norm(b)
        resh = np.linalg.norm(h.matvec(x2, n_threads=threads) - b) / np.linalg.norm(b)
        herr = np.linalg.norm(h.matvec(np.ones(n)) - b) / np.linalg.norm(b)
        mem = f"{f.nbytes / 1e6:.1f} MB (H {h.nbytes / 1e6:.1f} MB)"
        rows.append(
            [
                f"nnla from_relu + ULV, {threads} thread(s)",
                f"{tbf:.4f}",
                f"{ts0:.4f}",
                f"{res:.1e}",
                f"{ts:.4f}",
                f"{res2:.1e}",
                f"{resh:.1e}",
                f"{herr:.1e}",
                mem,
                max(h.ranks),
                h.compensated,
            ]
        )
        recs.append(
            {
                "threads": threads,
                "build_factor": tbf,
                "solve_plain": ts0,
                "solve": ts,
                "residual_plain": res,
                "residual": res2,
                "residual_vs_H": resh,
                "H_error_on_ones": herr,
                "factor_MB": f.nbytes / 1e6,
                "H_MB": h.nbytes / 1e6,
                "ranks": h.ranks,
                "compensated": h.compensated,
            }
        )
    table(
        f"1D ReLU mass matrix n = {n} from exact generators, tol 1e-12, b = A 1 (seconds); "
        "plain = solve(refine=0), default = solve() (one refinement step against H)",
        [
            "solver",
            "build + factor",
            "solve plain",
            "residual vs A, plain",
            "solve default",
            "residual vs A, default",
            "residual vs H, default",
            "||(H - A) 1|| / ||A 1||",
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
    ap.add_argument(
        "--accuracy-only",
        action="store_true",
        help="only the sampled/randomized accuracy table (kernels in 1D-3D)",
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
    if args.accuracy_only:
        kernel_accuracy(1000 if args.quick else 2000, nt, out)
        sizes, args.relu_only = [], True
    else:
        relu_from_relu(8192, nt, args.repeats, out)
    if not args.accuracy_only:
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
        kernel_accuracy(1000 if args.quick else 2000, nt, out)
    if args.out != "":
        stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%d-%H%M%S")
        path = Path(
            args.out or Path(__file__).parent.parent / ".benchmarks" / f"compare_hss-{stamp}.json"
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(out, indent=1, default=str))
        print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
