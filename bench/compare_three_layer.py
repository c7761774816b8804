"""Accuracy and batched speed of ``nnla.three_layer.solve``, with the gradient/one-layer comparison.

One run measures:

* accuracy: 200 random instances (real and complex Gaussian, entries N(0, 1)) for each
  d in {1, 2, 3, 5, 8, 16} with ``mu="auto"``, without and with ``refine=True`` (one call;
  the unrefined residual is the refined one times ``refine_gain``): median and max of the
  verified residual
  ``max_k ||f(Xk) - Yk||_F / ||Yk||_F`` and the fraction <= 1e-10 (instances above ``tol`` are
  taken from the ``VerificationError``'s result, so they are counted, not dropped);
* nearly singular ``X2 - X1`` (d = 5, 200 instances; one small singular value s_min, and a
  graded spectrum geomspace(1, s_min));
* batched speed: 10^4 instances with d = 8 solved and verified in one call (median of 3 calls),
  with a profile of where the time goes (cProfile, top entries by own time);
* the "power of depth" comparison for d = 4: analytic residual and time, Adam training
  (``fit_gradient``, 2000 steps) residual and time, and the one-layer least-squares residual.

Usage::

    python bench/compare_three_layer.py            # a few minutes on 2 cores
    python bench/compare_three_layer.py --quick    # fewer instances, no profile
    python bench/compare_three_layer.py --mpmath   # plus the exact-arithmetic residual check
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import platform
import pstats
import time

import nnla
import numpy as np
from nnla import three_layer as tl
from nnla.errors import VerificationError


def _pairs(rng: np.random.Generator, n: int, d: int, cplx: bool) -> list[np.ndarray]:
    out = []
    for _ in range(4):
        a = rng.standard_normal((n, d, d))
        if cplx:
            a = (a + 1j * rng.standard_normal((n, d, d))) / np.sqrt(2)
        out.append(a)
    return out


def _solve(*args: np.ndarray, **kw: object) -> tl.ThreeLayerSolution:
    try:
        sol = tl.solve(*args, **kw)
    except VerificationError as err:
        sol = err.result
    if not isinstance(sol, tl.ThreeLayerSolution):  # pragma: no cover
        raise TypeError("VerificationError without a result")
    return sol


def accuracy(n: int) -> None:
    print(f"\n### Accuracy, mu='auto', {n} instances each (verified residual)\n")
    print("One call of solve(..., refine=True) per row; the residuals without the refinement")
    print("are residual * diagnostics['refine_gain'] (refined weights are kept only if better).\n")
    print("| data | d | median | max | <= 1e-10 | refined | max, refine | <= 1e-10, refine "
          "| mean candidates | time, refine (s) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for cplx in (False, True):
        for d in (1, 2, 3, 5, 8, 16):
            rng = np.random.default_rng(1000 * d + cplx)
            t0 = time.perf_counter()
            sol = _solve(*_pairs(rng, n, d, cplx), refine=True)
            sec = time.perf_counter() - t0
            r = sol.residual
            gain = sol.diagnostics["refine_gain"]
            r0 = r * gain
            print(
                f"| {'complex' if cplx else 'real'} | {d} | {np.median(r0):.1e} | {r0.max():.1e} "
                f"| {100 * np.mean(r0 <= 1e-10):.1f}% | {int((gain != 1).sum())} | {r.max():.1e} "
                f"| {100 * np.mean(r <= 1e-10):.1f}% | {sol.diagnostics['candidates'].mean():.2f} "
                f"| {sec:.2f} |"
            )


def nearly_singular(n: int) -> None:
    print(f"\n### Nearly singular X2 - X1, d = 5, {n} instances, mu='auto'\n")
    print("X2 = X1 + U diag(s) V^H with random unitary U, V: 'one' has s = (1, 1, 1, 1, s_min),")
    print("'graded' s = geomspace(1, s_min, 5) (two to four small singular values).\n")
    print("| data | singular values | s_min | median | max | <= 1e-9 |")
    print("|---|---|---:|---:|---:|---:|")
    d = 5
    for cplx in (False, True):
        for kind in ("one", "graded"):
            for smin in (1e-2, 1e-4, 1e-6):
                rng = np.random.default_rng(7)
                x1, _, y1, y2 = _pairs(rng, n, d, cplx)
                u_, _, vh = np.linalg.svd(_pairs(rng, n, d, cplx)[0])
                sig = np.ones(d) if kind == "one" else np.geomspace(1.0, smin, d)
                sig[-1] = smin
                x2 = x1 + (u_ * sig[None, None, :]) @ vh
                r = _solve(x1, x2, y1, y2, tol=1.0).residual
                print(
                    f"| {'complex' if cplx else 'real'} | {kind} | {smin:g} | {np.median(r):.1e} "
                    f"| {r.max():.1e} | {100 * np.mean(r <= 1e-9):.1f}% |"
                )


def _load() -> str:
    try:
        return ", ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover - not on this platform
        return "n/a"


def batched(n: int, profile: bool) -> None:
    d = 8
    print(f"\n### Batched: {n} instances, d = {d}, threads = {nnla.get_num_threads()}\n")
    print("Wall time, and the CPU time of the process (all threads; on a loaded machine the wall")
    print(f"time is inflated, CPU time / 2 is a rough quiet 2-core estimate). Load: {_load()}\n")
    print("| data | median wall (s) | CPU (s) | instances/s | median residual | max residual |")
    print("|---|---:|---:|---:|---:|---:|")
    for cplx in (False, True):
        args = _pairs(np.random.default_rng(5), n, d, cplx)
        times, cpus = [], []
        for _ in range(3):
            t0, c0 = time.perf_counter(), time.process_time()
            sol = _solve(*args)
            times.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
        t, c = float(np.median(times)), float(np.median(cpus))
        r = sol.residual
        print(
            f"| {'complex' if cplx else 'real'} | {t:.2f} | {c:.2f} | {n / t:,.0f} "
            f"| {np.median(r):.1e} | {r.max():.1e} |"
        )
    if profile:
        args = _pairs(np.random.default_rng(5), n, d, True)
        pr = cProfile.Profile()
        pr.enable()
        _solve(*args)
        pr.disable()
        s = io.StringIO()
        pstats.Stats(pr, stream=s).sort_stats("tottime").print_stats(12)
        print("\nProfile (complex data, by own time):\n```")
        print("\n".join(s.getvalue().splitlines()[:30]))
        print("```")


def depth(d: int, steps: int) -> None:
    rng = np.random.default_rng(0)
    x1, x2, y1, y2 = rng.standard_normal((4, d, d))
    t0 = time.perf_counter()
    sol = tl.solve(x1, x2, y1, y2)
    ta = time.perf_counter() - t0
    fit = tl.fit_gradient(x1, x2, y1, y2, steps=steps, lr=1e-2)
    one = tl.fit_one_layer(x1, x2, y1, y2)
    print(f"\n### Power of depth, d = {d}, real Gaussian data, seed 0\n")
    print("| method | residual | time |")
    print("|---|---:|---:|")
    print(f"| 3 layers, analytic (solve) | {float(sol.residual):.1e} | {ta * 1e3:.1f} ms |")
    print(f"| 3 layers, Adam {steps} steps, lr 1e-2 | {fit.residual:.1e} | {fit.seconds:.1f} s |")
    print(f"| 1 layer, least squares | {float(one.residual):.1e} | |")


def mpmath_check() -> None:
    """The residual of the returned weights in exact arithmetic (mpmath, 40 digits)."""
    import mpmath as mp

    print("\n### Exact-arithmetic residual of the returned weights (mpmath, 40 digits)\n")
    print("| d | instance | double forward pass | mpmath forward pass |")
    print("|---:|---:|---:|---:|")
    with mp.workdps(40):
        for d, n in ((8, 5), (16, 3)):
            rng = np.random.default_rng(42)
            x1, x2, y1, y2 = rng.standard_normal((4, n, d, d))
            sol = _solve(x1, x2, y1, y2, tol=1.0)
            for i in range(n):
                w = [mp.matrix(a[i].tolist()) for a in sol.weights]
                out = []
                for x, y in ((x1[i], y1[i]), (x2[i], y2[i])):
                    f = w[2] * mp.expm(w[1] * mp.expm(w[0] * mp.matrix(x.tolist())))
                    ym = mp.matrix(y.tolist())
                    out.append(float(mp.mnorm(f - ym, "f") / mp.mnorm(ym, "f")))
                print(f"| {d} | {i} | {sol.residual[i]:.1e} | {max(out):.1e} |")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--mpmath", action="store_true", help="also the mpmath check (minutes)")
    p.add_argument("--batched-only", action="store_true", help="only the batched speed table")
    a = p.parse_args()
    print(f"nnla {nnla.__version__}, numpy {np.__version__}, {platform.processor()}, "
          f"{nnla.get_num_threads()} threads, {time.strftime('%Y-%m-%d %H:%M')}")
    if a.batched_only:
        batched(1000 if a.quick else 10_000, profile=False)
        return
    accuracy(40 if a.quick else 200)
    nearly_singular(40 if a.quick else 200)
    batched(1000 if a.quick else 10_000, profile=not a.quick)
    depth(4, 300 if a.quick else 2000)
    if a.mpmath:
        mpmath_check()


if __name__ == "__main__":
    main()
