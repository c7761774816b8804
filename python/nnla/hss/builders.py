"""The constructions of HSS matrices: what :class:`~nnla.hss.HSSMatrix`'s classmethods call.

Each ``from_*`` function validates its arguments, builds the native HSS representation and returns
a :class:`Built` (the core object, the tree order and what the construction measured), from which
``HSSMatrix(*built)`` is made. The sampled constructions (:func:`from_entries`,
:func:`from_kernel`) are checked a posteriori and rebuilt with larger samples while they miss the
tolerance (:func:`sampled_build`); :func:`from_entries` with a ``matvec`` uses the randomized
compression (:func:`randomized_build`). The accuracy model is described in :mod:`nnla.hss`.

This module does not import :mod:`nnla.hss.matrix` (the dependency goes the other way).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from nnla._native import _core
from nnla._threads import resolve_threads
from nnla._validate import (
    as_domain,
    as_permutation,
    as_points,
    as_real,
    as_relu_params,
    check_bool,
    check_choice,
    check_float,
    check_int,
)
from nnla.errors import DegenerateNeuronsError, HSSAccuracyWarning, NotPositiveDefiniteError
from nnla.hss._codes import KERNELS, RELU_MATRICES, indefinite, raise_failure
from nnla.relu import (
    ShallowNetwork,
    degenerate_neurons,
    heaviside_gram,
    layer_gauss_newton,
    mass_matrix,
)

__all__ = [
    "Built",
    "from_dense",
    "from_entries",
    "from_kernel",
    "from_relu",
    "randomized_build",
    "row_check",
    "sampled_build",
]

_EPS = float(np.finfo(np.float64).eps)
_N_MAX = 2**31 - 2  # the native tree indexes with 32-bit integers
# Relative asymmetry max|A - A^T| / max|A| accepted (and removed by symmetrising).
_SYM_RTOL = 1e-12
# a sampled or randomized compression is accepted when its estimated ||A - H||_F / ||A||_F is
# below max(factor * tol, _CHECK_FLOOR) (the floor: rounding of the check itself).
_CHECK_FACTOR = 2.0
_CHECK_FLOOR = 2e-14
_CHECK_ROWS = 32  # rows of the exact matrix used by the a posteriori check of large sampled builds
_CHECK_COLS = 4
# 2D/3D sampled builds with n <= _FULL_CHECK_N are checked on the whole product A G (n^2 entries,
# _FULL_CHECK_COLS Gaussian columns): their errors concentrate in single rows (one row carried
# half of ||A - H||_F^2 in a 3D case that was 2800 tol off), which a few sampled rows miss
_FULL_CHECK_N = 16384
_FULL_CHECK_COLS = 8
_RETRIES = 3  # sampled builds are rebuilt with more samples (2x, 4x, 8x; 4x, 16x, 64x in 2D/3D)
_BLOCK_ENTRIES = 4_000_000  # entries per block when exact rows or the whole matrix are assembled

_ASSEMBLE = {"mass": mass_matrix, "heaviside": heaviside_gram, "gauss_newton": layer_gauss_newton}

ExactOperator = Callable[[np.ndarray], np.ndarray]
ExactRows = Callable[[np.ndarray, np.ndarray], np.ndarray]


class Built(NamedTuple):
    """What a construction hands to :class:`~nnla.hss.HSSMatrix` (``HSSMatrix(*built)``).

    Attributes
    ----------
    core : object
        The native HSS representation (``_core`` object), in the tree order.
    perm : ndarray of int64
        The tree order (tree position -> original index).
    compensated : bool
        Whether the Schur-compensated (SPD-preserving) compression was used.
    error_estimate : float or None
        The a posteriori estimate of ``||A - H||_F / ||A||_F`` (sampled constructions only).
    exact : callable or None
        The exact operator ``X -> A X`` (original order), when the construction knows one.
    factor0 : object or None
        A native ULV factor of ``H`` made during the construction (reused by ``cholesky()``).

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.hss.builders import from_dense
    >>> built = from_dense(np.eye(4), leaf_size=2)
    >>> built.perm.tolist(), built.compensated, built.error_estimate
    ([0, 1, 2, 3], False, None)
    """

    core: Any
    perm: np.ndarray
    compensated: bool = False
    error_estimate: float | None = None
    exact: ExactOperator | None = None
    factor0: Any = None


# ------------------------------------------------------------------------------------------------
# arguments
# ------------------------------------------------------------------------------------------------


def _tol(tol: object) -> float:
    return check_float(tol, "tol", low=0.0, high=1.0, low_open=True, high_open=True)


def _leaf_size(leaf_size: object) -> int:
    return check_int(leaf_size, "leaf_size", 2)


def _size(n: object) -> int:
    return check_int(n, "n", 1, _N_MAX)


def _tree_levels(n: int, leaf_size: int) -> int:
    levels = 0
    while -(-n // (1 << levels)) > leaf_size:
        levels += 1
    return levels


# ------------------------------------------------------------------------------------------------
# from a dense array
# ------------------------------------------------------------------------------------------------


def _symmetric_copy(arr: np.ndarray, perm: np.ndarray | None, asym: float) -> np.ndarray:
    """``arr`` permuted (``perm``) and symmetrised, as a Fortran-ordered array."""
    ap = arr if perm is None else arr.take(perm, axis=0).take(perm, axis=1)
    if asym > 0:
        ap = 0.5 * (ap + ap.T)
    # ap is exactly symmetric: its transpose is the same matrix, in Fortran order (no copy)
    return ap.T if ap.flags.c_contiguous else np.asfortranarray(ap)


def from_dense(
    a: ArrayLike,
    tol: float = 1e-12,
    leaf_size: int = 32,
    order: ArrayLike | None = None,
    *,
    n_threads: int | None = None,
    spd_preserving: bool = False,
    keep_a: bool = False,
) -> Built:
    """Compress a dense symmetric positive definite matrix (see ``HSSMatrix.from_dense``).

    The plain compression is tried first; if a diagonal block of it is not positive definite
    above the leaves, the compression is redone Schur-compensated (SPD-preserving).
    ``spd_preserving=True`` skips the plain attempt (for a matrix already known to be
    numerically semidefinite, whose plain compression factors or not by the luck of rounding).

    Parameters
    ----------
    a : array_like, shape (n, n)
        Symmetric (to a relative 1e-12 of its largest entry; it is symmetrised), real, finite.
    tol : float, default 1e-12
        Relative tolerance of the off-diagonal block rows (0 < tol < 1).
    leaf_size : int, default 32
        Largest number of indices of a leaf (>= 2).
    order : array_like of int, optional
        A permutation of ``range(n)`` (default: the given order).
    n_threads : int, optional
        OpenMP threads over tree nodes.
    spd_preserving : bool, default False
        Compress Schur-compensated at once (``Built.compensated`` is then True).
    keep_a : bool, default False
        Keep a reference to ``a`` (the user's own array when it is a C-contiguous float64 one,
        else the float64 copy made here) as ``Built.exact``, the operator that solves refine
        against.

    Returns
    -------
    Built

    Raises
    ------
    ValueError
        Wrong shape, dtype, NaN/Inf, bad ``tol``/``leaf_size``/``order``.
    nnla.errors.NotPositiveDefiniteError
        If ``a`` is not symmetric or not positive definite.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.hss.builders import from_dense
    >>> built = from_dense(np.diag([1.0, 2.0, 3.0, 4.0]), leaf_size=2, order=[3, 2, 1, 0])
    >>> built.perm.tolist()
    [3, 2, 1, 0]
    """
    keep = check_bool(keep_a, "keep_a")
    arr = as_real(a, "a", finite=False)  # finiteness: checked natively with the symmetry
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1] or arr.shape[0] < 1:
        raise ValueError(f"a must be a non-empty square matrix, got shape {arr.shape}")
    finite, scale, asym = _core.hss_symmetry(arr)
    if not finite:
        raise ValueError("a contains NaN or Inf")
    t, ls, n = _tol(tol), _leaf_size(leaf_size), _size(arr.shape[0])
    perm = np.arange(n, dtype=np.int64) if order is None else as_permutation(order, n)
    nt = resolve_threads(n_threads)
    if asym > _SYM_RTOL * scale:
        raise NotPositiveDefiniteError(
            f"a is not symmetric (max |a - a.T| = {asym:.3g}, max |a| = {scale:.3g})",
            hint="HSS Cholesky needs a symmetric positive definite matrix; pass (a + a.T) / 2",
        )
    ap = _symmetric_copy(arr, None if order is None else perm, asym)
    compensated = bool(spd_preserving)
    core, fail = _core.hss_from_dense(ap, ls, t, compensated, nt)
    if not compensated and indefinite(fail) and fail[2] != _tree_levels(n, ls):
        # the plain compression is indefinite: redo it Schur-compensated (SPD-preserving)
        core, fail = _core.hss_from_dense(ap, ls, t, True, nt)
        compensated = True
    if fail is not None:
        raise_failure(
            fail,
            "HSSMatrix.from_dense",
            "a is not positive definite (or its smallest eigenvalue is below rounding, "
            "~1e-16 max|a|); add a multiple of the identity if it is only semidefinite",
        )
    return Built(core, perm, compensated, exact=arr.__matmul__ if keep else None)


# ------------------------------------------------------------------------------------------------
# the a posteriori check of sampled builds
# ------------------------------------------------------------------------------------------------


def _accepted(err: float, tol: float, n: int, factor: float = _CHECK_FACTOR) -> bool:
    # the floor grows like the rounding of an n-term product (H x: ~sqrt(n) eps at worst)
    return err <= max(factor * tol, _CHECK_FLOOR, 2 * _EPS * np.sqrt(n))


def _warn_accuracy(what: str, err: float, tol: float, stacklevel: int) -> None:
    warnings.warn(
        f"{what}: the compression error estimate ||A - H||_F/||A||_F ~ {err:.1e} is above "
        f"tol = {tol:.0e} after resampling with larger samples; use the factor as a "
        "preconditioner (CG on the exact matrix), or from_dense / from_entries(matvec=...)",
        HSSAccuracyWarning,
        stacklevel=stacklevel,
    )


def row_check(core: Any, exact_rows: ExactRows, n: int, nt: int, full: bool = False) -> float:
    """Randomized estimate of ``||A - H||_F / ||A||_F`` from exact rows (tree order).

    Parameters
    ----------
    core : object
        The native HSS representation of ``H``.
    exact_rows : callable
        ``exact_rows(rows, g)`` returns ``A(rows, :) g`` (tree order).
    n : int
        Order of the matrix.
    nt : int
        OpenMP threads of the product ``H g``.
    full : bool, default False
        Compare every row, with ``g`` of 8 Gaussian columns; else 32 random rows (8-32 above
        n = 2^19) and 4 columns. The Gaussian samples have a fixed seed.

    Returns
    -------
    float
        ``||(H g)(rows) - A(rows, :) g|| / ||A(rows, :) g||`` (0 when the latter is 0).

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.hss.builders import from_dense, row_check
    >>> a = np.diag(np.arange(1.0, 41.0))
    >>> core = from_dense(a, leaf_size=8).core
    >>> row_check(core, lambda rows, g: a[rows] @ g, 40, 1) <= 1e-15
    True
    """
    rng = np.random.default_rng(0x0C4EC)
    if full:
        rows = np.arange(n, dtype=np.int64)
        g = np.asfortranarray(rng.standard_normal((n, _FULL_CHECK_COLS)))
    else:
        # 32 rows up to n = 2^19, fewer (>= 8) above: the check costs O(rows n) entries
        nrows = min(n, _CHECK_ROWS, max(8, (1 << 24) // n))
        rows = np.sort(rng.choice(n, nrows, replace=False)).astype(np.int64)
        g = np.asfortranarray(rng.standard_normal((n, _CHECK_COLS)))
    ref = exact_rows(rows, g)
    approx = np.asarray(core.matvec(g, nt))[rows]
    den = float(np.linalg.norm(ref))
    return float(np.linalg.norm(approx - ref)) / den if den > 0 else 0.0


def sampled_build(
    build: Callable[[int], Any],
    exact_rows: ExactRows,
    n: int,
    dim: int,
    tol: float,
    nt: int,
    what: str,
) -> tuple[Any, float]:
    """A sampled-ID build checked a posteriori and rebuilt while it misses ``tol``.

    The check sees every row for points in 2D/3D up to n = 16384 (:func:`row_check`); the
    rebuilds multiply the random and sibling samples by 2, 4, 8 (by 4, 16, 64 for points in
    2D/3D, where a node's ID can miss a few near columns at 1x-8x). A miss that remains gives an
    :class:`~nnla.errors.HSSAccuracyWarning`.

    Parameters
    ----------
    build : callable
        ``build(effort)`` returns the native HSS representation built with ``effort`` times the
        random samples.
    exact_rows : callable
        ``exact_rows(rows, g)`` returns ``A(rows, :) g`` (tree order).
    n, dim : int
        Order of the matrix; dimension of the points (1 without points).
    tol : float
        The tolerance; accepted below ``2 tol`` (and the rounding floor of the check).
    nt : int
        OpenMP threads of the check.
    what : str
        The public function, for the warning.

    Returns
    -------
    core : object
        The last build.
    err : float
        Its estimated relative error.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.hss.builders import from_dense, sampled_build
    >>> a = np.diag(np.arange(1.0, 41.0))
    >>> core, err = sampled_build(lambda effort: from_dense(a, leaf_size=8).core,
    ...                           lambda rows, g: a[rows] @ g, 40, 1, 1e-12, 1, "example")
    >>> err <= 1e-15
    True
    """
    full = dim >= 2 and n <= _FULL_CHECK_N
    step = 2 if dim >= 2 else 1
    core, err = None, np.inf
    for attempt in range(_RETRIES + 1):
        core = build(1 << (step * attempt))
        err = row_check(core, exact_rows, n, nt, full)
        if _accepted(err, tol, n):
            return core, err
    _warn_accuracy(what, err, tol, stacklevel=5)
    return core, err


# ------------------------------------------------------------------------------------------------
# from entries (sampled interpolative decomposition)
# ------------------------------------------------------------------------------------------------


class _EntryBlocks:
    """``entries`` (original indices) as validated float64 blocks in the tree order."""

    def __init__(self, entries: Callable[[np.ndarray, np.ndarray], ArrayLike],
                 perm: np.ndarray) -> None:
        self.entries = entries
        self.perm = perm
        self.n = int(perm.shape[0])

    def __call__(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        r, c = self.perm[rows], self.perm[cols]
        out = np.asarray(self.entries(r, c))
        if out.shape != (r.shape[0], c.shape[0]):
            raise ValueError(
                f"entries(rows, cols) returned shape {out.shape}, "
                f"expected {(r.shape[0], c.shape[0])}"
            )
        if out.dtype.kind not in "fiu":
            raise ValueError(f"entries(rows, cols) returned dtype {out.dtype}, expected real")
        out = np.asfortranarray(out, dtype=np.float64)
        if not np.isfinite(out).all():
            raise ValueError("entries(rows, cols) returned NaN or Inf")
        k = r.shape[0]
        if k <= c.shape[0] and np.array_equal(cols[:k], rows):
            d = out[:, :k]
            scale = float(np.abs(d).max()) if d.size else 0.0
            if d.size and float(np.abs(d - d.T).max()) > _SYM_RTOL * scale:
                raise NotPositiveDefiniteError(
                    "entries(rows, cols) is not symmetric",
                    hint="HSS Cholesky needs a symmetric positive definite matrix",
                )
        return out

    def rows_times(self, rows: np.ndarray, g: np.ndarray) -> np.ndarray:
        """``A(rows, :) g`` (tree order), assembled by blocks of columns."""
        out = np.zeros((rows.shape[0], g.shape[1]))
        step = max(1, _BLOCK_ENTRIES // max(1, rows.shape[0]))
        for c0 in range(0, self.n, step):
            cols = np.arange(c0, min(self.n, c0 + step))
            out += self(rows, cols) @ g[c0 : c0 + step]
        return out

    def assemble(self) -> np.ndarray:
        """The whole matrix (tree order), assembled by blocks of rows."""
        n = self.n
        ap = np.empty((n, n))
        allc = np.arange(n)
        step = max(1, _BLOCK_ENTRIES // n)
        for r0 in range(0, n, step):
            ap[r0 : r0 + step] = self(np.arange(r0, min(n, r0 + step)), allc)
        return ap


def _checked_matvec(matvec: Callable[[np.ndarray], ArrayLike]) -> ExactOperator:
    """``matvec`` (original order, (n, k) -> (n, k)) with its output validated."""

    def apply(x: np.ndarray) -> np.ndarray:
        y = np.asarray(matvec(x))
        if y.shape != x.shape:
            raise ValueError(f"matvec(X) returned shape {y.shape}, expected {x.shape}")
        if y.dtype.kind not in "fiu":
            raise ValueError(f"matvec(X) returned dtype {y.dtype}, expected real")
        y = np.asarray(y, dtype=np.float64)
        if not np.isfinite(y).all():
            raise ValueError("matvec(X) returned NaN or Inf")
        return y

    return apply


def _tree_order(
    n: int, leaf_size: int, points: ArrayLike | None, order: ArrayLike | None
) -> tuple[np.ndarray, int]:
    """The tree order ``perm`` and the dimension of the points (1 without points)."""
    if points is not None and order is not None:
        raise ValueError("pass either points or order, not both")
    if order is not None:
        return as_permutation(order, n), 1
    if points is not None:
        pts = as_points(points, n)
        return np.asarray(_core.hss_bisection_order(pts, leaf_size)), pts.shape[1]
    return np.arange(n, dtype=np.int64), 1


def from_entries(
    entries: Callable[[np.ndarray, np.ndarray], ArrayLike],
    n: int,
    tol: float = 1e-12,
    leaf_size: int = 32,
    points: ArrayLike | None = None,
    order: ArrayLike | None = None,
    matvec: Callable[[np.ndarray], ArrayLike] | None = None,
    *,
    dense_fallback: int = 16384,
    n_threads: int | None = None,
) -> Built:
    """Build from a function returning blocks of entries (see ``HSSMatrix.from_entries``).

    The sampled ID (:func:`sampled_build`), or with ``matvec`` the randomized compression
    (:func:`randomized_build`); then, for ``n <= dense_fallback``, one ULV factorization checks
    that the compression is positive definite, and an indefinite one is replaced by the
    SPD-preserving :func:`from_dense` of the assembled matrix.

    Parameters
    ----------
    entries : callable
        ``entries(rows, cols)`` returns ``A[np.ix_(rows, cols)]`` (original indices).
    n : int
        Order of the matrix.
    tol : float, default 1e-12
        Relative tolerance of the interpolative decompositions.
    leaf_size : int, default 32
        Largest number of indices of a leaf (>= 2).
    points : array_like, shape (n,) or (n, d), optional
        Coordinates (d <= 3) of the indices, for the tree.
    order : array_like of int, optional
        An explicit ordering instead of ``points``.
    matvec : callable, optional
        ``matvec(X)`` returns ``A @ X`` (original order).
    dense_fallback : int, default 16384
        Largest n for the positive-definiteness check and the SPD-preserving fallback (0: none).
    n_threads : int, optional
        OpenMP threads over tree nodes.

    Returns
    -------
    Built

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.hss.builders import from_entries
    >>> a = np.diag(np.arange(1.0, 65.0))
    >>> built = from_entries(lambda r, c: a[np.ix_(r, c)], 64, leaf_size=8)
    >>> bool(built.error_estimate <= 1e-15), built.compensated
    (True, False)
    """
    if not callable(entries):
        raise ValueError("entries must be a callable entries(rows, cols) -> block")
    nn, t, ls = _size(n), _tol(tol), _leaf_size(leaf_size)
    perm, dim = _tree_order(nn, ls, points, order)
    nt = resolve_threads(n_threads)
    block = _EntryBlocks(entries, perm)
    exact = None if matvec is None else _checked_matvec(matvec)
    fallback = check_int(dense_fallback, "dense_fallback", 0)
    if matvec is not None:
        if not callable(matvec):
            raise ValueError("matvec must be a callable matvec(X) -> A @ X, or None")
        core, err = randomized_build(block, matvec, perm, t, ls, nt)
    else:

        def build(effort: int) -> Any:
            core, fail = _core.hss_from_entries(block, nn, ls, t, dim, nt, effort)
            if fail is not None:
                raise_failure(fail, "HSSMatrix.from_entries", "")
            return core

        what = "HSSMatrix.from_entries"
        core, err = sampled_build(build, block.rows_times, nn, dim, t, nt, what)
    if nn <= fallback and indefinite(core.factor(0.0, nt)[1]):
        # indefinite compression: SPD-preserving compression of the assembled matrix
        hd = from_dense(block.assemble(), tol=t, leaf_size=ls, n_threads=nt)
        return Built(hd.core, perm, hd.compensated, exact=exact)
    return Built(core, perm, error_estimate=err, exact=exact)


# ------------------------------------------------------------------------------------------------
# randomized compression from products (Martinsson 2011)
# ------------------------------------------------------------------------------------------------


def _norm_estimate(
    apply_p: ExactOperator, rng: np.random.Generator, n: int
) -> tuple[np.ndarray, np.ndarray, float]:
    """Gaussian check vectors ``g``, ``A g`` and ``||A||_est`` from one power step."""
    g = np.asfortranarray(rng.standard_normal((n, _CHECK_COLS)))
    yg = apply_p(g)
    z = apply_p(yg)
    yn = np.linalg.norm(yg, axis=0)
    anorm = float(np.max(np.linalg.norm(z, axis=0) / np.where(yn > 0, yn, 1.0)))
    return g, yg, anorm


def randomized_build(
    block: Callable[[np.ndarray, np.ndarray], np.ndarray],
    matvec: Callable[[np.ndarray], ArrayLike],
    perm: np.ndarray,
    tol: float,
    leaf_size: int,
    nt: int,
) -> tuple[Any, float]:
    """Randomized HSS compression (Martinsson 2011) from ``matvec`` samples; adaptive sample size.

    Samples ``Y = A Omega`` with Gaussian ``Omega`` (fixed seed: deterministic), a rank-revealing
    row ID of every node's local sample with threshold ``max(tol / 50, 30 eps) ||A||_est
    sqrt(s)`` (``||A||_est`` from one power step), then the a posteriori check
    ``||(A - H) G||_F / ||A G||_F`` on independent Gaussian ``G``; the sample is doubled (up to n
    columns, where the compression is exact) while a node's rank comes within 8 of the sample
    size, and while the check misses ``2 tol`` with unsaturated ranks the threshold is divided
    by 4 (at most three times; then the sample is doubled). A miss that remains gives an
    :class:`~nnla.errors.HSSAccuracyWarning`.

    Parameters
    ----------
    block : callable
        ``block(rows, cols)``: validated entries in the tree order.
    matvec : callable
        ``matvec(X)`` returns ``A @ X`` in the original order (validated here).
    perm : ndarray of int64
        The tree order.
    tol : float
        Relative tolerance.
    leaf_size : int
        Largest number of indices of a leaf.
    nt : int
        OpenMP threads.

    Returns
    -------
    core : object
        The native HSS representation.
    err : float
        The estimate of ``||A - H||_F / ||A||_F``.

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.hss.builders import randomized_build
    >>> a = np.diag(np.arange(1.0, 65.0))
    >>> perm = np.arange(64)
    >>> core, err = randomized_build(lambda r, c: np.asfortranarray(a[np.ix_(r, c)]),
    ...                              lambda x: a @ x, perm, 1e-12, 8, 1)
    >>> err <= 1e-14
    True
    """
    apply = _checked_matvec(matvec)
    n = int(perm.shape[0])

    def apply_p(xp: np.ndarray) -> np.ndarray:
        x = np.empty_like(xp)
        x[perm] = xp
        return np.asfortranarray(apply(x)[perm])

    rng = np.random.default_rng(0x4A3D0)
    g, yg, anorm = _norm_estimate(apply_p, rng, n)
    gden = float(np.linalg.norm(yg))
    s = min(n, 48)
    omega = np.asfortranarray(rng.standard_normal((n, s)))
    y = apply_p(omega)
    core, err = None, np.inf
    scale, cuts = 0.02, 0
    while True:
        thr = max(scale * tol, 30 * _EPS) * anorm * np.sqrt(s)
        core, fail = _core.hss_from_randomized(block, omega, y, leaf_size, thr, nt)
        if fail is not None:
            raise_failure(fail, "HSSMatrix.from_entries", "")
        err = float(np.linalg.norm(np.asarray(core.matvec(g, nt)) - yg)) / gden if gden > 0 else 0.0
        saturated = int(np.max(np.asarray(core.rank), initial=0)) > s - 8
        if s >= n or (not saturated and _accepted(err, tol, n)):
            break
        if not saturated and cuts < 3 and scale * tol > 30 * _EPS:
            # the sample is large enough: the ID threshold, not the sample, sets the error
            scale, cuts = scale / 4, cuts + 1
            continue
        extra = min(n, 2 * s) - s
        om2 = rng.standard_normal((n, extra))
        omega = np.asfortranarray(np.hstack([omega, om2]))
        y = np.asfortranarray(np.hstack([y, apply_p(np.asfortranarray(om2))]))
        s += extra
    if not _accepted(err, tol, n):
        _warn_accuracy("HSSMatrix.from_entries", err, tol, stacklevel=5)
    return core, err


# ------------------------------------------------------------------------------------------------
# from a kernel (native entries)
# ------------------------------------------------------------------------------------------------


def from_kernel(
    points: ArrayLike,
    kernel: str = "gaussian",
    length_scale: float = 1.0,
    nugget: float = 0.0,
    tol: float = 1e-12,
    leaf_size: int = 32,
    *,
    n_threads: int | None = None,
) -> Built:
    """Build a kernel matrix on points with native entries (see ``HSSMatrix.from_kernel``).

    Parameters
    ----------
    points : array_like, shape (n,) or (n, d), 1 <= d <= 3
        Coordinates, finite.
    kernel : {"gaussian", "exponential", "matern32"}
    length_scale : float, default 1.0
        ``l > 0``.
    nugget : float, default 0.0
        Added to the diagonal (>= 0).
    tol : float, default 1e-12
        Relative tolerance of the interpolative decompositions.
    leaf_size : int, default 32
        Largest number of indices of a leaf (>= 2).
    n_threads : int, optional
        OpenMP threads.

    Returns
    -------
    Built

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.hss.builders import from_kernel
    >>> built = from_kernel(np.linspace(0, 1, 200), "exponential", nugget=1.0, leaf_size=16)
    >>> bool(built.error_estimate <= 2e-12)
    True
    """
    pts = as_points(points, None)
    kid = KERNELS[check_choice(kernel, "kernel", KERNELS)]
    ell = check_float(length_scale, "length_scale", low=0.0, low_open=True)
    nug = check_float(nugget, "nugget", low=0.0)
    t, lsz, n = _tol(tol), _leaf_size(leaf_size), _size(pts.shape[0])
    nt = resolve_threads(n_threads)
    perm = np.asarray(_core.hss_bisection_order(pts, lsz))
    pp = np.ascontiguousarray(pts[perm])

    def exact_rows(rows: np.ndarray, g: np.ndarray) -> np.ndarray:
        return np.asarray(_core.hss_kernel_rows(pp, kid, ell, nug, rows, g, nt))

    def build(effort: int) -> Any:
        core, fail = _core.hss_from_kernel(pp, kid, ell, nug, lsz, t, nt, effort)
        if fail is not None:
            raise_failure(fail, "HSSMatrix.from_kernel", "")
        return core

    what = "HSSMatrix.from_kernel"
    core, err = sampled_build(build, exact_rows, n, pts.shape[1], t, nt, what)
    return Built(core, perm, error_estimate=err)


# ------------------------------------------------------------------------------------------------
# from a shallow ReLU network
# ------------------------------------------------------------------------------------------------


def _refuse_degenerate(rep: dict[str, np.ndarray]) -> None:
    if not any(v.size for v in rep.values()):
        return
    parts = [
        f"{k} {v[:10].tolist()}{' ...' if v.size > 10 else ''}" for k, v in rep.items() if v.size
    ]
    raise DegenerateNeuronsError(
        "HSSMatrix.from_relu: degenerate neurons make the matrix singular: " + "; ".join(parts),
        reasons=rep,
        hint="remove or re-initialise these neurons (nnla.relu.degenerate_neurons lists them)",
    )


def _relu_dense(matrix: str, w: np.ndarray, b: np.ndarray, domain: Any, perm: np.ndarray,
                tol: float, leaf_size: int, nt: int, spd_preserving: bool = False) -> Built:
    """The assembled matrix, compressed (SPD-preserving if needed or asked) in order ``perm``."""
    a = _ASSEMBLE[matrix](w, b, domain, n_threads=nt)
    return from_dense(a, tol=tol, leaf_size=leaf_size, order=perm, n_threads=nt,
                      spd_preserving=spd_preserving)


def _relu_1d(matrix: str, w: np.ndarray, b: np.ndarray, domain: tuple[float, float],
             order: np.ndarray, perm: np.ndarray, tol: float, leaf_size: int, nt: int) -> Built:
    """Exact analytic generators; the assembled matrix if they are not numerically SPD."""
    lo, hi = domain
    core, fail = _core.hss_from_relu1d(RELU_MATRICES[matrix], w, b, lo, hi, order, leaf_size, nt)
    if fail is not None:
        raise_failure(fail, "HSSMatrix.from_relu", "")
    fcore, ffail = core.factor(0.0, nt)
    if indefinite(ffail):
        # the exact matrix is not numerically SPD: assembled, SPD-preserving compression at once
        # (a plain compression of it would factor or not by the luck of rounding, i.e. of the
        # CPU and BLAS kernels; the compensated one is SPD by construction)
        try:
            return _relu_dense(matrix, w, b, domain, perm, tol, leaf_size, nt,
                               spd_preserving=True)
        except NotPositiveDefiniteError as exc:
            raise NotPositiveDefiniteError(
                f"HSSMatrix.from_relu: the {matrix} matrix is not numerically positive "
                f"definite ({str(exc).split('. Hint:')[0]})",
                hint="its smallest eigenvalue is below rounding (clustered breakpoints, or "
                "a domain far from the origin for gauss_newton); add a multiple of the "
                "identity (cholesky(shift=...)) or remove close neurons",
            ) from None
    if ffail is not None:
        raise_failure(ffail, "HSSMatrix.from_relu", "")
    return Built(core, perm, factor0=fcore)


def from_relu(
    matrix: str,
    w: ArrayLike,
    b: ArrayLike,
    domain: Any = None,
    tol: float = 1e-12,
    leaf_size: int = 32,
    *,
    n_threads: int | None = None,
) -> Built:
    """Build a shallow ReLU network's Gram matrix (see ``HSSMatrix.from_relu``).

    ``w``, ``b`` and ``domain`` are validated here, once (:func:`nnla._validate.as_relu_params`,
    :func:`nnla._validate.as_domain`); the degenerate neurons, the geometric order and (in 2D)
    the dense matrix come from the public :mod:`nnla.relu` API.

    Parameters
    ----------
    matrix : {"mass", "heaviside", "gauss_newton"}
        Which matrix.
    w : array_like, shape (n,), (n, 1) or (n, 2)
        Hidden-layer weights.
    b : array_like, shape (n,)
        Hidden-layer biases.
    domain : optional
        1D: an interval ``(a, b)`` (default ``(0, 1)``); 2D: a box ``((x0, x1), (y0, y1))`` or
        the ``(k, 2)`` vertices of a convex polygon (default the unit square).
    tol : float, default 1e-12
        Compression tolerance (2D and the SPD-preserving fallback).
    leaf_size : int, default 32
        Largest number of indices of a leaf (>= 2).
    n_threads : int, optional
        OpenMP threads.

    Returns
    -------
    Built

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.hss.builders import from_relu
    >>> built = from_relu("heaviside", np.ones(8), -np.arange(8) / 8, leaf_size=2)
    >>> built.perm.tolist(), built.factor0 is not None
    ([0, 1, 2, 3, 4, 5, 6, 7], True)
    """
    check_choice(matrix, "matrix", RELU_MATRICES)
    wa, ba, d = as_relu_params(w, b)
    t, ls = _tol(tol), _leaf_size(leaf_size)
    nt = resolve_threads(n_threads)
    dom = as_domain(domain, d)
    _refuse_degenerate(degenerate_neurons(wa, ba, dom, kind=matrix))
    order = np.asarray(ShallowNetwork(wa, ba).order(dom), dtype=np.int64)
    per = 1 if matrix != "gauss_newton" else d + 1
    perm = (per * order[:, None] + np.arange(per)).ravel()
    if d == 2:
        return _relu_dense(matrix, wa, ba, dom, perm, t, ls, nt)
    return _relu_1d(matrix, wa, ba, dom, order, perm, t, ls, nt)
