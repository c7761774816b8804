"""The ULV-type Cholesky factor of an HSS matrix: solves with iterative refinement, logdet.

:class:`HSSCholesky` is made by :meth:`nnla.hss.HSSMatrix.cholesky` from a native factor.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from nnla._threads import resolve_threads
from nnla._validate import as_columns, as_operator, check_int
from nnla.errors import HSSAccuracyWarning

__all__ = ["HSSCholesky"]

_EPS = float(np.finfo(np.float64).eps)
# refinement takes a step only while a column's residual exceeds FLOOR * ||b||: against H its own
# representation error (>= ~1e-15 relative) dominates below 4 eps; against the user's operator the
# rounding of the product A x itself (>= eps / 2 per entry) sets the floor
_FLOOR_H = 4 * _EPS
_FLOOR_OPERATOR = 2 * _EPS
_STEPS_OPERATOR = 3  # default refinement steps against the user's operator (two reach the floor)
# refinement that stalls with a residual against the operator above this many times the residual
# against H: the operator is not the matrix factored, or H is too far from it (a warning)
_MISMATCH = 100.0


class HSSCholesky:
    """ULV-type Cholesky factor of an :class:`HSSMatrix` (+ shift I).

    Not constructed directly: :meth:`HSSMatrix.cholesky` returns it.

    Attributes
    ----------
    shape : tuple of int
        ``(n, n)``.
    nbytes : int
        Memory held by the factor.

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
        """``(n, n)``.

        Examples
        --------
        >>> import numpy as np
        >>> from nnla.hss import HSSMatrix
        >>> f = HSSMatrix.from_dense(np.eye(6) * 2.0, leaf_size=2).cholesky()
        >>> f.shape
        (6, 6)
        """
        return (self._n, self._n)

    @property
    def nbytes(self) -> int:
        """Memory of the factor in bytes.

        Examples
        --------
        >>> import numpy as np
        >>> from nnla.hss import HSSMatrix
        >>> f = HSSMatrix.from_dense(np.eye(6) * 2.0, leaf_size=2).cholesky()
        >>> f.nbytes > 0
        True
        """
        return int(self._core.nbytes)

    def solve(
        self,
        b: ArrayLike,
        refine: int | None = None,
        *,
        operator: Any = None,
        n_threads: int | None = None,
    ) -> np.ndarray:
        """Solve ``(A + shift I) x = b`` for b of shape (n,) or (n, k).

        The ULV solve with the factor of ``H + shift I`` is followed by steps of iterative
        refinement, ``x <- x + F^{-1} (b - (Op + shift I) x)``, with the most accurate operator
        ``Op`` at hand: ``operator`` when given; else the user's exact A kept by the
        construction (``from_dense(..., keep_a=True)``, ``from_entries(..., matvec=...)``);
        else the HSS product ``H`` (O(n r) per step).

        Why: the ULV solve is backward stable only up to a modest factor (on the 1D ReLU mass
        matrix, n = 8192, kappa ~ 1.7e16: residual 8.5e-15); refinement makes the solution
        backward stable with respect to ``Op``: the residual against ``Op`` falls to its
        rounding level, and against the true A it is bounded by ``||(A - Op) x|| / ||b||``, the
        operator's own error. Against ``H`` that is the compression error (``~tol``) or, for
        exact-to-rounding generators, their rounding (9e-16 there with ``from_dense``, 1e-15
        with the 1D ``from_relu``: ``||(H - A) 1|| / ||A 1|| = 1.8e-15``); against the user's A
        it is the rounding of the product ``A x`` itself: 3.1e-16 there after two steps (dense
        Cholesky: 4.7e-16). Each step against a dense A costs one O(n^2) product (30 ms at
        n = 8192; the ULV solve: 1 ms); no extra memory beyond O(n k) vectors.

        Stopping rule, per column: a step is taken only while the residual against ``Op``
        exceeds ``2 eps ||b||`` (``4 eps ||b||`` against H, whose own error is larger) and kept
        only if it lowers the residual; the first step that does not ends the refinement.
        Default: one step against H, up to three against the user's operator (two suffice on the
        matrix above). When refinement against the user's operator stalls (a step fails to lower
        a column's residual) with that residual above 100 times the residual against H (one
        O(n r) product more, only then), an :class:`~nnla.errors.HSSAccuracyWarning` is given:
        the operator is not the matrix that was factored (another or a scaled matrix, the tree
        order instead of the original one), or H is too far from it for refinement to converge
        (``||A - H|| ||H^-1|| >= 1``: a loose tol on an ill-conditioned matrix). The best
        iterate (usually the unrefined solution) is returned. The shift is the factor's: pass A,
        not ``A + shift I`` (that is solved as ``(A + 2 shift I) x = b``, without warning).

        The result is bitwise independent of ``n_threads`` (for a user operator: if its product
        is). A vector and the same vector as a column of a block are solved alike up to rounding,
        not necessarily bit for bit (as for :meth:`HSSMatrix.matvec`: a BLAS may sum one column
        in another order than a block; and a refinement step is kept or dropped per column on its
        own residual): they differ by at most about twice the forward error of the solve,
        ``kappa d eps ||x||``.

        Parameters
        ----------
        b : array_like, shape (n,) or (n, k)
            Real, finite.
        refine : int, optional
            Largest number of refinement steps (>= 0); default 1 against H, 3 against the user's
            operator. ``0``: the plain (linear) ULV solve, as :meth:`aslinearoperator` uses.
        operator : optional
            The matrix A, in the **original** order, that ``H`` approximates (without the
            shift: the factor's shift is added): a dense array, a scipy sparse matrix, a
            :class:`scipy.sparse.linalg.LinearOperator`, or any object with ``shape`` and ``@``.
            Real, shape (n, n); its products are checked (shape, dtype, finiteness). Overrides
            the operator kept by the construction.
        n_threads : int, optional
            OpenMP threads over tree nodes; the result does not depend on it.

        Returns
        -------
        ndarray, same shape as b

        Raises
        ------
        ValueError
            ``b`` or ``operator`` of the wrong shape or dtype, or with NaN/Inf (also when a product
            of the operator returns them); a plain function as ``operator``.

        Examples
        --------
        >>> import numpy as np
        >>> from nnla.hss import HSSMatrix
        >>> f = HSSMatrix.from_dense(np.diag([2.0, 4.0, 8.0]), leaf_size=2).cholesky()
        >>> f.solve(np.array([2.0, 4.0, 8.0]))
        array([1., 1., 1.])

        Refinement against the user's matrix (the 1D ReLU mass matrix, kappa ~ 6e13): the
        residual falls from 1.2e-14 (plain) and 1e-15 (against H) to 5e-16, as dense Cholesky:

        >>> from nnla import relu
        >>> n = 2048
        >>> a = relu.mass_matrix(np.ones(n), -np.arange(n) / n)
        >>> b = a @ np.ones(n)
        >>> f = HSSMatrix.from_dense(a).cholesky()
        >>> x = f.solve(b, operator=a)
        >>> bool(np.linalg.norm(a @ x - b) <= 8e-16 * np.linalg.norm(b))
        True
        """
        arr, vec = as_columns(b, self._n, "b")
        op = self._exact if operator is None else as_operator(operator, self._n, "operator")
        if refine is None:
            steps = 1 if op is None else _STEPS_OPERATOR
        else:
            steps = check_int(refine, "refine", 0)
        nt = resolve_threads(n_threads)
        perm = self._perm
        bp = np.asfortranarray(arr[perm])
        xp = np.asarray(self._core.solve(bp, nt))
        if steps > 0 and (self._hcore is not None or op is not None):
            xp = self._refine(bp, xp, steps, nt, op)
        x = np.empty_like(xp)
        x[perm] = xp
        return x[:, 0] if vec else x

    def _residual(
        self, bp: np.ndarray, xp: np.ndarray, nt: int, op: Callable[[np.ndarray], np.ndarray] | None
    ) -> np.ndarray:
        """``b - (Op + shift I) x`` in the tree order (Op: ``op`` in the original order, else H)."""
        if op is not None:
            x = np.empty_like(xp)
            x[self._perm] = xp
            ax = op(x)[self._perm]
        else:
            ax = np.asarray(self._hcore.matvec(np.asfortranarray(xp), nt))
        r = bp - ax
        if self._shift != 0.0:
            r -= self._shift * xp
        return np.asfortranarray(r)

    def _refine(
        self,
        bp: np.ndarray,
        xp: np.ndarray,
        steps: int,
        nt: int,
        op: Callable[[np.ndarray], np.ndarray] | None,
    ) -> np.ndarray:
        floor = (_FLOOR_H if op is None else _FLOOR_OPERATOR) * np.linalg.norm(bp, axis=0)
        x0 = xp
        r = self._residual(bp, xp, nt, op)
        rn = np.linalg.norm(r, axis=0)
        todo = rn > floor
        stalled = np.zeros_like(todo)  # columns where a step failed to lower the residual
        for _ in range(steps):
            if not todo.any():
                break
            xn = xp + np.asarray(self._core.solve(r, nt))
            rnew = self._residual(bp, xn, nt, op)
            rnn = np.linalg.norm(rnew, axis=0)
            better = todo & (rnn < rn)
            stalled |= todo & ~better
            xp = np.where(better, xn, xp)
            r = np.asfortranarray(np.where(better, rnew, r))
            rn = np.where(better, rnn, rn)
            todo = better & (rn > floor)
        if op is not None and stalled.any():
            self._check_operator(bp, x0, rn, floor, stalled, nt)
        return xp

    def _check_operator(
        self,
        bp: np.ndarray,
        x0: np.ndarray,
        rn: np.ndarray,
        floor: np.ndarray,
        stalled: np.ndarray,
        nt: int,
    ) -> None:
        """Warn for the columns where refinement stalled far above the plain solve's residual
        against H (``x0``: the unrefined solution, backward stable for H)."""
        if self._hcore is None:
            return
        rh = np.linalg.norm(self._residual(bp, x0, nt, None), axis=0)
        bad = stalled & (rn > _MISMATCH * rh + floor)
        if bad.any():
            cols = np.flatnonzero(bad)
            worst = float(np.max(rn[bad] / np.linalg.norm(bp[:, bad], axis=0)))
            warnings.warn(
                f"HSSCholesky.solve: refinement against the operator stalled at a relative "
                f"residual {worst:.1e}, more than {_MISMATCH:.0f} times the residual against "
                f"the factored matrix H (columns {cols[:10].tolist()}"
                f"{' ...' if cols.size > 10 else ''}): the operator is not the matrix that was "
                "factored (pass A in the original order, without the shift), or H is too far "
                "from it for refinement to converge (||A - H|| ||H^-1|| >= 1: compress with a "
                "smaller tol, or use the factor as a CG preconditioner); the best iterate is "
                "returned",
                HSSAccuracyWarning,
                stacklevel=4,
            )

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
