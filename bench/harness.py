"""The benchmark harness of bench/: thread settings, sizes, pairing, and every peer's code.

One module holds what the ``bench/test_bench_*.py`` files share:

* **Thread settings** (the only place): ``THREADS`` from ``NNLA_BENCH_THREADS`` (default 1).
  :func:`thread_limits` applies it to nnla (``nnla.set_num_threads``), to every BLAS that
  threadpoolctl sees (scipy's, numpy's, and the one nnla calls) and to torch; ``bench/conftest.py``
  holds it for the whole session and records it in the run's ``machine_info``.
* **Sizes**: ``QUICK`` (``NNLA_BENCH_QUICK=1``, set by ``track.py run --quick`` and by the CI
  smoke run) selects small grids; :func:`pick` chooses between the full and the quick value.
* **Pairing**: :func:`measure` times one side (``"nnla"`` or a peer's name) of one case. All sides
  of a case share ``benchmark.group``; the side is the last parameter of the test, so names end in
  ``-nnla]``, ``-scipy]``, ``-numpy]``, ``-torch]``, ...  After the run, ``conftest.py`` writes
  into every benchmark's ``extra_info`` the ratio ``peer time per item / nnla time per item``
  (> 1: nnla faster) for each peer of its case (:func:`pair_ratios`).
* **Peers**: the scipy/numpy/torch code each nnla function is measured against, and the input
  generators, so that both sides of a pair get the same data.

A new benchmark file ``bench/test_bench_<name>.py`` uses :func:`measure` with a ``side``
parameter and is picked up by ``track.py`` (run, compare, report) without further registration.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import pytest
import scipy
import scipy.linalg

#: threads for every side (nnla's OpenMP, every BLAS pool, torch)
THREADS = max(1, int(os.environ.get("NNLA_BENCH_THREADS", "1")))
#: small grids (track.py run --quick, the CI smoke run)
QUICK = os.environ.get("NNLA_BENCH_QUICK", "") not in ("", "0")
SEED = 20261207
#: the side that is measured against the others
NNLA = "nnla"


def pick(full: Any, quick: Any) -> Any:
    """``quick`` under ``NNLA_BENCH_QUICK=1``, else ``full``."""
    return quick if QUICK else full


@contextlib.contextmanager
def thread_limits(threads: int = THREADS) -> Iterator[dict[str, Any]]:
    """Run every side on ``threads`` threads; yields the settings (stored with the run).

    nnla: ``nnla.set_num_threads``; BLAS: threadpoolctl's limit on every BLAS library loaded
    (after importing nnla and scipy, so that theirs are seen); torch: ``torch.set_num_threads``
    when torch is already imported.
    """
    settings: dict[str, Any] = {"threads": threads}
    nnla = None
    with contextlib.suppress(ImportError):
        import nnla  # noqa: F811 - load its libraries before threadpoolctl looks
    if nnla is not None:
        nnla.set_num_threads(threads)
    torch = _torch()
    if torch is not None:
        torch.set_num_threads(threads)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - bench extra has it
        settings["threadpoolctl"] = None
        yield settings
        return
    with threadpool_limits(limits=threads, user_api="blas"):
        yield settings
    if nnla is not None:
        nnla.set_num_threads(None)


def blas_info() -> list[dict[str, Any]]:
    """threadpoolctl's view of the loaded BLAS/OpenMP libraries (file name, version, threads)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:  # pragma: no cover
        return []
    keep = ("user_api", "internal_api", "prefix", "version", "num_threads", "architecture")
    out = []
    for lib in threadpool_info():
        row = {k: lib.get(k) for k in keep}
        row["file"] = os.path.basename(lib.get("filepath", ""))
        out.append(row)
    return out


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo``), else ``platform.processor()``."""
    with contextlib.suppress(OSError):
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    import platform

    return platform.processor() or platform.machine()


def measure(
    benchmark: Any, case: str, side: str, fn: Callable[[], Any], *, items: int = 1, **info: Any
) -> Any:
    """Time ``fn`` as side ``side`` of ``case``; returns its result.

    ``items``: units of work per call (matrices, pairs, iterations), so that rates and ratios
    are per item. ``info`` goes to ``extra_info`` (keep it JSON-serialisable).
    """
    benchmark.group = case
    benchmark.extra_info.update(case=case, side=side, items=items, threads=THREADS, **info)
    return benchmark(fn)


def pair_ratios(benchmarks: Sequence[dict[str, Any]]) -> None:
    """Add ``ratio_<peer>`` (peer time per item / nnla time per item) to each benchmark's
    ``extra_info`` in place, for every peer in its case (pytest-benchmark JSON rows)."""
    by_case: dict[str, dict[str, float]] = {}
    for b in benchmarks:
        ei = b.get("extra_info", {})
        if "case" in ei and b.get("stats"):
            by_case.setdefault(ei["case"], {})[ei["side"]] = b["stats"]["median"] / ei["items"]
    for b in benchmarks:
        ei = b.get("extra_info", {})
        sides = by_case.get(ei.get("case", ""), {})
        if NNLA not in sides:
            continue
        for side, t in sides.items():
            if side != NNLA:
                ei[f"ratio_{side}"] = t / sides[NNLA]


def _torch() -> Any:
    import sys

    return sys.modules.get("torch")


def need_torch() -> Any:
    """torch, or skip the test (torch is an optional peer)."""
    torch = pytest.importorskip("torch")
    torch.set_num_threads(THREADS)
    return torch


def need_nnla() -> Any:
    """nnla, or skip the test (the peer's side still runs without a build)."""
    return pytest.importorskip("nnla")


# ----------------------------------------------------------------------------------------------
# inputs


def rng(*key: int) -> np.random.Generator:
    """A generator seeded by ``SEED`` and ``key`` (same data for every side)."""
    return np.random.default_rng([SEED, *key])


def gaussian_batch(n: int, d: int, dtype: str, key: int = 0) -> np.ndarray:
    """``n`` matrices ``d x d`` with entries N(0, 1)/sqrt(d) (complex: unit variance)."""
    r = rng(d, n, key)
    a = r.standard_normal((n, d, d))
    if dtype.startswith("complex"):
        a = (a + 1j * r.standard_normal((n, d, d))) / math.sqrt(2.0)
    return np.ascontiguousarray(a / math.sqrt(d)).astype(dtype)


def matfun_input(func: str, n: int, d: int, dtype: str) -> tuple[np.ndarray, ...]:
    """The arguments of ``func`` for a batch: logm/sqrtm get 2I + G/2 (G as in gaussian_batch),
    signm diag(1, -1, 1, ...) + G/4 (eigenvalues well off the imaginary axis), expm_frechet gets
    (A, E), expm G."""
    a = gaussian_batch(n, d, dtype)
    if func in ("logm", "sqrtm"):
        return (np.asarray(2.0 * np.eye(d) + a / 2, dtype=dtype),)
    if func == "signm":
        s = np.diag(np.where(np.arange(d) % 2 == 0, 1.0, -1.0))
        return (np.asarray(s + a / 4, dtype=dtype),)
    if func == "expm_frechet":
        return a, gaussian_batch(n, d, dtype, key=1)
    return (a,)


# ----------------------------------------------------------------------------------------------
# peers: matrix functions


def _loop(f: Callable[..., Any], *args: np.ndarray) -> np.ndarray:
    return np.stack([f(*xs) for xs in zip(*args)])


def matfun_peer(func: str, side: str, args: tuple[np.ndarray, ...]) -> Callable[[], Any]:
    """A zero-argument call of ``side``'s ``func`` on the batch ``args`` (set up here, untimed).

    scipy: ``expm`` and ``sqrtm`` take the stack; ``logm``, ``signm`` and ``expm_frechet`` are
    called per matrix in a Python loop (what a user of scipy writes). torch: ``matrix_exp``, and
    ``torch.func.jvp`` of it for the Fréchet derivative.
    """
    if side == NNLA:
        nnla = need_nnla()
        f = getattr(nnla, func)
        return lambda: f(*args)
    if side == "scipy":
        if func in ("expm", "sqrtm"):
            f = getattr(scipy.linalg, func)
            return lambda: f(args[0])
        if func == "expm_frechet":
            return lambda: _loop(lambda x, e: scipy.linalg.expm_frechet(x, e)[1], *args)
        f = getattr(scipy.linalg, func)
        return lambda: _loop(f, args[0])
    if side == "torch":
        torch = need_torch()
        ts = [torch.from_numpy(x) for x in args]
        if func == "expm":
            return lambda: torch.linalg.matrix_exp(ts[0])
        if func == "expm_frechet":
            return lambda: torch.func.jvp(torch.linalg.matrix_exp, (ts[0],), (ts[1],))
        pytest.skip(f"torch has no {func}")
    raise ValueError(f"unknown side {side!r}")


def matfun_residual(func: str, args: tuple[np.ndarray, ...], out: Any) -> float | None:
    """Each side's own accuracy on the first matrix of the batch (in float64, 1-norms), the
    figures that make a fast but wrong kernel visible: ``||X^2 - A|| / ||A||`` (sqrtm),
    ``||expm(X) - A|| / ||A||`` (logm), ``||S^2 - I||`` (signm); None for expm and
    expm_frechet (compared with scipy instead)."""
    if func not in ("sqrtm", "logm", "signm"):
        return None
    a = np.asarray(args[0][0], dtype=np.complex128)
    x = np.asarray(out[0] if not hasattr(out, "numpy") else out.numpy()[0], dtype=np.complex128)
    if func == "sqrtm":
        r = np.linalg.norm(x @ x - a, 1) / np.linalg.norm(a, 1)
    elif func == "logm":
        r = np.linalg.norm(scipy.linalg.expm(x) - a, 1) / np.linalg.norm(a, 1)
    else:
        r = np.linalg.norm(x @ x - np.eye(a.shape[0]), 1)
    return float(r)


# ----------------------------------------------------------------------------------------------
# peers: ReLU-network matrices (vectorised NumPy closed forms)


def relu_layer(n: int, mixed: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """``n`` 1D neurons with breakpoints in (0, 1): mixed orientations, or w = 1 sorted."""
    r = rng(n, int(mixed))
    if not mixed:
        return np.ones(n), -np.arange(n) / n
    w = r.choice([-1.0, 1.0], n) * r.uniform(0.5, 2.0, n)
    return w, -w * r.uniform(0.0, 1.0, n)


def numpy_mass(w: np.ndarray, b: np.ndarray, lo: float = 0.0, hi: float = 1.0) -> np.ndarray:
    """Vectorised NumPy closed form of the 1D mass matrix A on [lo, hi]."""
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
    """Vectorised NumPy closed form of the 1D Heaviside Gram matrix H on [lo, hi]."""
    with np.errstate(divide="ignore", invalid="ignore"):
        s = -b / w
    l_ = np.where(w > 0, np.maximum(s, lo), lo)
    h_ = np.where(w < 0, np.minimum(s, hi), hi)
    common = np.minimum(h_[:, None], h_[None, :]) - np.maximum(l_[:, None], l_[None, :])
    return np.maximum(common, 0.0)


SQUARE = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])


def random_lines(n: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random lines through the unit square: unit normals w (n, 2) and offsets b."""
    r = rng(n, 2)
    th = r.uniform(0, 2 * np.pi, n)
    w = np.column_stack([np.cos(th), np.sin(th)])
    return w, -np.sum(w * r.uniform(0, 1, (n, 2)), axis=1)


def _clip_many(px, py, pf, bb, w0, w1):  # type: ignore[no-untyped-def]
    """Clip one polygon (m vertices, values pf) by many half-planes at once: (J, 2m) vertex
    arrays (x, y, f carried, g = new neuron's value), missing vertices filled by repeats."""
    d = bb[:, None] + w0[:, None] * px[None, :] + w1[:, None] * py[None, :]
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


def _moments(X, Y, F, G):  # type: ignore[no-untyped-def]
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


def numpy_relu2d_all(w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A, H, G of 2D neurons on the unit square by vectorised NumPy (rows in Python, columns
    j >= i vectorised; Sutherland-Hodgman clipping and exact moments on a fan triangulation)."""
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


# ----------------------------------------------------------------------------------------------
# peers: dense SPD solves (scipy) for the structured solvers


def gaussian_kernel(x: np.ndarray, nugget: float = 10.0) -> np.ndarray:
    """The dense kernel matrix ``nugget I + exp(-(x_i - x_j)^2)`` (NumPy)."""
    a = np.exp(-np.subtract.outer(x, x) ** 2)
    a[np.diag_indices_from(a)] += nugget
    return a


def kernel_points(n: int) -> np.ndarray:
    """``n`` sorted uniform points in (-1, 1)."""
    return np.sort(rng(n, 3).uniform(-1.0, 1.0, n))


def cho_factor(a: np.ndarray) -> Any:
    """scipy's dense Cholesky factorization (the peer of the HSS/O(n) factorizations)."""
    return scipy.linalg.cho_factor(a)


def cho_solve(c: Any, b: np.ndarray) -> np.ndarray:
    """scipy's solve with a dense Cholesky factor."""
    return scipy.linalg.cho_solve(c, b)
