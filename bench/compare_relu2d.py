"""Exact 2D ReLU-network matrices: nnla's native kernel against a vectorised NumPy version.

Both compute A (mass), H (Heaviside Gram) and G (layer Gauss-Newton, 3n x 3n) of n random lines
through the unit square by clipping the square with two half-planes per pair and integrating the
moments exactly (fan triangulation). The NumPy version (below, written for this comparison) loops
over rows i in Python and vectorises over the columns j >= i: Sutherland-Hodgman on padded vertex
arrays, repeated vertices standing in for the missing ones (they add zero-area triangles).

The script prints, per n, the median wall time of each (median of ``--repeats``), the ratio
NumPy / nnla, and the largest difference between the two results (relative to the largest entry).
The NumPy version runs at n = 256 and 512 only (its time grows like n^2); nnla runs there and at
n = 2048. Nothing is extrapolated.

Usage::

    python bench/compare_relu2d.py                  # nnla on 1 and 2 threads
    python bench/compare_relu2d.py --threads 2 --repeats 3
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable

import nnla
import numpy as np
from nnla.relu import polygon

SQUARE = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])


def random_lines(n: int, seed: int = 20261123) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    th = rng.uniform(0, 2 * np.pi, n)
    w = np.column_stack([np.cos(th), np.sin(th)])
    p = rng.uniform(0, 1, (n, 2))
    return w, -np.sum(w * p, axis=1)


def _clip_many(px, py, pf, bb, w0, w1):
    """Clip one polygon (m vertices, values pf) by many half-planes at once: (J, 2m) vertex arrays
    (x, y, f carried, g = new neuron's value) with missing vertices filled by repeats."""
    d = bb[:, None] + w0[:, None] * px[None, :] + w1[:, None] * py[None, :]  # (J, m)
    dn = np.roll(d, -1, axis=1)
    qx, qy, qf = (np.roll(a, -1)[None, :] for a in (px, py, pf))
    keep = d >= 0
    cross = ((d > 0) & (dn < 0)) | ((d < 0) & (dn > 0))
    t = np.divide(d, d - dn, out=np.zeros_like(d), where=cross)
    J, m = d.shape
    X = np.empty((J, 2 * m))
    Y, F, G = np.empty_like(X), np.empty_like(X), np.empty_like(X)
    X[:, 0::2], Y[:, 0::2], F[:, 0::2], G[:, 0::2] = px, py, pf, d
    X[:, 1::2] = px + t * (qx - px)
    Y[:, 1::2] = py + t * (qy - py)
    F[:, 1::2] = pf + t * (qf - pf)
    G[:, 1::2] = 0.0
    valid = np.empty((J, 2 * m), dtype=bool)
    valid[:, 0::2], valid[:, 1::2] = keep, cross
    idx = np.where(valid, np.arange(2 * m), -1)
    last = idx.max(axis=1, keepdims=True)
    idx = np.maximum.accumulate(np.where(idx < 0, -1, idx), axis=1)
    idx = np.where(idx < 0, last, idx)
    empty = (last[:, 0] < 0) | ~np.any(d > 0, axis=1)
    idx = np.maximum(idx, 0)
    take = np.take_along_axis
    return take(X, idx, 1), take(Y, idx, 1), take(F, idx, 1), take(G, idx, 1), empty


def _moments(X, Y, F, G):
    x0, y0, f0, g0 = X[:, :1], Y[:, :1], F[:, :1], G[:, :1]
    x1, y1, f1, g1 = X[:, 1:-1], Y[:, 1:-1], F[:, 1:-1], G[:, 1:-1]
    x2, y2, f2, g2 = X[:, 2:], Y[:, 2:], F[:, 2:], G[:, 2:]
    a2 = (x1 - x0) * (y2 - y0) - (x2 - x0) * (y1 - y0)
    cx, cy = x0 + x1 + x2, y0 + y1 + y2
    m = np.empty((X.shape[0], 7))
    m[:, 0] = a2.sum(1) / 2
    m[:, 1] = (a2 * cx).sum(1) / 6
    m[:, 2] = (a2 * cy).sum(1) / 6
    m[:, 3] = (a2 * (x0 * x0 + x1 * x1 + x2 * x2 + cx * cx)).sum(1) / 24
    m[:, 4] = (a2 * (x0 * y0 + x1 * y1 + x2 * y2 + cx * cy)).sum(1) / 24
    m[:, 5] = (a2 * (y0 * y0 + y1 * y1 + y2 * y2 + cy * cy)).sum(1) / 24
    sf, sg = f0 + f1 + f2, g0 + g1 + g2
    m[:, 6] = (a2 * (f0 * g0 + f1 * g1 + f2 * g2 + sf * sg)).sum(1) / 24
    return m


def numpy_all(w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A, H, G by vectorised NumPy (rows in Python, columns j >= i vectorised)."""
    n = len(b)
    A, H, G = np.zeros((n, n)), np.zeros((n, n)), np.zeros((3 * n, 3 * n))
    sx, sy = SQUARE[:, 0], SQUARE[:, 1]
    for i in range(n):
        X, Y, _, Fi, empty = _clip_many(
            sx, sy, np.zeros(4), b[i : i + 1], w[i : i + 1, 0], w[i : i + 1, 1]
        )
        if empty[0]:
            continue
        X, Y, Fi = X[0], Y[0], Fi[0]
        j = np.arange(i, n)
        Xj, Yj, Fj, Gj, emp = _clip_many(X, Y, Fi, b[j], w[j, 0], w[j, 1])
        m = _moments(Xj, Yj, Fj, Gj)
        m[emp] = 0.0
        A[i, j] = A[j, i] = m[:, 6]
        H[i, j] = H[j, i] = m[:, 0]
        blk = m[:, [0, 1, 2, 1, 3, 4, 2, 4, 5]].reshape(-1, 3, 3)
        for p in range(3):
            for q in range(3):
                G[3 * i + p, 3 * j + q] = G[3 * j + q, 3 * i + p] = blk[:, p, q]
    return A, H, G


def median_time(f: Callable[[], object], repeats: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    print(
        f"# nnla {nnla.__version__}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cpus, numpy {np.__version__}"
    )
    print(
        "| n | NumPy (s) | "
        + " | ".join(f"nnla {t} thr (s)" for t in args.threads)
        + " | "
        + " | ".join(f"ratio NumPy/nnla {t} thr" for t in args.threads)
        + " | max diff |"
    )
    print("|---:|---:|" + "---:|" * (2 * len(args.threads)) + "---:|")
    for n in (256, 512, 2048):
        w, b = random_lines(n)
        row_t = []
        res = None
        for t in args.threads:

            def run(t=t, w=w, b=b):
                return polygon.assemble_2d_all(w, b, SQUARE, n_threads=t)

            tn, res = median_time(run, args.repeats)
            row_t.append(tn)
        if n <= 512:
            tp, ref = median_time(lambda w=w, b=b: numpy_all(w, b), max(1, args.repeats - 1))
            diff = max(float(np.max(np.abs(x - y)) / np.max(np.abs(y))) for x, y in zip(res, ref))
            ratios = [f"{tp / tn:.1f}" for tn in row_t]
            print(
                f"| {n} | {tp:.3f} | "
                + " | ".join(f"{x:.4f}" for x in row_t)
                + " | "
                + " | ".join(ratios)
                + f" | {diff:.1e} |"
            )
        else:
            print(
                f"| {n} | - | "
                + " | ".join(f"{x:.4f}" for x in row_t)
                + " | "
                + " | ".join("-" for _ in row_t)
                + " | - |"
            )


if __name__ == "__main__":
    main()
