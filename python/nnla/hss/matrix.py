"""The HSS matrix: construction from a native core object, products, ranks, factorization.

:class:`HSSMatrix` wraps the native representation built by :mod:`nnla.hss.builders` (its
classmethods are the public entry points and delegate there); :meth:`HSSMatrix.cholesky` returns an
:class:`~nnla.hss.factorization.HSSCholesky`. See :mod:`nnla.hss` for the constructions and their
accuracy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from nnla._threads import resolve_threads
from nnla._validate import as_columns, check_float
from nnla.hss import builders
from nnla.hss._codes import raise_failure
from nnla.hss.factorization import HSSCholesky

__all__ = ["HSSMatrix"]


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

    def __init__(
        self,
        core: Any,
        perm: np.ndarray,
        compensated: bool = False,
        error_estimate: float | None = None,
        exact: Callable[[np.ndarray], np.ndarray] | None = None,
        factor0: Any = None,
    ) -> None:
        self._core = core
        self._perm = perm
        self._n = int(perm.shape[0])
        self.compensated = bool(compensated)
        # the estimate of ||A - H||_F / ||A||_F measured by the sampled constructions (None: not
        # measured; from_dense and the 1D from_relu are accurate to tol / rounding by construction)
        self.error_estimate = error_estimate
        # the exact operator X -> A X (original order), when a constructor knows one: F.solve
        # refines against it (else against H)
        self._exact = exact
        self._factor0 = factor0  # a ULV factor of H (shift 0) made during the construction

    # ---- construction -------------------------------------------------------------------
    @classmethod
    def from_dense(
        cls,
        a: ArrayLike,
        tol: float = 1e-12,
        leaf_size: int = 32,
        order: ArrayLike | None = None,
        *,
        keep_a: bool = False,
        n_threads: int | None = None,
    ) -> HSSMatrix:
        """Compress a dense symmetric positive definite matrix.

        The residual of a solve against ``a`` is at the level of ``H``'s error (~tol; rounding,
        ~1e-15, for matrices of exact low rank such as the 1D ReLU ones) unless the solve
        refines against ``a`` itself: pass ``operator=a`` to :meth:`HSSCholesky.solve`, or
        ``keep_a=True`` here (then ``residual ~ 3e-16`` relative, as dense Cholesky, at
        kappa ~ 1e16).

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
        keep_a : bool, default False
            Keep a reference to ``a`` so that :meth:`HSSCholesky.solve` of every factor of this
            matrix refines against it by default (up to three steps, each one O(n^2) product:
            30 ms at n = 8192, where the ULV solve takes 1 ms). No copy is made when ``a`` is a
            C-contiguous float64 array, but ``a`` (8 n^2 bytes: 537 MB at n = 8192, 200 times
            the HSS factor) then stays alive as long as this matrix or one of its factors, and
            must not be modified meanwhile. Off by default: the HSS form exists to free that
            memory and time; ``solve(b, operator=a)`` gives the same result per call.
        n_threads : int, optional
            OpenMP threads over tree nodes; the result does not depend on it.

        Returns
        -------
        HSSMatrix

        Raises
        ------
        ValueError
            Wrong shape, dtype (complex), NaN/Inf, bad ``tol``/``leaf_size``/``order``/
            ``keep_a``.
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

        Solves refining against ``a`` itself reach its rounding level despite tol = 1e-10:

        >>> h = HSSMatrix.from_dense(a, tol=1e-10, leaf_size=32, keep_a=True)
        >>> b = np.ones(300)
        >>> bool(np.linalg.norm(a @ h.cholesky().solve(b) - b) <= 4e-16 * np.linalg.norm(b))
        True
        """
        built = builders.from_dense(a, tol, leaf_size, order, n_threads=n_threads, keep_a=keep_a)
        return cls(*built)

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
        return cls(
            *builders.from_entries(
                entries, n, tol, leaf_size, points, order, matvec,
                dense_fallback=dense_fallback, n_threads=n_threads,
            )
        )

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

        Notes
        -----
        ``tol`` bounds the compression error relative to ``||A||``, not the residual of a solve:
        :meth:`HSSCholesky.solve` is backward stable for ``H``, so its residual against the
        exact matrix is ``||(A - H) x|| / ||b||`` (measured equal to 3 digits), up to
        ``(||A - H|| / ||A||) (||A|| ||x|| / ||b||)``, and ``||x|| ~ ||b|| / lambda_min`` for a
        generic ``b``. For ``10 I + exp(-r^2)`` on n uniform points in (-1, 1), ``||A|| ~ 0.65 n``
        and ``lambda_min ~ 10``: at tol 1e-12 the residual against 64 exact rows is 4e-14 at
        n = 2^11, 1.8e-13 at 2^12 and 2.5e-12 at 2^20 (``H.error_estimate`` 2.1e-13 there). For a
        residual below ``rtol``, pass ``tol ~ rtol lambda_min / ||A||`` in the limit of what
        double precision allows (tol 1e-14: 2.6e-13 at n = 2^20, at the same build time; ranks
        10 instead of 10-11), or refine against an exact product of the kernel
        (``solve(b, operator=...)``, e.g. the dense matrix where it fits: 2-5e-15 at n = 2^11,
        2^12, the rounding of ``A x`` there).

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
        built = builders.from_kernel(
            points, kernel, length_scale, nugget, tol, leaf_size, n_threads=n_threads
        )
        return cls(*built)

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
        closed-form columns; see ``cpp/hss/gram1d.cpp`` and ``cpp/relu/generators.cpp``):
        O(n log n) work, no sampling, no
        truncation, ranks <= 6 (<= 3 for "heaviside"), the representation exact to rounding at
        every ``tol`` (so it stays SPD however ill-conditioned the matrix is; ``tol`` is not
        used). Should its Cholesky still find it indefinite (the matrix itself is then not
        numerically SPD), the matrix is assembled and compressed Schur-compensated
        (SPD-preserving, as in :meth:`from_dense`) instead; ``compensated`` tells. For a matrix
        singular to working precision (``lambda_min <~ eps ||A||``, e.g. clustered breakpoints)
        which of the two happens is decided by rounding, so it can differ between CPUs and BLAS
        builds; either way the solve is accurate to the representation error of the path taken
        (rounding, or ~``tol``).

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
            1D: an interval ``(a, b)`` with ``a < b`` (default ``(0, 1)``). 2D: a box
            ``((x0, x1), (y0, y1))`` or the ``(k, 2)`` vertices of a convex polygon (default the
            unit square); the flat form ``(x0, x1, y0, y1)`` raises ``ValueError``.
        tol : float, default 1e-12
            Compression tolerance (2D, and the SPD-preserving fallback in 1D).
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
        built = builders.from_relu(
            matrix, w, b, domain, tol, leaf_size, n_threads=n_threads
        )
        return cls(*built)

    # ---- properties ---------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, int]:
        """``(n, n)``.

        Examples
        --------
        >>> import numpy as np
        >>> from nnla.hss import HSSMatrix
        >>> a = np.diag(np.arange(1.0, 9.0))
        >>> h = HSSMatrix.from_dense(a, leaf_size=2, order=np.arange(8)[::-1])
        >>> h.shape
        (8, 8)
        """
        return (self._n, self._n)

    @property
    def dtype(self) -> np.dtype:
        """Always float64.

        Examples
        --------
        >>> import numpy as np
        >>> from nnla.hss import HSSMatrix
        >>> a = np.diag(np.arange(1.0, 9.0))
        >>> h = HSSMatrix.from_dense(a, leaf_size=2, order=np.arange(8)[::-1])
        >>> h.dtype
        dtype('float64')
        """
        return np.dtype(np.float64)

    @property
    def perm(self) -> np.ndarray:
        """The ordering used (tree position -> original index), a copy.

        Examples
        --------
        >>> import numpy as np
        >>> from nnla.hss import HSSMatrix
        >>> a = np.diag(np.arange(1.0, 9.0))
        >>> h = HSSMatrix.from_dense(a, leaf_size=2, order=np.arange(8)[::-1])
        >>> h.perm.tolist()
        [7, 6, 5, 4, 3, 2, 1, 0]
        """
        return self._perm.copy()

    @property
    def ranks(self) -> list[int]:
        """The largest off-diagonal rank at each tree level, from level 1 to the leaves.

        Examples
        --------
        >>> import numpy as np
        >>> from nnla.hss import HSSMatrix
        >>> a = np.diag(np.arange(1.0, 9.0))
        >>> h = HSSMatrix.from_dense(a, leaf_size=2, order=np.arange(8)[::-1])
        >>> h.ranks  # diagonal: no off-diagonal coupling
        [0, 0]
        """
        r = np.asarray(self._core.rank)
        levels = range(1, self._core.levels + 1)
        return [int(r[(1 << lv) - 1 : (1 << (lv + 1)) - 1].max()) for lv in levels]

    @property
    def nbytes(self) -> int:
        """Memory of the generators in bytes.

        Examples
        --------
        >>> import numpy as np
        >>> from nnla.hss import HSSMatrix
        >>> a = np.diag(np.arange(1.0, 9.0))
        >>> h = HSSMatrix.from_dense(a, leaf_size=2, order=np.arange(8)[::-1])
        >>> h.nbytes > 0
        True
        """
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

        Notes
        -----
        The result is bitwise independent of ``n_threads``. A vector and the same vector as a
        column of a block agree to rounding, not necessarily bit for bit: the products at the
        tree nodes are BLAS calls, and a BLAS may sum one column in another order than a block
        (OpenBLAS forwards a one-column ``gemm`` to ``gemv`` on some CPUs; others pick kernels
        by the block's size). Each is within ``gamma_d |H| |x|`` of the exact product, ``d <=
        2 leaf_size + 4 sum(ranks)`` the longest chain of accumulations, so they differ by at
        most about ``d eps ||H|| ||x||`` (observed: ~0.1 eps ||H|| ||x||). Making them equal on
        every BLAS would take column-by-column products of our own in place of ``gemm``.

        Examples
        --------
        >>> import numpy as np
        >>> from nnla.hss import HSSMatrix
        >>> a = np.diag(np.arange(1.0, 11.0))
        >>> HSSMatrix.from_dense(a, leaf_size=4).matvec(np.ones(10))[:3]
        array([1., 2., 3.])
        """
        arr, vec = as_columns(x, self._n, "x")
        nt = resolve_threads(n_threads)
        yp = self._core.matvec(np.asfortranarray(arr[self._perm]), nt)
        y = np.empty_like(yp)
        y[self._perm] = yp
        return y[:, 0] if vec else y

    def __matmul__(self, x: ArrayLike) -> np.ndarray:
        """``H @ x``: :meth:`matvec` with the default threads.

        Examples
        --------
        >>> import numpy as np
        >>> from nnla.hss import HSSMatrix
        >>> a = np.diag(np.arange(1.0, 9.0))
        >>> h = HSSMatrix.from_dense(a, leaf_size=2, order=np.arange(8)[::-1])
        >>> (h @ np.ones(8))[:3]
        array([1., 2., 3.])
        """
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
        s = check_float(shift, "shift")
        nt = resolve_threads(n_threads)
        if s == 0.0 and self._factor0 is not None:
            return HSSCholesky(self._factor0, self._perm, self._core, self._exact, s)
        core, fail = self._core.factor(s, nt)
        if fail is not None:
            hint = (
                "the matrix (or its compression) is not positive definite; "
                "use HSSMatrix.from_dense (SPD-preserving) or a smaller tol, or a larger shift"
            )
            raise_failure(fail, "HSSMatrix.cholesky", hint)
        return HSSCholesky(core, self._perm, self._core, self._exact, s)
