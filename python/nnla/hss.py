"""HSS (hierarchically semiseparable) matrices and their ULV-type Cholesky factorization.

Symmetric positive definite float64 matrices whose off-diagonal blocks are numerically low rank
under a good ordering (kernel matrices on points in 1D-3D, 1D ReLU mass matrices, smooth Toeplitz
matrices) are stored in O(n r) memory, multiplied in O(n r) and factored in O(n r^2).

Construction paths
------------------
``HSSMatrix.from_dense``
    Compression of the block rows of a dense array: SVD of each block row (through the R factor
    of its QR), with nested orthonormal bases, to the relative tolerance ``tol`` of the block row.
    Every diagonal block is Cholesky-factored during the construction, so a compression that is
    not positive definite is detected there. That happens for ill-conditioned matrices at loose
    tolerances (the compression error, ~tol ||A||, exceeds lambda_min); the compression is then
    redone **Schur-compensated (SPD-preserving)**, after Xia and Gu (2010): at every node the
    diagonal block is factored first, ``L L^T``, and the block row is projected orthogonally in
    the scaled coordinates ``L^{-1} A(i, ~i)``, so the compressed matrix is SPD at every
    tolerance (``H.compensated`` is then True; its error ``||A - H||`` stays near
    ``tol ||A||``, the rank growing where the scaled projection would amplify it).
``HSSMatrix.from_relu``
    The Gram matrices of a shallow ReLU network (:mod:`nnla.relu`). In 1D, exact analytic
    generators after sorting by breakpoint (every block row lies in the range of at most six
    closed-form columns; the basis is taken in the coordinates of the block row, weighted by a
    sample of the complement, so it is ordered like the dense compression's): O(n log n), ranks
    <= 6, exact to rounding at every tolerance, so the plain ULV Cholesky works even at
    kappa ~ 1e16 (if it still finds the matrix indefinite, the matrix is assembled and
    compressed SPD-preserving instead). In 2D, the exact dense matrix compressed by
    ``from_dense`` in the network's geometric order.
``HSSMatrix.from_entries`` / ``HSSMatrix.from_kernel``
    Interpolative decomposition on sampled entries, never forming the matrix: each node's
    candidate rows are sampled against the columns within ``leaf_size`` positions of it in the tree
    order, columns at geometrically growing distances (factor 1.3) on both sides,
    ``max(leaf_size / 2, r)`` random columns (``r`` candidate rows; ``2 r`` in 2D/3D), and for
    points in 2D/3D ``max(leaf_size, r)`` random columns from each of the sibling clusters of the
    node and of its first three ancestors; a column-pivoted QR picks the skeleton rows
    (``|R_kk| > max(tol / 100, 1e-15) |R_11|``: the interpolation coefficients and the sampling
    make the error a few times the truncated part, so this keeps ``||A - H||`` near
    ``tol ||A||``). ``from_kernel`` evaluates the kernel natively (in
    parallel); ``from_entries`` calls a Python function by blocks, from serial code. The
    accuracy is that of the sampled block rows: ~tol for 1D problems (checked against the true
    matrix in the tests), weaker for points in 2D/3D, where the off-diagonal ranks of an HSS
    matrix grow with n and the samples can miss part of a block row (errors of 1e-8 to 1e-5
    measured at tight tolerances);
    these paths are not SPD-preserving: an indefinite compression is reported by
    :meth:`HSSMatrix.cholesky` as :class:`~nnla.errors.NotPositiveDefiniteError`.
    Every sampled build is **checked a posteriori**: ``||A - H||_F / ||A||_F`` is estimated
    from exact rows times Gaussian vectors (``H.error_estimate``): for points in 2D/3D with
    n <= 16384 on **every** row (``A G`` for 8 Gaussian columns; the errors of a sampled ID
    concentrate in single rows, which a few sampled rows miss: one 3D build was 2800 tol off
    with a 32-row estimate of 0.1 tol), else on 32 random rows (8-32 above n = 2^19) and 4
    columns; above ``2 tol`` the build is repeated with 2x, 4x, 8x the random samples (4x, 16x,
    64x in 2D/3D), and a miss that remains gives an :class:`HSSAccuracyWarning`.
``HSSMatrix.from_entries(..., matvec=...)``
    Randomized compression (Martinsson 2011) from products ``A @ Omega`` with a Gaussian
    sample of adaptive size, entries only for the leaf diagonal blocks and the skeleton
    couplings; checked on independent Gaussian vectors.

Solves
------
``HSSCholesky.solve(b)`` does one step of iterative refinement by default (``refine=1``),
against the exact operator when one is known (``from_entries(..., matvec=...)``) and against H
otherwise: the ULV solve alone loses a digit on extremely ill-conditioned matrices (1D ReLU mass
matrix, n = 8192, kappa ~ 1.7e16: residual 9e-15 against A), one step makes it backward stable
with respect to the refinement operator, so the residual against A is then that operator's own
accuracy (1e-15 for the exact-to-rounding 1D ReLU generators; ~tol for a compression).

Only real symmetric float64 matrices are supported (integer and float32 input is converted to
float64; complex input raises ``ValueError``).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from nnla._native import _core
from nnla._threads import resolve_threads
from nnla._validate import check_int
from nnla.errors import LinAlgError, NotPositiveDefiniteError

__all__ = ["HSSAccuracyWarning", "HSSCholesky", "HSSMatrix"]

# failure code of a diagonal block that is not positive definite (cpp/hss/hss.hpp, _core.HssFail)
_NOT_SPD = int(_core.HssFail.NOT_POSITIVE_DEFINITE)
_KERNELS = {  # the kernel codes of cpp/hss/hss.hpp (_core.HssKernel)
    "gaussian": int(_core.HssKernel.GAUSSIAN),
    "exponential": int(_core.HssKernel.EXPONENTIAL),
    "matern32": int(_core.HssKernel.MATERN32),
}
# Relative asymmetry max|A - A^T| / max|A| accepted (and removed by symmetrising).
_SYM_RTOL = 1e-12


def _as_real(a: object, name: str) -> np.ndarray:
    arr = np.asarray(a)
    if arr.dtype.kind in "iu" or arr.dtype in (np.float16, np.float32):
        arr = arr.astype(np.float64)
    if arr.dtype != np.float64:
        raise ValueError(
            f"{name} has dtype {arr.dtype}; HSS matrices are real symmetric float64 "
            "(integer and float32 input is converted)"
        )
    return arr


def _check_finite(arr: np.ndarray, name: str) -> None:
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or Inf")


def _check_tol(tol: object) -> float:
    if isinstance(tol, bool) or not isinstance(tol, (int, float, np.floating, np.integer)):
        raise ValueError(f"tol must be a float in (0, 1), got {tol!r}")
    t = float(tol)
    if not (0.0 < t < 1.0):
        raise ValueError(f"tol must be a float in (0, 1), got {tol!r}")
    return t


def _check_leaf_size(leaf_size: object) -> int:
    return check_int(leaf_size, "leaf_size", 2)


def _check_n(n: object) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or int(n) < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    if int(n) >= 2**31 - 1:
        raise ValueError(f"n must be below 2**31 - 1, got {n!r}")
    return int(n)


def _check_order(order: object, n: int) -> np.ndarray:
    perm = np.asarray(order)
    if perm.ndim != 1 or perm.shape[0] != n or perm.dtype.kind not in "iu":
        raise ValueError(f"order must be a permutation of range({n}) as an integer array")
    perm = perm.astype(np.int64)
    seen = np.zeros(n, dtype=bool)
    if perm.min() < 0 or perm.max() >= n:
        raise ValueError(f"order must be a permutation of range({n})")
    seen[perm] = True
    if not seen.all():
        raise ValueError(f"order must be a permutation of range({n})")
    return perm


def _as_points(points: object, n: int | None, name: str = "points") -> np.ndarray:
    pts = _as_real(points, name)
    if pts.ndim == 1:
        pts = pts[:, None]
    if pts.ndim != 2 or not (1 <= pts.shape[1] <= 3) or pts.shape[0] < 1:
        raise ValueError(f"{name} must have shape (n,) or (n, d) with 1 <= d <= 3, got {pts.shape}")
    if n is not None and pts.shape[0] != n:
        raise ValueError(f"{name} must have {n} rows, got {pts.shape[0]}")
    _check_finite(pts, name)
    return np.ascontiguousarray(pts)


def _raise_failure(fail: tuple[int, int, int, int], what: str, hint: str) -> None:
    code, node, level, info = fail
    if code == _NOT_SPD:
        raise NotPositiveDefiniteError(
            f"{what}: a diagonal block (tree node {node}, level {level}) is not positive "
            f"definite (Cholesky pivot {info})",
            hint=hint,
        )
    raise LinAlgError(
        f"{what}: internal LAPACK error {info} at tree node {node}",
        hint="this is a bug in nnla; please report it with the input",
    )


def _rhs(b: object, n: int, name: str) -> tuple[np.ndarray, bool]:
    arr = _as_real(b, name)
    vec = arr.ndim == 1
    if vec:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[0] != n:
        raise ValueError(f"{name} must have shape ({n},) or ({n}, k), got {np.shape(b)}")
    _check_finite(arr, name)
    return arr, vec


class HSSMatrix:
    """A symmetric HSS matrix (float64) over a binary cluster tree.

    Build one with :meth:`from_dense`, :meth:`from_entries`, :meth:`from_kernel` or
    :meth:`from_relu`. The matrix
    is stored in the tree order ``perm``: ``H.to_dense()[np.ix_(perm, perm)]`` is the
    hierarchically structured matrix; every method takes and returns arrays in the original
    order.

    Attributes
    ----------
    shape : tuple of int
        ``(n, n)``.
    perm : ndarray of int64
        The ordering used (tree position -> original index).
    ranks : list of int
        The largest off-diagonal rank at each tree level, from the root's children (level 1) to
        the leaves.
    nbytes : int
        Memory of the generators in bytes.
    compensated : bool
        Whether the Schur-compensated (SPD-preserving) compression was used (``from_dense``, and
        ``from_entries``/``from_relu`` when they fall back to it).
    error_estimate : float or None
        The a posteriori estimate of ``||A - H||_F / ||A||_F`` of the sampled constructions
        (``from_kernel``, ``from_entries``); None where the construction is accurate to ``tol``
        by construction (``from_dense``, the 1D ``from_relu``).

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.hss import HSSMatrix
    >>> x = np.linspace(-1, 1, 500)
    >>> a = 10 * np.eye(500) + np.exp(-np.subtract.outer(x, x) ** 2)
    >>> h = HSSMatrix.from_dense(a, tol=1e-12, leaf_size=32)
    >>> v = np.ones(500)
    >>> bool(np.linalg.norm(h @ v - a @ v) <= 1e-11 * np.linalg.norm(a @ v))
    True
    >>> f = h.cholesky()
    >>> bool(np.allclose(f.solve(a @ v), v, rtol=1e-11, atol=0))
    True
    """

    def __init__(self, core: Any, perm: np.ndarray, compensated: bool = False) -> None:
        self._core = core
        self._perm = perm
        self._n = int(perm.shape[0])
        self.compensated = bool(compensated)
        self._factor0: Any = None  # a ULV factor of H (shift 0) made during the construction
        # the estimate of ||A - H||_F / ||A||_F measured by the sampled constructions (None: not
        # measured; from_dense and the 1D from_relu are accurate to tol / rounding by construction)
        self.error_estimate: float | None = None
        # the exact operator X -> A X (original order), when a constructor knows one: F.solve
        # refines against it (else against H)
        self._exact: Callable[[np.ndarray], np.ndarray] | None = None

    # ---- construction -------------------------------------------------------------------
    @classmethod
    def from_dense(
        cls,
        a: ArrayLike,
        tol: float = 1e-12,
        leaf_size: int = 32,
        order: ArrayLike | None = None,
        *,
        n_threads: int | None = None,
    ) -> HSSMatrix:
        """Compress a dense symmetric positive definite matrix.

        Parameters
        ----------
        a : array_like, shape (n, n)
            Symmetric (to a relative 1e-12 of its largest entry; it is symmetrised) float64.
        tol : float, default 1e-12
            Relative tolerance of the off-diagonal block rows (0 < tol < 1).
        leaf_size : int, default 32
            Largest number of indices of a leaf (>= 2).
        order : array_like of int, optional
            A permutation of ``range(n)`` under which ``a`` has low-rank off-diagonal blocks
            (default: the given order).
        n_threads : int, optional
            OpenMP threads over tree nodes; the result does not depend on it.

        Returns
        -------
        HSSMatrix

        Raises
        ------
        ValueError
            Wrong shape, dtype (complex), NaN/Inf, bad ``tol``/``leaf_size``/``order``.
        nnla.errors.NotPositiveDefiniteError
            If ``a`` is not symmetric or not positive definite.

        Examples
        --------
        >>> import numpy as np
        >>> from nnla.hss import HSSMatrix
        >>> i = np.arange(300)
        >>> a = 1.0 / (1.0 + np.abs(np.subtract.outer(i, i)))
        >>> h = HSSMatrix.from_dense(a, tol=1e-10, leaf_size=32)
        >>> bool(np.linalg.norm(h.to_dense() - a) <= 1e-9 * np.linalg.norm(a))
        True
        """
        arr = _as_real(a, "a")
        if arr.ndim != 2 or arr.shape[0] != arr.shape[1] or arr.shape[0] < 1:
            raise ValueError(f"a must be a non-empty square matrix, got shape {arr.shape}")
        arr = np.ascontiguousarray(arr)
        finite, scale, asym = _core.hss_symmetry(arr)
        if not finite:
            raise ValueError("a contains NaN or Inf")
        t = _check_tol(tol)
        ls = _check_leaf_size(leaf_size)
        n = _check_n(arr.shape[0])
        perm = np.arange(n, dtype=np.int64) if order is None else _check_order(order, n)
        nt = resolve_threads(n_threads)
        if asym > _SYM_RTOL * scale:
            raise NotPositiveDefiniteError(
                f"a is not symmetric (max |a - a.T| = {asym:.3g}, max |a| = {scale:.3g})",
                hint="HSS Cholesky needs a symmetric positive definite matrix; pass (a + a.T) / 2",
            )
        ap = arr if order is None else arr.take(perm, axis=0).take(perm, axis=1)
        if asym > 0:
            ap = 0.5 * (ap + ap.T)
        # ap is exactly symmetric: its transpose is the same matrix, in Fortran order (no copy)
        ap = ap.T if ap.flags.c_contiguous else np.asfortranarray(ap)
        core, fail = _core.hss_from_dense(ap, ls, t, False, nt)
        compensated = False
        if fail is not None and fail[0] == _NOT_SPD and fail[2] != _tree_levels(n, ls):
            # the plain compression is indefinite: redo it Schur-compensated (SPD-preserving)
            core, fail = _core.hss_from_dense(ap, ls, t, True, nt)
            compensated = True
        if fail is not None:
            _raise_failure(
                fail,
                "HSSMatrix.from_dense",
                "a is not positive definite (or its smallest eigenvalue is below rounding, "
                "~1e-16 max|a|); add a multiple of the identity if it is only semidefinite",
            )
        return cls(core, perm, compensated)

    @classmethod
    def from_entries(
        cls,
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
    ) -> HSSMatrix:
        """Build an HSS matrix from a function returning blocks of entries.

        Parameters
        ----------
        entries : callable
            ``entries(rows, cols)`` with integer arrays of original indices returns the block
            ``A[np.ix_(rows, cols)]`` (shape ``(len(rows), len(cols))``, real, finite). It is
            called O(n / leaf_size) times, from one thread.
        n : int
            Order of the matrix.
        tol : float, default 1e-12
            Relative tolerance of the interpolative decompositions.
        leaf_size : int, default 32
            Largest number of indices of a leaf (>= 2); also the size of the sampled near field.
        points : array_like, shape (n,) or (n, d), optional
            Coordinates (d <= 3) of the indices: the tree comes from their geometric bisection.
        order : array_like of int, optional
            An explicit ordering (a permutation of ``range(n)``) instead of ``points``.
        matvec : callable, optional
            ``matvec(X)`` returns ``A @ X`` for X of shape (n, k) in the original order (k
            columns at once). When given, the **randomized compression** of Martinsson (2011) is
            used instead of the sampled ID: ``Y = A Omega`` for a Gaussian ``Omega`` with ``s``
            columns (48 first) samples every off-diagonal block row at once, each node's local
            sample (its block row times ``Omega``, the contributions inside the node removed
            through the children's generators) gets a rank-revealing row ID with threshold
            ``max(tol / 50, 30 eps) ||A||_est sqrt(s)``, and ``entries`` is asked only for the
            diagonal leaf blocks and the skeleton couplings. An a posteriori check on independent
            Gaussian vectors estimates ``||A - H||_F / ||A||_F`` (``H.error_estimate``); ``s`` is
            doubled (up to n) while a rank comes within 8 of ``s``, and the ID threshold is
            divided by 4 (up to three times) while the estimate is above ``2 tol``.
            ``HSSCholesky.solve`` then refines against this exact operator.
        dense_fallback : int, default 16384
            The sampled compression is not SPD-preserving: it is checked with one ULV
            factorization (O(n r^2)), and when it is not positive definite and
            ``n <= dense_fallback``, the matrix is assembled by blocks of rows and compressed with
            the SPD-preserving :meth:`from_dense` instead (O(n^2) entries). 0 disables this; a
            larger n then gives a matrix whose :meth:`cholesky` raises.
        n_threads : int, optional
            OpenMP threads over tree nodes (``entries`` itself is always called serially).

        Returns
        -------
        HSSMatrix

        Raises
        ------
        ValueError
            Bad arguments, or ``entries`` returned a block of the wrong shape, a non-real dtype,
            or NaN/Inf.
        nnla.errors.NotPositiveDefiniteError
            If a diagonal block returned by ``entries`` is not symmetric, or (through the dense
            fallback) the matrix is not symmetric positive definite.

        Warns
        -----
        HSSAccuracyWarning
            If the a posteriori estimate of ``||A - H||_F / ||A||_F`` stays above the tolerance
            (``2 tol``) after resampling (the sampled ID: checked on every row for points in
            2D/3D and n <= 16384, else on 32 exact rows, and rebuilt with 2x, 4x, 8x the random
            samples, 4x, 16x, 64x in 2D/3D; the matvec path: see ``matvec``).

        Examples
        --------
        >>> import numpy as np
        >>> from nnla.hss import HSSMatrix
        >>> x = np.sort(np.random.default_rng(0).uniform(-1, 1, 400))
        >>> def entries(rows, cols):
        ...     k = np.exp(-np.abs(x[rows, None] - x[None, cols]))
        ...     return k + 2.0 * (rows[:, None] == cols)
        >>> h = HSSMatrix.from_entries(entries, 400, tol=1e-12, leaf_size=32, points=x)
        >>> a = entries(np.arange(400), np.arange(400))
        >>> bool(np.linalg.norm(h.to_dense() - a) <= 1e-10 * np.linalg.norm(a))
        True

        With a fast product (here the dense one) the randomized compression is used:

        >>> h2 = HSSMatrix.from_entries(entries, 400, tol=1e-10, points=x, matvec=lambda v: a @ v)
        >>> bool(np.linalg.norm(h2.to_dense() - a) <= 1e-9 * np.linalg.norm(a))
        True
        >>> bool(h2.error_estimate <= 1e-9)
        True
        """
        if not callable(entries):
            raise ValueError("entries must be a callable entries(rows, cols) -> block")
        nn = _check_n(n)
        t = _check_tol(tol)
        ls = _check_leaf_size(leaf_size)
        if points is not None and order is not None:
            raise ValueError("pass either points or order, not both")
        dim = 1
        if order is not None:
            perm = _check_order(order, nn)
        elif points is not None:
            pts = _as_points(points, nn)
            dim = pts.shape[1]
            perm = np.asarray(_core.hss_bisection_order(pts, ls))
        else:
            perm = np.arange(nn, dtype=np.int64)
        nt = resolve_threads(n_threads)

        def block(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
            r, c = perm[rows], perm[cols]
            out = np.asarray(entries(r, c))
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

        exact = None if matvec is None else _checked_matvec(matvec, nn)
        if (
            isinstance(dense_fallback, bool)
            or not isinstance(dense_fallback, (int, np.integer))
            or int(dense_fallback) < 0
        ):
            raise ValueError(f"dense_fallback must be an integer >= 0, got {dense_fallback!r}")
        if matvec is not None:
            if not callable(matvec):
                raise ValueError("matvec must be a callable matvec(X) -> A @ X, or None")
            core, err = _randomized(block, matvec, perm, nn, t, ls, nt)
        else:

            def exact_rows(rows: np.ndarray, g: np.ndarray) -> np.ndarray:
                out = np.zeros((rows.shape[0], g.shape[1]))
                step = max(1, 4_000_000 // max(1, rows.shape[0]))
                for c0 in range(0, nn, step):
                    cols = np.arange(c0, min(nn, c0 + step))
                    out += block(rows, cols) @ g[c0 : c0 + step]
                return out

            def build(effort: int) -> Any:
                core, fail = _core.hss_from_entries(block, nn, ls, t, dim, nt, effort)
                if fail is not None:
                    _raise_failure(fail, "HSSMatrix.from_entries", "")
                return core

            core, err = _sampled_build(build, exact_rows, nn, dim, t, nt, "HSSMatrix.from_entries")
        if 0 < nn <= int(dense_fallback):
            _, ffail = core.factor(0.0, nt)
            if ffail is not None and ffail[0] == _NOT_SPD:
                # indefinite compression: SPD-preserving compression of the assembled matrix
                ap = np.empty((nn, nn))
                allc = np.arange(nn)
                step = max(1, 4_000_000 // nn)
                for r0 in range(0, nn, step):
                    ap[r0 : r0 + step] = block(np.arange(r0, min(nn, r0 + step)), allc)
                hd = cls.from_dense(ap, tol=t, leaf_size=ls, n_threads=nt)
                out = cls(hd._core, perm, hd.compensated)
                out._exact = exact
                return out
        out = cls(core, perm)
        out.error_estimate = err
        out._exact = exact
        return out

    @classmethod
    def from_kernel(
        cls,
        points: ArrayLike,
        kernel: str = "gaussian",
        length_scale: float = 1.0,
        nugget: float = 0.0,
        tol: float = 1e-12,
        leaf_size: int = 32,
        *,
        n_threads: int | None = None,
    ) -> HSSMatrix:
        """HSS matrix of a kernel on points in 1D-3D, with native entries.

        ``A_ij = k(|x_i - x_j|) + nugget [i == j]`` with ``k(r)`` = ``exp(-(r/l)^2)``
        ("gaussian"), ``exp(-r/l)`` ("exponential") or ``(1 + sqrt(3) r/l) exp(-sqrt(3) r/l)``
        ("matern32"); the tree comes from a geometric bisection of the points.

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
        n_threads : int, optional
            OpenMP threads (entry evaluation and tree nodes); the result does not depend on it.

        Returns
        -------
        HSSMatrix

        Raises
        ------
        ValueError
            Bad points (shape, NaN/Inf), unknown kernel, bad length_scale/nugget/tol/leaf_size.

        Warns
        -----
        HSSAccuracyWarning
            If the compression misses ``tol``: after the build, ``||A - H||_F / ||A||_F`` is
            estimated on ``A(R, :) G`` for Gaussian columns G (``H.error_estimate``), R every
            row for points in 2D/3D with n <= 16384 (8 columns), else 32 random rows (8-32
            above n = 2^19, 4 columns); above ``2 tol`` the matrix is rebuilt with 2x, 4x and 8x
            the random and sibling-cluster samples (4x, 16x, 64x in 2D/3D, which need this at
            tight tolerances), and the warning is given if it still misses.

        Examples
        --------
        >>> import numpy as np
        >>> from nnla.hss import HSSMatrix
        >>> x = np.sort(np.random.default_rng(1).uniform(-1, 1, 2000))
        >>> h = HSSMatrix.from_kernel(x, "gaussian", length_scale=1.0, nugget=10.0)
        >>> f = h.cholesky()
        >>> b = np.ones(2000)
        >>> bool(np.linalg.norm(h @ f.solve(b) - b) <= 1e-13 * np.linalg.norm(b))
        True
        """
        pts = _as_points(points, None)
        if kernel not in _KERNELS:
            raise ValueError(f"kernel must be one of {sorted(_KERNELS)}, got {kernel!r}")
        ls_ = float(length_scale)
        if not (np.isfinite(ls_) and ls_ > 0):
            raise ValueError(f"length_scale must be a positive finite float, got {length_scale!r}")
        nug = float(nugget)
        if not (np.isfinite(nug) and nug >= 0):
            raise ValueError(f"nugget must be a finite float >= 0, got {nugget!r}")
        t = _check_tol(tol)
        lsz = _check_leaf_size(leaf_size)
        _check_n(pts.shape[0])
        nt = resolve_threads(n_threads)
        perm = np.asarray(_core.hss_bisection_order(pts, lsz))
        pp = np.ascontiguousarray(pts[perm])
        kid = _KERNELS[kernel]

        def exact_rows(rows: np.ndarray, g: np.ndarray) -> np.ndarray:
            return np.asarray(_core.hss_kernel_rows(pp, kid, ls_, nug, rows, g, nt))

        def build(effort: int) -> Any:
            core, fail = _core.hss_from_kernel(pp, kid, ls_, nug, lsz, t, nt, effort)
            if fail is not None:
                _raise_failure(fail, "HSSMatrix.from_kernel", "")
            return core

        core, err = _sampled_build(
            build, exact_rows, pts.shape[0], pts.shape[1], t, nt, "HSSMatrix.from_kernel"
        )
        out = cls(core, perm)
        out.error_estimate = err
        return out

    @classmethod
    def from_relu(
        cls,
        matrix: str,
        w: ArrayLike,
        b: ArrayLike,
        domain: Any = None,
        tol: float = 1e-12,
        leaf_size: int = 32,
        *,
        n_threads: int | None = None,
    ) -> HSSMatrix:
        """HSS matrix of a shallow ReLU network's Gram matrix (see :mod:`nnla.relu`).

        1D: the neurons are sorted by breakpoint (``w = 0`` last) and the matrix is built from
        **exact analytic generators** (every block row lies in the range of at most six
        closed-form columns; see ``cpp/hss/gram1d.cpp``): O(n log n) work, no sampling, no
        truncation, ranks <= 6 (<= 3 for "heaviside"), the representation exact to rounding at
        every ``tol`` (so it stays SPD however ill-conditioned the matrix is; ``tol`` is not
        used). Should its Cholesky still find it indefinite (the matrix itself is then not
        numerically SPD), the matrix is assembled and compressed with the SPD-preserving
        :meth:`from_dense` instead (``compensated`` tells).

        2D: the matrix is assembled exactly (:mod:`nnla.relu`, native) and compressed with
        :meth:`from_dense` (SPD-preserving) at ``tol`` in the ordering of
        ``nnla.relu.ShallowNetwork.order`` (recursive PCA bisection of the lines); O(n^2)
        memory. In 2D the off-diagonal ranks are only numerically low: use a moderate ``tol``
        and the factor as a preconditioner of CG on the exact operator.

        Parameters
        ----------
        matrix : {"mass", "heaviside", "gauss_newton"}
            Which matrix (the Gauss-Newton one is (d + 1) n square, neuron-major).
        w : array_like, shape (n,) or (n, 2)
            Hidden-layer weights (1D or 2D network).
        b : array_like, shape (n,)
            Hidden-layer biases.
        domain : optional
            As in :func:`nnla.relu.mass_matrix` (1D default (0, 1); 2D default the unit square).
        tol : float, default 1e-12
            Compression tolerance (2D only; validated in 1D).
        leaf_size : int, default 32
            Largest number of indices of a leaf (>= 2).
        n_threads : int, optional
            OpenMP threads; the result does not depend on it.

        Returns
        -------
        HSSMatrix

        Raises
        ------
        ValueError
            Bad arguments (as in :mod:`nnla.relu`), unknown ``matrix``.
        nnla.errors.DegenerateNeuronsError
            If the neurons are degenerate (dead, duplicated, too many linear ones): the matrix is
            singular.
        nnla.errors.NotPositiveDefiniteError
            If the matrix is not numerically positive definite (its factorization and the
            SPD-preserving fallback both fail).

        Examples
        --------
        >>> import numpy as np
        >>> from nnla import relu
        >>> from nnla.hss import HSSMatrix
        >>> n = 1024
        >>> w, b = np.ones(n), -np.arange(n) / n
        >>> h = HSSMatrix.from_relu("mass", w, b)
        >>> max(h.ranks) <= 6
        True
        >>> a = relu.mass_matrix(w, b)
        >>> bool(np.linalg.norm(h.to_dense() - a) <= 1e-14 * np.linalg.norm(a))
        True
        >>> x = h.cholesky().solve(a @ np.ones(n))
        >>> bool(np.linalg.norm(a @ x - a @ np.ones(n)) <= 1e-14 * np.linalg.norm(a @ np.ones(n)))
        True
        """
        from nnla import relu as _relu

        kinds = {  # the kind codes of cpp/relu/kind.hpp
            "mass": int(_core.ReluKind.MASS),
            "heaviside": int(_core.ReluKind.HEAVISIDE),
            "gauss_newton": int(_core.ReluKind.GAUSS_NEWTON),
        }
        if matrix not in kinds:
            raise ValueError(f"matrix must be one of {sorted(kinds)}, got {matrix!r}")
        wa, ba, d = _relu._as_params(w, b)
        t = _check_tol(tol)
        ls = _check_leaf_size(leaf_size)
        nt = resolve_threads(n_threads)
        _relu._refuse_degenerate(
            _relu.degenerate_neurons(wa, ba, domain, kind=matrix), "HSSMatrix.from_relu"
        )
        net = _relu.ShallowNetwork(wa, ba)
        order = np.asarray(net.order(domain), dtype=np.int64)
        per = 1 if matrix != "gauss_newton" else d + 1
        perm = (per * order[:, None] + np.arange(per)).ravel()
        if d == 2:
            a = _relu._assemble(matrix, wa, ba, domain, False, nt)
            return cls.from_dense(a, tol=t, leaf_size=ls, order=perm, n_threads=nt)
        lo, hi = _relu._as_interval(domain)
        w1 = np.ascontiguousarray(wa.reshape(-1), dtype=np.float64)
        core, fail = _core.hss_from_relu1d(
            kinds[matrix], w1, np.ascontiguousarray(ba), lo, hi, order, ls, nt
        )
        if fail is not None:
            _raise_failure(fail, "HSSMatrix.from_relu", "")
        fcore, ffail = core.factor(0.0, nt)
        if ffail is not None and ffail[0] == _NOT_SPD:
            # the exact matrix is not numerically SPD: assembled, SPD-preserving compression
            a = _relu._assemble(matrix, wa, ba, domain, False, nt)
            try:
                return cls.from_dense(a, tol=t, leaf_size=ls, order=perm, n_threads=nt)
            except NotPositiveDefiniteError as exc:
                raise NotPositiveDefiniteError(
                    f"HSSMatrix.from_relu: the {matrix} matrix is not numerically positive "
                    f"definite ({str(exc).split('. Hint:')[0]})",
                    hint="its smallest eigenvalue is below rounding (clustered breakpoints, or "
                    "a domain far from the origin for gauss_newton); add a multiple of the "
                    "identity (cholesky(shift=...)) or remove close neurons",
                ) from None
        if ffail is not None:
            _raise_failure(ffail, "HSSMatrix.from_relu", "")
        out = cls(core, perm)
        out._factor0 = fcore
        return out

    # ---- properties ---------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, int]:
        return (self._n, self._n)

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(np.float64)

    @property
    def perm(self) -> np.ndarray:
        return self._perm.copy()

    @property
    def ranks(self) -> list[int]:
        r = np.asarray(self._core.rank)
        levels = range(1, self._core.levels + 1)
        return [int(r[(1 << lv) - 1 : (1 << (lv + 1)) - 1].max()) for lv in levels]

    @property
    def nbytes(self) -> int:
        return int(self._core.nbytes)

    # ---- products -----------------------------------------------------------------------
    def matvec(self, x: ArrayLike, *, n_threads: int | None = None) -> np.ndarray:
        """Return ``H @ x`` for x of shape (n,) or (n, k).

        Parameters
        ----------
        x : array_like, shape (n,) or (n, k)
            Real, finite.
        n_threads : int, optional
            OpenMP threads over tree nodes; the result does not depend on it.

        Returns
        -------
        ndarray, same shape as x

        Examples
        --------
        >>> import numpy as np
        >>> from nnla.hss import HSSMatrix
        >>> a = np.diag(np.arange(1.0, 11.0))
        >>> HSSMatrix.from_dense(a, leaf_size=4).matvec(np.ones(10))[:3]
        array([1., 2., 3.])
        """
        arr, vec = _rhs(x, self._n, "x")
        nt = resolve_threads(n_threads)
        yp = self._core.matvec(np.asfortranarray(arr[self._perm]), nt)
        y = np.empty_like(yp)
        y[self._perm] = yp
        return y[:, 0] if vec else y

    def __matmul__(self, x: ArrayLike) -> np.ndarray:
        return self.matvec(x)

    def to_dense(self) -> np.ndarray:
        """Return the dense (n, n) matrix (O(n^2 r); for checks on small n).

        Examples
        --------
        >>> import numpy as np
        >>> from nnla.hss import HSSMatrix
        >>> a = np.eye(5) * 2.0
        >>> bool(np.array_equal(HSSMatrix.from_dense(a, leaf_size=2).to_dense(), a))
        True
        """
        return self.matvec(np.eye(self._n))

    def aslinearoperator(self) -> Any:
        """Return a :class:`scipy.sparse.linalg.LinearOperator` applying H.

        Examples
        --------
        >>> import numpy as np
        >>> from nnla.hss import HSSMatrix
        >>> op = HSSMatrix.from_dense(np.eye(4), leaf_size=2).aslinearoperator()
        >>> op.matvec(np.ones(4))
        array([1., 1., 1., 1.])
        """
        from scipy.sparse.linalg import LinearOperator

        return LinearOperator(
            self.shape,
            matvec=self.matvec,
            rmatvec=self.matvec,
            matmat=self.matvec,
            dtype=np.float64,
        )

    # ---- factorization ------------------------------------------------------------------
    def cholesky(self, shift: float = 0.0, *, n_threads: int | None = None) -> HSSCholesky:
        """ULV-type Cholesky factorization of ``H + shift I`` (O(n r^2), no recompression).

        Parameters
        ----------
        shift : float, default 0.0
            Added to the diagonal (finite; may be negative).
        n_threads : int, optional
            OpenMP threads over tree nodes; the factor does not depend on it.

        Returns
        -------
        HSSCholesky

        Raises
        ------
        nnla.errors.NotPositiveDefiniteError
            If ``H + shift I`` is not (numerically) positive definite; every small Cholesky is
            checked.

        Examples
        --------
        >>> import numpy as np
        >>> from nnla.hss import HSSMatrix
        >>> a = np.diag(np.arange(1.0, 9.0))
        >>> f = HSSMatrix.from_dense(a, leaf_size=2).cholesky(shift=1.0)
        >>> f.solve(np.arange(2.0, 10.0))
        array([1., 1., 1., 1., 1., 1., 1., 1.])
        """
        if isinstance(shift, bool) or not isinstance(shift, (int, float, np.integer, np.floating)):
            raise ValueError(f"shift must be a finite real number, got {shift!r}")
        s = float(shift)
        if not np.isfinite(s):
            raise ValueError(f"shift must be a finite float, got {shift!r}")
        nt = resolve_threads(n_threads)
        if s == 0.0 and self._factor0 is not None:
            return HSSCholesky(self._factor0, self._perm, self._core, self._exact, s)
        core, fail = self._core.factor(s, nt)
        if fail is not None:
            hint = (
                "the matrix (or its compression) is not positive definite; "
                "use HSSMatrix.from_dense (SPD-preserving) or a smaller tol, or a larger shift"
            )
            _raise_failure(fail, "HSSMatrix.cholesky", hint)
        return HSSCholesky(core, self._perm, self._core, self._exact, s)


class HSSCholesky:
    """ULV-type Cholesky factor of an :class:`HSSMatrix` (+ shift I).

    Examples
    --------
    >>> import numpy as np
    >>> from nnla.hss import HSSMatrix
    >>> a = np.diag([1.0, 4.0, 9.0, 16.0])
    >>> f = HSSMatrix.from_dense(a, leaf_size=2).cholesky()
    >>> round(f.logdet(), 12) == round(float(np.log(576.0)), 12)
    True
    """

    def __init__(
        self,
        core: Any,
        perm: np.ndarray,
        hcore: Any = None,
        exact: Callable[[np.ndarray], np.ndarray] | None = None,
        shift: float = 0.0,
    ) -> None:
        self._core = core
        self._perm = perm
        self._n = int(perm.shape[0])
        self._hcore = hcore  # the HSS matrix factored (refinement operator when exact is None)
        self._exact = exact  # the exact operator A (original order), when known
        self._shift = float(shift)

    @property
    def shape(self) -> tuple[int, int]:
        return (self._n, self._n)

    @property
    def nbytes(self) -> int:
        """Memory of the factor in bytes."""
        return int(self._core.nbytes)

    def solve(
        self, b: ArrayLike, refine: int | None = None, *, n_threads: int | None = None
    ) -> np.ndarray:
        """Solve ``(A + shift I) x = b`` for b of shape (n,) or (n, k).

        The ULV solve with the factor of ``H + shift I`` is followed by ``refine`` steps of
        iterative refinement, ``x <- x + F^{-1} (b - (A + shift I) x)``, with the most accurate
        operator known: the exact ``A`` when the matrix was built with one
        (``from_entries(..., matvec=...)``), else the HSS product ``H`` (O(n r) per step).

        Why: the ULV solve is backward stable only up to a modest factor (on the 1D ReLU mass
        matrix, n = 8192, kappa ~ 1.7e16: residual 9e-15); one refinement step makes the
        solution backward stable with respect to the refinement operator (residual ~ eps
        against it: 4e-16 against H there). Against the true A the attainable residual is
        then ``||(A - Op) x|| / ||b||``, the operator's own error (``~tol`` for a compression;
        1e-15 for the exact-to-rounding 1D ReLU generators); no refinement can go below the
        accuracy with which ``A x`` is evaluated, whatever kappa is. A step that does not
        reduce a column's residual is discarded, and none is taken when the residual is
        already at rounding (``<= 4 eps ||b||``).

        Parameters
        ----------
        b : array_like, shape (n,) or (n, k)
            Real, finite.
        refine : int, optional
            Number of refinement steps (>= 0); default 1. ``0``: the plain (linear) ULV solve,
            as :meth:`aslinearoperator` uses.
        n_threads : int, optional
            OpenMP threads over tree nodes; the result does not depend on it.

        Returns
        -------
        ndarray, same shape as b

        Examples
        --------
        >>> import numpy as np
        >>> from nnla.hss import HSSMatrix
        >>> f = HSSMatrix.from_dense(np.diag([2.0, 4.0, 8.0]), leaf_size=2).cholesky()
        >>> f.solve(np.array([2.0, 4.0, 8.0]))
        array([1., 1., 1.])
        """
        arr, vec = _rhs(b, self._n, "b")
        if refine is None:
            steps = 1
        elif isinstance(refine, bool) or not isinstance(refine, (int, np.integer)) or refine < 0:
            raise ValueError(f"refine must be an integer >= 0 or None, got {refine!r}")
        else:
            steps = int(refine)
        nt = resolve_threads(n_threads)
        perm = self._perm
        bp = np.asfortranarray(arr[perm])
        xp = np.asarray(self._core.solve(bp, nt))
        if steps > 0 and (self._hcore is not None or self._exact is not None):
            xp = self._refine(bp, xp, steps, nt)
        x = np.empty_like(xp)
        x[perm] = xp
        return x[:, 0] if vec else x

    def _residual(self, bp: np.ndarray, xp: np.ndarray, nt: int) -> np.ndarray:
        """``b - (A + shift I) x`` in the tree order (A: the exact operator if known, else H)."""
        if self._exact is not None:
            x = np.empty_like(xp)
            x[self._perm] = xp
            ax = self._exact(x)[self._perm]
        else:
            ax = np.asarray(self._hcore.matvec(np.asfortranarray(xp), nt))
        r = bp - ax
        if self._shift != 0.0:
            r -= self._shift * xp
        return np.asfortranarray(r)

    def _refine(self, bp: np.ndarray, xp: np.ndarray, steps: int, nt: int) -> np.ndarray:
        bn = np.linalg.norm(bp, axis=0)
        r = self._residual(bp, xp, nt)
        rn = np.linalg.norm(r, axis=0)
        for _ in range(steps):
            todo = rn > 4 * _EPS * bn
            if not todo.any():
                break
            xn = xp + np.asarray(self._core.solve(r, nt))
            rnew = self._residual(bp, xn, nt)
            rnn = np.linalg.norm(rnew, axis=0)
            better = todo & (rnn < rn)
            if not better.any():
                break
            xp = np.where(better, xn, xp)
            r = np.asfortranarray(np.where(better, rnew, r))
            rn = np.where(better, rnn, rn)
        return xp

    def logdet(self) -> float:
        """Return ``log det(H + shift I)`` as a sum of logarithms of the pivots.

        Examples
        --------
        >>> import numpy as np
        >>> from nnla.hss import HSSMatrix
        >>> f = HSSMatrix.from_dense(np.eye(3) * np.e, leaf_size=2).cholesky()
        >>> round(f.logdet(), 14)
        3.0
        """
        return float(self._core.logdet())

    def aslinearoperator(self) -> Any:
        """Return a :class:`scipy.sparse.linalg.LinearOperator` applying the inverse.

        Use it as a preconditioner ``M`` of :func:`scipy.sparse.linalg.cg`.

        Examples
        --------
        >>> import numpy as np
        >>> from nnla.hss import HSSMatrix
        >>> op = HSSMatrix.from_dense(np.eye(4) * 2.0, leaf_size=2).cholesky().aslinearoperator()
        >>> op.matvec(np.ones(4))
        array([0.5, 0.5, 0.5, 0.5])
        """
        from scipy.sparse.linalg import LinearOperator

        def inv(x: np.ndarray) -> np.ndarray:
            return self.solve(x, refine=0)

        return LinearOperator(
            self.shape,
            matvec=inv,
            rmatvec=inv,
            matmat=inv,
            dtype=np.float64,
        )


class HSSAccuracyWarning(RuntimeWarning):
    """A sampled HSS compression missed its tolerance (measured a posteriori, after retries).

    ``H.error_estimate`` holds the estimate of ``||A - H||_F / ||A||_F``.
    """


_EPS = float(np.finfo(np.float64).eps)
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


def _accepted(err: float, tol: float, n: int, factor: float = _CHECK_FACTOR) -> bool:
    # the floor grows like the rounding of an n-term product (H x: ~sqrt(n) eps at worst)
    return err <= max(factor * tol, _CHECK_FLOOR, 2 * _EPS * np.sqrt(n))


def _warn_accuracy(what: str, err: float, tol: float, stacklevel: int = 3) -> None:
    warnings.warn(
        f"{what}: the compression error estimate ||A - H||_F/||A||_F ~ {err:.1e} is above "
        f"tol = {tol:.0e} after resampling with larger samples; use the factor as a "
        "preconditioner (CG on the exact matrix), or from_dense / from_entries(matvec=...)",
        HSSAccuracyWarning,
        stacklevel=stacklevel,
    )


def _row_check(core: Any, exact_rows: Callable[[np.ndarray, np.ndarray], np.ndarray], n: int,
               nt: int, full: bool = False) -> float:
    """Randomized estimate of ||A - H||_F / ||A||_F from exact rows (tree order).

    ``exact_rows(rows, g)`` returns ``A(rows, :) g``; the estimate compares it with
    ``(H g)(rows)`` for Gaussian ``g`` (fixed seed): on every row with ``_FULL_CHECK_COLS``
    columns when ``full``, else on ``_CHECK_COLS`` columns and ``_CHECK_ROWS`` random rows.
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


def _sampled_build(
    build: Callable[[int], Any],
    exact_rows: Callable[[np.ndarray, np.ndarray], np.ndarray],
    n: int,
    dim: int,
    tol: float,
    nt: int,
    what: str,
) -> tuple[Any, float]:
    """A sampled-ID build (``build(effort)``) checked a posteriori and rebuilt while it misses tol.

    The check sees every row in 2D/3D up to ``_FULL_CHECK_N`` (``_row_check``); the rebuilds
    multiply the random and sibling samples by 2, 4, 8 (by 4, 16, 64 for points in 2D/3D, where
    a node's ID can miss a few near columns at 1x-8x). A miss that remains is warned about.
    """
    full = dim >= 2 and n <= _FULL_CHECK_N
    step = 2 if dim >= 2 else 1
    core, err = None, np.inf
    for attempt in range(_RETRIES + 1):
        core = build(1 << (step * attempt))
        err = _row_check(core, exact_rows, n, nt, full)
        if _accepted(err, tol, n):
            return core, err
    _warn_accuracy(what, err, tol, stacklevel=4)
    return core, err


def _checked_matvec(
    matvec: Callable[[np.ndarray], ArrayLike], n: int
) -> Callable[[np.ndarray], np.ndarray]:
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


def _randomized(
    block: Callable[[np.ndarray, np.ndarray], np.ndarray],
    matvec: Callable[[np.ndarray], ArrayLike],
    perm: np.ndarray,
    n: int,
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
    by 4 (at most three times; then the sample is doubled).
    """
    apply = _checked_matvec(matvec, n)

    def apply_p(xp: np.ndarray) -> np.ndarray:
        x = np.empty_like(xp)
        x[perm] = xp
        return np.asfortranarray(apply(x)[perm])

    rng = np.random.default_rng(0x4A3D0)
    g = np.asfortranarray(rng.standard_normal((n, _CHECK_COLS)))
    yg = apply_p(g)
    z = apply_p(yg)
    yn = np.linalg.norm(yg, axis=0)
    anorm = float(np.max(np.linalg.norm(z, axis=0) / np.where(yn > 0, yn, 1.0)))
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
            _raise_failure(fail, "HSSMatrix.from_entries", "")
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
        _warn_accuracy("HSSMatrix.from_entries", err, tol, stacklevel=4)
    return core, err


def _tree_levels(n: int, leaf_size: int) -> int:
    levels = 0
    while -(-n // (1 << levels)) > leaf_size:
        levels += 1
    return levels
